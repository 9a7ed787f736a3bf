/* driftcli report behaviour: table sort and filter, then charts.
 * plotly.js is embedded gzip-compressed + base64 and inflated here, synchronously, by
 * gunzip() below, so the charts exist when the page's load event fires; nothing is fetched
 * from any host. Chart data are counts (histograms
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
  /* gunzip: a synchronous inflater (RFC 1951 inside RFC 1952), so that the charts are drawn
     while the page loads: a screenshot or a print taken at the load event shows them. It
     decodes Huffman codes bit by bit from canonical code counts; plotly.js (4.8 MB) takes
     about 0.1 s. */
  var LBASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83,
    99, 115, 131, 163, 195, 227, 258];
  var LEXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5,
    5, 0];
  var DBASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
  var DEXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11,
    12, 12, 13, 13];
  var CLORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

  function gunzip(src) {
    var n = src.length;
    if (n < 18 || src[0] !== 0x1f || src[1] !== 0x8b || src[2] !== 8) {
      throw new Error("embedded plotly.js is not gzip data");
    }
    var flags = src[3], pos = 10;
    if (flags & 4) pos += 2 + (src[pos] | (src[pos + 1] << 8));
    if (flags & 8) while (src[pos++] !== 0);
    if (flags & 16) while (src[pos++] !== 0);
    if (flags & 2) pos += 2;
    var size = (src[n - 4] | (src[n - 3] << 8) | (src[n - 2] << 16) | (src[n - 1] << 24)) >>> 0;
    var out = new Uint8Array(size), op = 0;
    var buf = 0, cnt = 0;

    function bits(need) {
      while (cnt < need) {
        if (pos >= n) throw new Error("embedded plotly.js is truncated");
        buf |= src[pos++] << cnt;
        cnt += 8;
      }
      var v = buf & ((1 << need) - 1);
      buf >>>= need;
      cnt -= need;
      return v;
    }
    /* canonical Huffman code from code lengths: how many codes per length, symbols in order */
    function code(lengths) {
      var count = new Uint16Array(16), offs = new Uint16Array(16);
      var symbol = new Uint16Array(lengths.length), s;
      for (s = 0; s < lengths.length; s++) count[lengths[s]]++;
      count[0] = 0;
      for (var len = 1; len < 15; len++) offs[len + 1] = offs[len] + count[len];
      for (s = 0; s < lengths.length; s++) if (lengths[s]) symbol[offs[lengths[s]]++] = s;
      return { count: count, symbol: symbol };
    }
    function decode(h) {
      var c = 0, first = 0, index = 0;
      for (var len = 1; len < 16; len++) {
        c |= bits(1);
        var k = h.count[len];
        if (c - first < k) return h.symbol[index + c - first];
        index += k;
        first = (first + k) << 1;
        c <<= 1;
      }
      throw new Error("embedded plotly.js is corrupt");
    }
    var fixedLit = null, fixedDist = null;
    function fixed() {
      if (!fixedLit) {
        var l = new Uint8Array(288), i;
        for (i = 0; i < 144; i++) l[i] = 8;
        for (; i < 256; i++) l[i] = 9;
        for (; i < 280; i++) l[i] = 7;
        for (; i < 288; i++) l[i] = 8;
        fixedLit = code(l);
        var d = new Uint8Array(30);
        for (i = 0; i < 30; i++) d[i] = 5;
        fixedDist = code(d);
      }
      return [fixedLit, fixedDist];
    }
    function dynamic() {
      var nlen = bits(5) + 257, ndist = bits(5) + 1, ncode = bits(4) + 4, i;
      var cl = new Uint8Array(19);
      for (i = 0; i < ncode; i++) cl[CLORDER[i]] = bits(3);
      var clcode = code(cl);
      var lengths = new Uint8Array(nlen + ndist);
      i = 0;
      while (i < nlen + ndist) {
        var sym = decode(clcode);
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        var value = 0, repeat;
        if (sym === 16) {
          if (i === 0) throw new Error("embedded plotly.js is corrupt");
          value = lengths[i - 1];
          repeat = 3 + bits(2);
        } else if (sym === 17) {
          repeat = 3 + bits(3);
        } else {
          repeat = 11 + bits(7);
        }
        while (repeat--) lengths[i++] = value;
      }
      return [code(lengths.subarray(0, nlen)), code(lengths.subarray(nlen))];
    }

    var last;
    do {
      last = bits(1);
      var type = bits(2);
      if (type === 0) {
        buf = 0;
        cnt = 0;
        var len = src[pos] | (src[pos + 1] << 8);
        pos += 4;
        out.set(src.subarray(pos, pos + len), op);
        pos += len;
        op += len;
        continue;
      }
      if (type === 3) throw new Error("embedded plotly.js is corrupt");
      var codes = type === 1 ? fixed() : dynamic();
      var lit = codes[0], dist = codes[1];
      for (;;) {
        var sym = decode(lit);
        if (sym < 256) {
          out[op++] = sym;
        } else if (sym === 256) {
          break;
        } else {
          sym -= 257;
          var length = LBASE[sym] + bits(LEXTRA[sym]);
          var d = decode(dist);
          var back = op - (DBASE[d] + bits(DEXTRA[d]));
          while (length--) out[op++] = out[back++];
        }
      }
    } while (!last);
    return out.subarray(0, op);
  }

  function loadPlotly() {
    if (window.Plotly) return window.Plotly;
    var bin = atob(document.getElementById("driftcli-plotly").textContent.trim());
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var s = document.createElement("script");
    s.textContent = new TextDecoder("utf-8").decode(gunzip(bytes));
    document.head.appendChild(s); /* an inline script runs at once */
    if (!window.Plotly) throw new Error("plotly.js did not load");
    return window.Plotly;
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
      // a constant reference's one bin [v, v]: drawn with a width to be seen
      w.push(e[i + 1] - e[i] || Math.max(Math.abs(e[i]) * 0.02, 1e-9));
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

  /* A trend over runs (driftcli history, the report's sparklines): the value per run against
     its threshold (dashed); drifted runs in red. "metric" draws reference and current. */
  function trend(c) {
    var x = c.x.map(esc), traces = [];
    var small = !!c.small;
    var colors = c.drift.map(function (d) { return d ? "#c62828" : CUR; });
    if (c.type === "metric") {
      traces.push({ type: "scatter", mode: "lines", name: "reference", x: x, y: c.ref,
        line: { color: REF, width: 2 }, hovertemplate: "%{x}<br>reference: %{y:.4g}<extra></extra>" });
    }
    var y = c.type === "metric" ? c.cur : c.y;
    if (c.log) y = y.map(function (v) { return v === null ? null : Math.max(v, 1e-16); });
    traces.push({ type: "scatter", mode: "lines+markers", name: c.type === "metric" ? "current" : esc(c.label),
      x: x, y: y, line: { color: CUR, width: small ? 1.5 : 2 }, marker: { color: colors, size: small ? 4 : 7 },
      hovertemplate: "%{x}<br>" + esc(c.label || "current") + ": %{y:.4g}<extra></extra>" });
    traces.push({ type: "scatter", mode: "lines", name: "threshold", x: x, y: c.threshold,
      line: { color: "#667085", width: 1, dash: "dash" }, hovertemplate: "threshold %{y:.4g}<extra></extra>" });
    var layout = baseLayout();
    layout.yaxis = { type: c.log ? "log" : "linear", gridcolor: "#eef0f3", automargin: true, exponentformat: "power" };
    layout.xaxis.type = "category";
    if (small) {
      layout.height = 90;
      layout.margin = { l: 40, r: 4, t: 4, b: 4 };
      layout.xaxis.showticklabels = false;
    } else {
      layout.xaxis.tickangle = -30;
    }
    return { traces: traces, layout: layout };
  }

  /* Every chart is laid out while the page loads (plotly draws SVG bar charts synchronously),
     so the page is complete at its load event: no extra waiting for screenshots or print. */
  function drawCharts(Plotly, charts) {
    var config = { displayModeBar: false, responsive: true, staticPlot: false };
    var done = [];
    charts.forEach(function (c) {
      var el = document.getElementById(c.id);
      if (!el) return;
      var spec = c.type === "hist" ? histogram(c) : c.type === "trend" || c.type === "metric" ? trend(c) : categories(c);
      done.push(Plotly.newPlot(el, spec.traces, spec.layout, config));
    });
    return done;
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
  try {
    var drawing = drawCharts(loadPlotly(), charts);
    var drawn = document.querySelectorAll(".js-plotly-plot").length;
    root.setAttribute("data-charts-drawn", String(drawn));
    root.setAttribute("data-charts", "done");
    status("");
    Promise.all(drawing).catch(function (err) {
      console.error("driftcli report: a chart failed:", err);
    });
  } catch (err) {
    root.setAttribute("data-charts", "failed");
    status("Charts could not be drawn: " + err.message + " (the tables are complete).");
    console.error("driftcli report: charts could not be drawn:", err);
  }
})();
