/* driftcli report behaviour: table sort and filter, then charts.
 * plotly.js is embedded gzip-compressed + base64 and decompressed here with the browser's
 * DecompressionStream; nothing is fetched from any host. Chart data are counts (histograms
 * on shared bins, category counts); the page turns them into shares for display only.
 * Every label handed to plotly is escaped (& < >) because plotly parses a few HTML tags. */
(function () {
  "use strict";
  var REF = "#4c78a8", CUR = "#f58518";
  var root = document.documentElement;

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function trunc(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + "\u2026" : s;
  }
  function num(x) {
    if (x === null || x === undefined || !isFinite(x)) return "\u2013";
    var a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(3);
    return String(+x.toPrecision(5));
  }
  function sum(a) {
    var s = 0;
    for (var i = 0; i < a.length; i++) s += a[i];
    return s;
  }
  function shares(counts, total) {
    return counts.map(function (c) { return total > 0 ? (100 * c) / total : 0; });
  }

  /* ---------------------------------------------------------------- summary table */
  function setupTable() {
    var table = document.getElementById("summary");
    if (!table) return;
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows); /* rows[i] has data-i = i */
    var order = rows.slice();
    var heads = table.tHead.rows[0].cells;
    var hay = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var filter = document.getElementById("filter");
    var driftedOnly = document.getElementById("drifted-only");
    var count = document.getElementById("shown-count");
    var showAll = document.getElementById("show-all");
    /* Only the first `limit` matching rows are laid out: a 2,000-row table stays quick to
       sort and filter. The server already hid the rows past the limit. */
    var LIMIT = +table.getAttribute("data-limit") || 200;
    var limit = LIMIT;
    var state = { col: -1, dir: 1 };

    function value(row, col, type) {
      var cell = row.cells[col];
      var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
      if (type === "num") return v === "" ? null : parseFloat(v);
      return v.toLowerCase();
    }
    function applyView() {
      var q = filter.value.trim().toLowerCase();
      var only = driftedOnly.checked;
      var matched = 0, shown = 0;
      order.forEach(function (r) {
        var st = r.getAttribute("data-status");
        var ok = (!q || hay[+r.getAttribute("data-i")].indexOf(q) >= 0) &&
          (!only || st === "drift" || st === "missing");
        if (ok) matched++;
        var visible = ok && shown < limit;
        if (visible) shown++;
        if (r.hidden === visible) r.hidden = !visible;
      });
      var text = matched === rows.length ? rows.length + " columns" : matched + " of " + rows.length + " columns";
      if (shown < matched) text += ", first " + shown + " shown";
      count.textContent = text;
      showAll.hidden = shown >= matched;
    }
    function sortBy(col) {
      var type = heads[col].getAttribute("data-type");
      state.dir = state.col === col ? -state.dir : type === "num" ? -1 : 1;
      state.col = col;
      var dir = state.dir;
      var keyed = rows.map(function (r, i) { return { r: r, v: value(r, col, type), i: i }; });
      keyed.sort(function (a, b) {
        if (a.v === null || b.v === null) {
          if (a.v === b.v) return a.i - b.i;
          return a.v === null ? 1 : -1; /* blanks last either way */
        }
        var c = type === "num" ? a.v - b.v : a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
        return c !== 0 ? c * dir : a.i - b.i;
      });
      order = keyed.map(function (k) { return k.r; });
      var frag = document.createDocumentFragment();
      order.forEach(function (r) { frag.appendChild(r); });
      tbody.appendChild(frag);
      for (var h = 0; h < heads.length; h++) heads[h].removeAttribute("aria-sort");
      heads[col].setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
      applyView();
    }
    Array.prototype.forEach.call(heads, function (th, i) {
      th.tabIndex = 0;
      th.title = "sort by " + th.textContent;
      th.addEventListener("click", function () { sortBy(i); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(i); }
      });
    });
    filter.addEventListener("input", applyView);
    driftedOnly.addEventListener("change", applyView);
    showAll.addEventListener("click", function () { limit = Infinity; applyView(); });
    applyView();
  }

  /* ---------------------------------------------------------------- charts */
  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser has no DecompressionStream"));
    }
    var bin = atob(document.getElementById("driftcli-plotly").textContent.trim());
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (code) {
      var s = document.createElement("script");
      s.textContent = code;
      document.head.appendChild(s);
      if (!window.Plotly) throw new Error("plotly.js did not load");
      return window.Plotly;
    });
  }

  function baseLayout() {
    return {
      margin: { l: 46, r: 8, t: 8, b: 8 },
      height: 250,
      barmode: "overlay",
      showlegend: false,
      font: { family: "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", size: 11 },
      paper_bgcolor: "#fff",
      plot_bgcolor: "#fff",
      hoverlabel: { namelength: 0 },
      xaxis: { automargin: true, showgrid: false, zeroline: false, linecolor: "#c9ced6" },
      yaxis: { ticksuffix: "%", rangemode: "tozero", gridcolor: "#eef0f3", automargin: true }
    };
  }

  function histogram(c) {
    var e = c.edges, R = sum(c.ref), C = sum(c.cur);
    var x = [], w = [], range = [];
    for (var i = 0; i + 1 < e.length; i++) {
      x.push((e[i] + e[i + 1]) / 2);
      w.push(e[i + 1] - e[i]);
      range.push(esc("[" + num(e[i]) + ", " + num(e[i + 1]) + (i + 2 === e.length ? "]" : ")")));
    }
    function trace(name, counts, total, color) {
      return {
        type: "bar", name: name, x: x, y: shares(counts, total), width: w,
        marker: { color: color, line: { width: 0 } }, opacity: 0.55,
        customdata: range.map(function (r, i) { return [r, counts[i]]; }),
        hovertemplate: "%{customdata[0]}<br>" + name + ": %{y:.1f}% (%{customdata[1]:,})<extra></extra>"
      };
    }
    var layout = baseLayout();
    layout.bargap = 0;
    return { traces: [trace("reference", c.ref, R, REF), trace("current", c.cur, C, CUR)], layout: layout };
  }

  function categories(c) {
    var labels = c.labels.slice(), ref = c.ref.slice(), cur = c.cur.slice();
    var R = sum(ref) + c.other[1], C = sum(cur) + c.other[2];
    var ticks = [], full = [];
    labels.forEach(function (label, i) {
      var mark = "";
      if (ref[i] === 0 && cur[i] > 0) mark = "<br><span style=\"color:#b26a00\"><b>new</b></span>";
      else if (cur[i] === 0 && ref[i] > 0) mark = "<br><span style=\"color:#c62828\"><b>missing</b></span>";
      ticks.push(esc(trunc(label, 18)) + mark);
      full.push(esc(trunc(label, 200)));
    });
    if (c.other[0] > 0 || c.other[1] > 0 || c.other[2] > 0) {
      ticks.push("<i>other (" + c.other[0] + ")</i>");
      full.push("other: " + c.other[0] + " more categories");
      ref.push(c.other[1]);
      cur.push(c.other[2]);
    }
    var x = ticks.map(function (_, i) { return i; });
    function trace(name, counts, total, color) {
      return {
        type: "bar", name: name, x: x, y: shares(counts, total),
        marker: { color: color },
        customdata: full.map(function (f, i) { return [f, counts[i]]; }),
        hovertemplate: "%{customdata[0]}<br>" + name + ": %{y:.1f}% (%{customdata[1]:,})<extra></extra>"
      };
    }
    var layout = baseLayout();
    layout.barmode = "group";
    layout.bargap = 0.25;
    layout.xaxis.tickmode = "array";
    layout.xaxis.tickvals = x;
    layout.xaxis.ticktext = ticks;
    var longest = Math.max.apply(null, labels.map(function (l) { return Math.min(String(l).length, 18); }).concat([5]));
    layout.xaxis.tickangle = ticks.length > 8 || longest * ticks.length > 60 ? -35 : 0;
    return { traces: [trace("reference", ref, R, REF), trace("current", cur, C, CUR)], layout: layout };
  }

  function drawCharts(Plotly, charts) {
    var config = { displayModeBar: false, responsive: true };
    var drawn = 0;
    var i = 0;
    function next() {
      if (i >= charts.length) return Promise.resolve(drawn);
      var c = charts[i++];
      var el = document.getElementById(c.id);
      if (!el) return next();
      var spec = c.type === "hist" ? histogram(c) : categories(c);
      return Plotly.newPlot(el, spec.traces, spec.layout, config).then(function () {
        drawn++;
        /* yield to the browser every few charts so a big report stays responsive */
        return drawn % 8 === 0 ? new Promise(function (r) { setTimeout(r, 0); }).then(next) : next();
      });
    }
    return next();
  }

  function status(text) {
    var el = document.getElementById("chart-status");
    if (el) el.textContent = text;
  }

  setupTable();
  var charts = JSON.parse(document.getElementById("driftcli-charts").textContent).charts;
  root.setAttribute("data-charts-expected", String(charts.length));
  if (!charts.length) {
    root.setAttribute("data-charts", "done");
    root.setAttribute("data-charts-drawn", "0");
    status("");
    return;
  }
  loadPlotly()
    .then(function (Plotly) { return drawCharts(Plotly, charts); })
    .then(function (n) {
      root.setAttribute("data-charts-drawn", String(n));
      root.setAttribute("data-charts", "done");
      status("");
    })
    .catch(function (err) {
      root.setAttribute("data-charts", "failed");
      status("Charts could not be drawn: " + err.message + " (tables above are complete).");
      console.error("driftcli report: charts could not be drawn:", err);
    });
})();
