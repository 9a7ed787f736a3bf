"""Sources (issue 9) and the input classes of issue 13 (items 4, 6, 7).

Every source streams record batches that, concatenated, equal a whole-file read; only the
asked columns are read; memory does not grow with rows. The issue-13 classes are tested as
generated matrices: directory parts that disagree, listing orders, symlinks, FIFOs and
devices, Arrow text and binary types, cells larger than a block, CSV typed like a typed
side, and the strings that mean missing.
"""

from __future__ import annotations

import gzip
import itertools
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import driftcli.sources.csv as csv_mod
import driftcli.sources.parquet as parquet_mod
from driftcli import InputError, Settings, compare
from driftcli.errors import UsageError
from driftcli.io import load, load_pair
from driftcli.sources import (
    DEFAULT_NA_VALUES,
    CsvSource,
    Source,
    open_pair,
    open_source,
    typed_hints,
)

N = 1_000


def sample_frame(n: int = N, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "num": rng.normal(size=n).round(6),
            "count": rng.integers(0, 50, n),
            "cat": rng.choice(["red", "green", "blue"], n),
            "flag": rng.random(n) < 0.3,
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), "s"),
        }
    )


def concat(src: Source, columns: list[str] | None = None, batch_rows: int = 131_072) -> pa.Table:
    """Every batch, checked for size and schema, concatenated."""
    schema = src.projected_schema(columns)
    batches = list(src.batches(columns, batch_rows=batch_rows))
    for batch in batches:
        assert 0 < batch.num_rows <= batch_rows
        assert batch.schema.equals(schema), (batch.schema, schema)
    return pa.Table.from_batches(batches, schema=schema)


def whole_csv(path: Path, **kw: Any) -> pa.Table:
    """What pyarrow's whole-file reader makes of ``path`` (the reference for CSV)."""
    return pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(delimiter=kw.get("delimiter", ",")),
        convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
    )


# -- batches concatenated == whole read ----------------------------------------------------


def _write(kind: str, df: pd.DataFrame, d: Path) -> tuple[Any, pa.Table]:
    """An input of ``kind`` holding ``df``, and the table a whole read gives."""
    if kind in ("csv", "csv.gz", "tsv"):
        path = d / f"data.{kind}"
        text = df.to_csv(index=False, sep="\t" if kind == "tsv" else ",").encode()
        path.write_bytes(gzip.compress(text) if kind.endswith(".gz") else text)
        return path, whole_csv(path, delimiter="\t" if kind == "tsv" else ",")
    if kind == "parquet":
        path = d / "data.parquet"
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=300)
        return path, pq.read_table(path)
    if kind == "parquet_dir":
        path = d / "parts"
        path.mkdir()
        for i, start in enumerate(range(0, len(df), 400)):
            part = pa.Table.from_pandas(df.iloc[start : start + 400], preserve_index=False)
            pq.write_table(part, path / f"part-{i:03d}.parquet", row_group_size=150)
        return path, pq.read_table(path)
    if kind == "pandas":
        return df, pa.Table.from_pandas(df, preserve_index=False)
    table = pa.Table.from_pandas(df, preserve_index=False)
    return table, table


KINDS = ["csv", "csv.gz", "tsv", "parquet", "parquet_dir", "pandas", "arrow"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_rows", [1, 77, 400, 131_072])
def test_batches_concatenated_equal_the_whole_read(tmp_path, kind, batch_rows):
    df = sample_frame(N if batch_rows > 1 else 120)
    obj, expected = _write(kind, df, tmp_path)
    src = open_source(obj, role="reference")
    got = concat(src, batch_rows=batch_rows)
    assert got.equals(expected.cast(src.schema())), kind
    assert src.format == kind.split(".")[0].replace("tsv", "csv").replace("_dir", "")
    if kind in ("parquet", "parquet_dir", "pandas", "arrow"):
        assert src.num_rows == len(df)
    # re-reading starts from the beginning and gives the same table
    assert concat(src, batch_rows=batch_rows).equals(got)


@pytest.mark.parametrize("kind", KINDS)
def test_projection_gives_only_the_asked_columns_in_order(tmp_path, kind):
    obj, expected = _write(kind, sample_frame(), tmp_path)
    src = open_source(obj, role="current")
    got = concat(src, ["cat", "num"], batch_rows=256)
    assert got.column_names == ["cat", "num"]
    assert got.column("num").equals(expected.column("num").cast(got.schema.field("num").type))
    with pytest.raises(UsageError, match="unknown column 'nope'"):
        list(src.batches(["num", "nope"]))
    with pytest.raises(UsageError, match="no columns requested"):
        list(src.batches([]))
    with pytest.raises(UsageError, match="column 'num' requested twice"):
        list(src.batches(["num", "num"]))


def _peak_while(it: Iterator[pa.RecordBatch]) -> tuple[int, int]:
    """(rows seen, peak Arrow memory above the start) while consuming ``it``."""
    base = pa.total_allocated_bytes()
    peak = rows = 0
    for batch in it:
        rows += batch.num_rows
        peak = max(peak, pa.total_allocated_bytes() - base)
        del batch
    return rows, peak


def test_parquet_projection_reads_only_the_asked_columns(tmp_path):
    n = 200_000
    path = tmp_path / "wide.parquet"
    table = pa.table(
        {"small": np.arange(n, dtype=np.int8), "big": np.random.default_rng(0).random((n,))}
    )
    table = table.append_column("text", pa.array(["x" * 200] * n))
    pq.write_table(table, path, row_group_size=50_000)
    src = open_source(path, role="reference")
    _, only_small = _peak_while(src.batches(["small"], batch_rows=50_000))
    _, everything = _peak_while(src.batches(batch_rows=50_000))
    assert only_small * 20 < everything, (only_small, everything)


@pytest.fixture(scope="module")
def two_million_rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2M-row x 4-column Parquet directory (64 MB of float64 in memory)."""
    root = tmp_path_factory.mktemp("big") / "parts"
    root.mkdir()
    rng = np.random.default_rng(1)
    for i in range(8):
        part = pa.table({f"c{j}": rng.random(250_000) for j in range(4)})
        pq.write_table(part, root / f"part-{i}.parquet", row_group_size=125_000)
    return root


@pytest.mark.parametrize("layout", ["directory", "one_file"])
def test_peak_memory_does_not_grow_with_rows(two_million_rows, tmp_path, layout):
    """2M rows x 4 float64 columns (61 MiB) stream with a peak of a few row groups."""
    path = two_million_rows
    if layout == "one_file":
        path = tmp_path / "one.parquet"
        whole = pq.read_table(two_million_rows)
        pq.write_table(whole, path, row_group_size=125_000)
        del whole
    src = open_source(path, role="current")
    rows, peak = _peak_while(src.batches(batch_rows=65_536))
    assert rows == 2_000_000
    total = 2_000_000 * 4 * 8
    assert peak < 24 << 20, f"peak {peak / 2**20:.1f} MiB while streaming {total / 2**20:.0f} MiB"
    # an eighth of the rows (one part) needs about the same peak
    small = open_source(sorted(two_million_rows.iterdir())[0], role="current")
    _, small_peak = _peak_while(small.batches(batch_rows=65_536))
    assert peak < 2 * small_peak + (12 << 20)


@pytest.mark.parametrize("block_kib", [32, 64])
def test_csv_peak_memory_is_bounded_by_the_block(tmp_path, monkeypatch, block_kib):
    """pyarrow reads about 32 blocks ahead: the peak follows the block, not the file."""
    monkeypatch.setattr(csv_mod, "BLOCK_SIZE", block_kib << 10)
    peaks = []
    for rows in (100_000, 400_000):
        path = tmp_path / f"big{rows}.csv"
        rng = np.random.default_rng(2)
        frame = pd.DataFrame(rng.random((rows, 4)).round(8), columns=list("abcd"))
        frame.to_csv(path, index=False)
        src = open_source(path, role="current")
        src.schema()
        seen, peak = _peak_while(src.batches(batch_rows=8_192))
        assert seen == rows
        peaks.append(peak)
    assert peaks[1] < 1.3 * peaks[0] + (1 << 20), peaks
    assert peaks[1] < 48 * (block_kib << 10) + (4 << 20), peaks  # the 400k-row table: 12 MiB


# -- CSV typing across blocks ----------------------------------------------------------------


def test_csv_first_100k_ints_then_floats_and_text(tmp_path):
    """The streaming reader infers from the first block; the source must not: a later
    float widens the column to double, a later word to string, exactly as a whole read."""
    path = tmp_path / "late.csv"
    with path.open("w") as fh:
        fh.write("n,m,pad\n")
        pad = "p" * 90  # 100k rows are ~10 MB: more than one 8 MiB block
        fh.writelines(f"{i},{i},{pad}\n" for i in range(100_000))
        fh.writelines(f"{i}.5,{i},{pad}\n" for i in range(1_000))
        fh.write("1.0,word,x\n")
    src = open_source(path, role="current")
    assert src.schema().field("n").type == pa.float64()
    assert src.schema().field("m").type == pa.string()
    assert concat(src, batch_rows=30_000).equals(whole_csv(path))
    assert src.num_rows == 101_001


#: One representative cell per type of Arrow's CSV inference order.
CELLS = {
    "null": "",
    "int": "7",
    "bool": "true",
    "date": "2024-01-02",
    "time": "12:00:01",
    "ts": "2024-01-02 03:04:05",
    "ts_ns": "2024-01-02 03:04:05.123456789",
    "ts_tz": "2024-01-02T03:04:05Z",
    "ts_ns_tz": "2024-01-02T03:04:05.123456789+02:00",
    "float": "2.5",
    "text": "abc",
    "zero_one": "1",
    "quoted": '"a, ""b"""',
}


def test_ladder_is_arrows_inference_order():
    for cell, t in zip(
        ["", "7", "true", "2024-01-02", "12:00:01", "2024-01-02 03:04:05",
         "2024-01-02 03:04:05.1", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.1Z", "2.5", "x"],
        csv_mod.LADDER,
        strict=True,
    ):  # fmt: skip
        got = pacsv.read_csv(pa.py_buffer(f"c\n{cell}\n".encode())).schema.field("c").type
        assert got == t, (cell, got, t)


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 256 bytes, so that a few hundred rows span many blocks."""
    monkeypatch.setattr(csv_mod, "BLOCK_SIZE", 256)


@pytest.mark.parametrize(("early", "late"), list(itertools.permutations(CELLS, 2)))
def test_csv_types_across_blocks_equal_a_whole_read(tmp_path, small_blocks, early, late):
    path = tmp_path / "mix.csv"
    rows = [CELLS[early]] * 120 + [CELLS[late]] * 3 + [CELLS[early]] * 5
    path.write_text("id,v\n" + "".join(f"{i},{v}\n" for i, v in enumerate(rows)))
    if early == "null" and late == "null":
        return
    src = open_source(path, role="reference")
    expected = whole_csv(path)
    assert src.schema() == expected.schema, (early, late)
    assert concat(src, batch_rows=50).equals(expected)


@given(
    st.lists(
        st.lists(st.sampled_from(sorted(CELLS)), min_size=1, max_size=6), min_size=2, max_size=5
    )
)
def test_csv_random_block_mixes_equal_a_whole_read(tmp_path_factory, blocks):
    """Columns whose blocks each hold one kind of cell: any sequence, exact types."""
    old = csv_mod.BLOCK_SIZE
    csv_mod.BLOCK_SIZE = 256
    try:
        path = tmp_path_factory.mktemp("mix") / "mix.csv"
        width = max(len(b) for b in blocks)
        lines = []
        for block in blocks:
            cells = [block[i % len(block)] for i in range(width)]
            lines += [",".join(CELLS[c] for c in cells)] * 40
        path.write_text(",".join(f"c{i}" for i in range(width)) + "\n" + "\n".join(lines) + "\n")
        expected = whole_csv(path)
        if all(pa.types.is_null(t) for t in expected.schema.types):
            return
        src = open_source(path, role="reference")
        assert src.schema() == expected.schema
        assert concat(src, batch_rows=64).equals(expected)
    finally:
        csv_mod.BLOCK_SIZE = old


def test_not_utf8_in_a_later_block_names_the_column(tmp_path, small_blocks):
    path = tmp_path / "late.csv"
    path.write_bytes(b"a,city\n" + b"1,Paris\n" * 200 + b"2,Z\xfcrich\n")
    src = open_source(path, role="reference")  # the first block is fine
    with pytest.raises(InputError, match=r"late.csv: column 'city' is not valid UTF-8.*--encoding"):
        src.schema()
    ok = open_source(path, role="reference", encoding="latin-1")
    assert "Zürich" in ok.read_all().column("city").to_pylist()


def test_quoted_newline_across_a_block_boundary(tmp_path, small_blocks):
    path = tmp_path / "notes.csv"
    note = '"first line\nsecond line, still the same cell"'
    path.write_text("n,note\n" + "".join(f"{i},{note}\n" for i in range(200)))
    src = open_source(path, role="reference")
    got = src.read_all()
    assert got.num_rows == 200
    assert set(got.column("note").to_pylist()) == {"first line\nsecond line, still the same cell"}


@pytest.mark.parametrize("cell_mib", [0.001, 1, 9])
def test_cell_larger_than_a_block_is_read(tmp_path, cell_mib):
    """A 9 MiB cell is larger than the 8 MiB block: the block grows and the file reads."""
    size = int(cell_mib * 2**20)
    path = tmp_path / "huge.csv"
    path.write_text("n,blob\n1,short\n2," + "z" * size + "\n3,short\n")
    got = open_source(path, role="reference").read_all()
    assert got.num_rows == 3 and len(got.column("blob")[1].as_py()) == size


def test_cell_larger_than_the_largest_block_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_mod, "BLOCK_SIZE", 64)
    monkeypatch.setattr(csv_mod, "MAX_BLOCK", 256)
    path = tmp_path / "huge.csv"
    path.write_text("n,blob\n1,short\n2," + "z" * 5000 + "\n")
    with pytest.raises(InputError, match=r"huge.csv: cannot read CSV: a row is longer than"):
        open_source(path, role="reference").schema()


# -- open_source checks up front --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("gone.csv", None, "reference file not found"),
        ("data.xlsx", b"PK\x03\x04", "unknown file format"),
        ("empty.csv", b"", "file is empty"),
        ("empty.parquet", b"", "file is empty"),
        ("header.csv", b"a,b\n", "no rows (header only)"),
        ("blank.csv", b"\n", "no data"),
        ("semi.csv", b"a;b\n1;2\n", "--delimiter ';'"),
        ("dup.csv", b"a,b,a\n1,2,3\n", "duplicate column name 'a'"),
        ("latin.csv", b"city\nZ\xfcrich\n", "not valid UTF-8"),
        ("ragged.csv", b"a,b\n1,2\n1,2,3\n", "Expected 2 columns, got 3"),
        ("garbage.parquet", b"PAR1not really parquetPAR1", "cannot read Parquet"),
    ],
)
def test_open_source_rejects_bad_files_with_one_line(tmp_path, name, content, needle):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as info:
        src = open_source(path, role="reference")
        src.schema()
    msg = str(info.value)
    assert needle in msg and "\n" not in msg
    if content is not None:
        assert name in msg


def test_unsupported_object_and_empty_frames():
    with pytest.raises(InputError, match="expected a file path"):
        open_source([1, 2], role="current")
    with pytest.raises(InputError, match="current pandas input: no rows"):
        open_source(pd.DataFrame({"a": []}), role="current")
    with pytest.raises(InputError, match="reference arrow input: no columns"):
        open_source(pa.table({}), role="reference")


@pytest.mark.parametrize("name", ["pipe.csv", "pipe.parquet", "pipe.csv.gz", "pipe"])
def test_fifo_is_rejected_at_once(tmp_path, name, cli):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="a FIFO, not a regular file"):
        open_source(fifo, role="current")  # would block forever if it were opened
    good = tmp_path / "good.csv"
    sample_frame().to_csv(good, index=False)
    run = cli("compare", good, fifo)
    assert run.code == 2 and "a FIFO" in run.err and run.err.count("\n") == 1


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero", "/dev/urandom"])
def test_device_is_rejected_at_once(tmp_path, device):
    if not Path(device).exists():
        pytest.skip(f"{device} absent")
    with pytest.raises(InputError, match="a device or socket"):
        open_source(device, role="reference")
    link = tmp_path / "looks_like.csv"
    link.symlink_to(device)
    with pytest.raises(InputError, match="a device or socket"):
        open_source(link, role="reference")


def test_input_files_are_the_resolved_real_files(tmp_path):
    df = sample_frame()
    real = tmp_path / "real.csv"
    df.to_csv(real, index=False)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert open_source(link, role="reference").input_files() == [real.resolve()]
    assert open_source(df, role="reference").input_files() == []
    parts, _ = _write("parquet_dir", df, tmp_path)
    files = open_source(parts, role="reference").input_files()
    assert files == sorted(p.resolve() for p in parts.iterdir())


# -- directories (issue 13 item 4) ----------------------------------------------------------

PART_VARIANTS = {
    "extra_column": (pa.table({"a": [1, 2], "b": [1.0, 2.0]}), "has column 'b'"),
    "missing_column": (pa.table({"x": [1, 2]}), "has column"),
    "int_vs_float": (pa.table({"a": [1.5, 2.5]}), "column 'a' is"),
    "int_vs_string": (pa.table({"a": ["1", "2"]}), "column 'a' is"),
    "int32_vs_int64": (pa.table({"a": pa.array([1, 2], pa.int32())}), "column 'a' is"),
    "string_vs_large": (pa.table({"a": pa.array(["1"], pa.large_string())}), "column 'a' is"),
}


@pytest.mark.parametrize("variant", sorted(PART_VARIANTS))
@pytest.mark.parametrize("position", [0, 1, 2])
def test_parts_that_disagree_name_two_files(tmp_path, variant, position):
    parts = tmp_path / "parts"
    parts.mkdir()
    odd, needle = PART_VARIANTS[variant]
    names = [f"part-{i}.parquet" for i in range(3)]
    for i, name in enumerate(names):
        pq.write_table(odd if i == position else pa.table({"a": [1, 2]}), parts / name)
    with pytest.raises(InputError) as info:
        open_source(parts, role="current")
    msg = str(info.value)
    assert "cannot read Parquet" in msg and "share one schema" in msg and needle in msg
    assert names[position] in msg
    assert sum(name in msg for name in names) == 2  # the odd one and a file it disagrees with


def test_parts_with_columns_in_another_order_agree(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    pq.write_table(pa.table({"a": [1, 2], "b": ["x", "y"]}), parts / "p0.parquet")
    pq.write_table(pa.table({"b": ["z"], "a": [3]}), parts / "p1.parquet")
    got = open_source(parts, role="current").read_all()
    assert got.to_pydict() == {"a": [1, 2, 3], "b": ["x", "y", "z"]}


def _scandir_shuffled(seed: int) -> Any:
    real = os.scandir

    def shuffled(path: Any) -> Any:
        entries = list(real(path))
        random.Random(seed).shuffle(entries)
        return iter(entries)

    return shuffled


@pytest.mark.parametrize("seed", range(6))
def test_listing_order_never_changes_the_result(tmp_path, monkeypatch, seed):
    parts = tmp_path / "parts"
    for i in range(6):
        sub = parts / f"k={i % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"x": [i * 10 + j for j in range(i + 1)]}), sub / f"f{i}.parquet")
    expected = open_source(parts, role="current").read_all()
    monkeypatch.setattr(parquet_mod.os, "scandir", _scandir_shuffled(seed))
    got = open_source(parts, role="current").read_all()
    assert got.equals(expected)
    assert got.column_names == ["x", "k"]  # hive partition column, as pyarrow gives it
    # parts in sorted relative-path order: k=0/f0, k=0/f3, k=1/f1, k=1/f4, k=2/f2, k=2/f5
    order = [0, 3, 1, 4, 2, 5]
    assert got.column("x").to_pylist() == [i * 10 + j for i in order for j in range(i + 1)]


@pytest.mark.parametrize("link", ["dir_loop", "file_twice", "dir_twice", "hard_link"])
def test_symlink_loops_and_files_reached_twice_are_read_once(tmp_path, link):
    parts = tmp_path / "parts"
    sub = parts / "sub"
    sub.mkdir(parents=True)
    pq.write_table(pa.table({"x": [1, 2, 3]}), sub / "a.parquet")
    pq.write_table(pa.table({"x": [4]}), parts / "b.parquet")
    if link == "dir_loop":
        (sub / "loop").symlink_to(parts, target_is_directory=True)
    elif link == "file_twice":
        (parts / "c.parquet").symlink_to(sub / "a.parquet")
    elif link == "dir_twice":
        (parts / "again").symlink_to(sub, target_is_directory=True)
    else:
        os.link(sub / "a.parquet", parts / "hard.parquet")
    src = open_source(parts, role="reference")
    got = src.read_all()
    assert sorted(got.column("x").to_pylist()) == [1, 2, 3, 4]
    assert src.num_rows == 4
    assert len(src.input_files()) == 2


def test_hidden_and_marker_files_are_skipped(tmp_path):
    parts = tmp_path / "parts"
    (parts / "_temporary").mkdir(parents=True)
    pq.write_table(pa.table({"x": [1]}), parts / "a.parquet")
    pq.write_table(pa.table({"y": ["other"]}), parts / "_temporary" / "b.parquet")
    pq.write_table(pa.table({"y": ["other"]}), parts / ".hidden.parquet")
    (parts / "_SUCCESS").write_text("")
    assert open_source(parts, role="reference").read_all().to_pydict() == {"x": [1]}


# -- Arrow text and binary types (issue 13 item 6) -----------------------------------------

TEXT_TYPES = [
    pa.string(),
    pa.large_string(),
    pa.string_view(),
    pa.binary(),
    pa.large_binary(),
    pa.binary_view(),
]


# Parquet has no view types: it stores string_view and binary_view as their plain types
TEXT_CASES = [(t, "arrow") for t in TEXT_TYPES] + [
    (t, "parquet") for t in TEXT_TYPES if "view" not in str(t)
]


@pytest.mark.parametrize(("text_type", "via"), TEXT_CASES, ids=lambda v: str(v))
def test_text_and_binary_columns_are_read_as_strings(tmp_path, text_type, via):
    values = ["naïve", None, "日本語", "plain"] * 50
    raw = [v.encode() if v is not None and "binary" in str(text_type) else v for v in values]
    table = pa.table(
        {
            "t": pa.array(raw, pa.binary() if "binary" in str(text_type) else pa.string()).cast(
                text_type
            ),
            "n": range(200),
        }
    )
    obj: Any = table
    if via == "parquet":
        obj = tmp_path / "t.parquet"
        pq.write_table(table, obj)
    src = open_source(obj, role="reference")
    assert src.schema().field("t").type == pa.string()
    assert concat(src, batch_rows=33).column("t").to_pylist() == values


def test_text_types_compare_without_a_type_change():
    rng = np.random.default_rng(3)
    words = rng.choice(["a", "b", "c"], 500).tolist()
    plain = pa.table({"w": pa.array(words), "x": rng.normal(size=500)})
    for t in TEXT_TYPES[1:]:
        other = plain.set_column(
            0,
            "w",
            pa.array([w.encode() for w in words]).cast(t)
            if "binary" in str(t)
            else plain.column("w").cast(t),
        )
        result = compare(plain, other)
        assert result.schema_changes.type_changed == [], t
        assert result.column("w").tested and not result.column("w").drift


@pytest.mark.parametrize("binary_type", [pa.binary(), pa.large_binary(), pa.binary_view()], ids=str)
def test_binary_that_is_not_utf8_is_a_clear_error(binary_type):
    table = pa.table({"blob": pa.array([b"ok", b"\xff\xfe"] * 10, pa.binary()).cast(binary_type)})
    src = open_source(table, role="current")
    with pytest.raises(
        InputError, match="current arrow input: column 'blob' holds bytes that are not UTF-8"
    ):
        src.read_all()
    with pytest.raises(InputError, match="not UTF-8"):
        compare(table, table)


def test_dictionary_of_large_strings_becomes_dictionary_of_strings():
    arr = pa.array(["a", "b", "a"] * 10).dictionary_encode()
    arr = pa.DictionaryArray.from_arrays(arr.indices, arr.dictionary.cast(pa.large_string()))
    src = open_source(pa.table({"d": arr}), role="reference")
    assert src.schema().field("d").type == pa.dictionary(pa.int32(), pa.string())
    assert concat(src, batch_rows=7).column("d").to_pylist() == ["a", "b", "a"] * 10


# -- pandas ------------------------------------------------------------------------------


def test_pandas_slices_share_one_schema():
    """An object column mixing numbers and text in only some slices is text in all."""
    mixed = pd.Series([1, 2, 3, 4] * 50 + ["five"] + [None] * 9, dtype=object)
    df = pd.DataFrame({"m": mixed, "sparse": [None] * 205 + [1.5] * 5, "x": range(210)})
    src = open_source(df, role="reference")
    got = concat(src, batch_rows=16)
    assert src.schema().field("m").type == pa.string()
    assert got.column("m").to_pylist()[:4] == ["1", "2", "3", "4"]
    assert got.column("m").null_count == 9
    assert got.column("sparse").type == pa.float64()


def test_pandas_exotic_dtypes_stream():
    n = 100
    df = pd.DataFrame(
        {
            "i": pd.array([1, None] * (n // 2), dtype="Int64"),
            "c": pd.Categorical(["a", "b"] * (n // 2)),
            "tz": pd.date_range("2024-01-01", periods=n, freq="h", tz="Europe/Paris"),
            "s": pd.array(["x", None] * (n // 2), dtype="string"),
        }
    )
    src = open_source(df, role="reference")
    expected = pa.Table.from_pandas(df, preserve_index=False)
    assert concat(src, batch_rows=9).equals(expected.cast(src.schema()))


def test_pandas_duplicate_and_non_string_names():
    df = pd.DataFrame(np.zeros((5, 2)), columns=[0, 1])
    assert open_source(df, role="reference").schema().names == ["0", "1"]
    with pytest.raises(InputError, match="duplicate column name 'a'"):
        open_source(pd.DataFrame(np.zeros((5, 2)), columns=["a", "a"]), role="current")


# -- CSV read with the typed side's types (issue 13 item 7) ----------------------------------

ZIPS = ["02134", "10001", "00501", "94105"]


def _zip_frame(n: int = 400, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"zip": rng.choice(ZIPS, n), "x": rng.normal(size=n)})


@pytest.mark.parametrize("typed_side", ["reference", "current"])
@pytest.mark.parametrize("typed_kind", ["parquet", "pandas", "arrow"])
def test_zip_codes_stay_strings_next_to_a_typed_side(tmp_path, typed_side, typed_kind):
    df = _zip_frame()
    csv_path = tmp_path / "side.csv"
    df.to_csv(csv_path, index=False)
    assert whole_csv(csv_path).schema.field("zip").type == pa.int64()  # the problem
    typed, _ = _write(typed_kind, df, tmp_path)
    pair = (typed, csv_path) if typed_side == "reference" else (csv_path, typed)
    ref, cur = open_pair(*pair)
    csv_src = cur if typed_side == "reference" else ref
    assert isinstance(csv_src, CsvSource)
    assert csv_src.schema().field("zip").type == pa.string()
    assert set(csv_src.read_all().column("zip").to_pylist()) == set(ZIPS)
    result = compare(*pair)
    assert result.schema_changes.type_changed == []
    assert result.column("zip").tested and not result.column("zip").drift


TYPED_COLUMNS = {
    "int32": (pa.array([1, 2, 3], pa.int32()), "1,2,3"),
    "float": (pa.array([1.0, 2.0, 3.5]), "1,2,3"),
    "bool": (pa.array([True, False, True]), "1,0,1"),
    "string": (pa.array(["1", "2", "3"]), "1,2,3"),
    "large_string": (pa.array(["01", "2", "3"], pa.large_string()), "01,2,3"),
    "date": (pa.array([0, 1, 2], pa.date32()), "2024-01-01,2024-01-02,2024-01-03"),
    "timestamp_ms": (
        pa.array([0, 1, 2], pa.timestamp("ms")),
        "2024-01-01 00:00:00,2024-01-02,2024-01-03",
    ),
    "dictionary": (pa.array(["1", "2", "3"]).dictionary_encode(), "1,2,3"),
}


@pytest.mark.parametrize("name", sorted(TYPED_COLUMNS))
def test_typed_hints_apply_the_typed_sides_type_where_values_allow(tmp_path, name):
    arr, cells = TYPED_COLUMNS[name]
    typed = pa.table({"v": arr, "other": [1, 2, 3]})
    path = tmp_path / "c.csv"
    path.write_text("v,other\n" + "".join(f"{c},{i}\n" for i, c in enumerate(cells.split(","))))
    csv_src = open_source(path, role="current")
    hints_ref, hints_cur = typed_hints(open_source(typed, role="reference"), csv_src)
    assert hints_ref == {}
    hinted = open_source(path, role="current", column_types=hints_cur)
    got = hinted.schema().field("v").type
    expected = pa.string() if name in ("large_string", "dictionary") else arr.type
    assert got == expected, (name, got)
    assert hinted.applied_types["v"] == got


@pytest.mark.parametrize(
    ("typed", "cells", "falls_back_to"),
    [
        (pa.array([1, 2], pa.int64()), ["1", "abc"], pa.string()),
        (pa.array([1, 2], pa.int8()), ["1", "1000"], pa.int64()),
        (pa.array([True, False]), ["1", "2"], pa.int64()),
        (pa.array([0, 1], pa.date32()), ["2024-01-01", "yesterday"], pa.string()),
    ],
    ids=["int_vs_text", "int8_overflow", "bool_vs_2", "date_vs_text"],
)
def test_typed_hint_that_values_do_not_allow_is_dropped(
    tmp_path, small_blocks, typed, cells, falls_back_to
):
    path = tmp_path / "c.csv"
    rows = [cells[0]] * 100 + [cells[1]]  # the misfit is in a later block
    path.write_text("v\n" + "\n".join(rows) + "\n")
    src = open_source(path, role="current", column_types={"v": typed.type})
    assert src.schema().field("v").type == falls_back_to
    assert src.applied_types == {}
    assert src.read_all().equals(whole_csv(path))


def test_column_types_for_absent_columns_are_ignored(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("a,b\n1,x\n2,y\n")
    src = open_source(path, role="current", column_types={"zzz": pa.int64(), "a": pa.string()})
    assert src.schema() == pa.schema([("a", pa.string()), ("b", pa.string())])
    assert src.applied_types == {"a": pa.string()}
    assert src.read_all().column("a").to_pylist() == ["1", "2"]


def test_typed_hints_ignore_two_csv_or_two_typed_sides(tmp_path):
    df = _zip_frame()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    df.to_csv(a, index=False)
    df.to_csv(b, index=False)
    assert typed_hints(open_source(a, role="reference"), open_source(b, role="current")) == ({}, {})
    t = pa.Table.from_pandas(df)
    assert typed_hints(open_source(t, role="reference"), open_source(df, role="current")) == (
        {},
        {},
    )


# -- strings that mean missing (issue 13 item 7) --------------------------------------------

COUNTRIES = ["NA", "US", "DE", "FR"]  # NA is Namibia


def _countries_csv(path: Path, n: int = 400, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    values = rng.choice(COUNTRIES, n).tolist()
    values[:7] = [""] * 7
    path.write_text("country,x\n" + "".join(f"{c},{i}\n" for i, c in enumerate(values)))


def test_default_na_values_are_pyarrows():
    assert list(DEFAULT_NA_VALUES) == pacsv.ConvertOptions().null_values
    assert Settings().na_values == list(DEFAULT_NA_VALUES)


@pytest.mark.parametrize(
    ("na_values", "missing"),
    [
        (None, {"", "NA"}),
        ([""], {""}),
        ([], {""}),
        (["US"], {"", "US"}),
        (["NA", "DE"], {"", "NA", "DE"}),
    ],
)
def test_na_values_decide_which_strings_are_missing(tmp_path, na_values, missing):
    path = tmp_path / "c.csv"
    _countries_csv(path)
    raw = path.read_text().splitlines()[1:]
    cells = [line.split(",")[0] for line in raw]
    got = open_source(path, role="reference", na_values=na_values).read_all()
    values = got.column("country").to_pylist()
    assert [v is None for v in values] == [c in missing for c in cells]
    assert {v for v in values if v is not None} == set(COUNTRIES) - missing


def test_na_values_in_numeric_columns(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("v\n1\nNA\n3\n")
    assert open_source(path, role="reference").schema().field("v").type == pa.int64()
    kept = open_source(path, role="reference", na_values=[""])
    assert kept.schema().field("v").type == pa.string()


def test_na_values_through_compare_and_cli(tmp_path, cli):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _countries_csv(ref, seed=5)
    _countries_csv(cur, seed=6)
    default = compare(ref, cur)
    assert "NA" not in {t["value"] for t in default.column("country").reference["top"]}
    namibia = compare(ref, cur, na_values=[""])
    assert "NA" in {t["value"] for t in namibia.column("country").reference["top"]}
    out = tmp_path / "r.json"
    run = cli("compare", ref, cur, "--na-values", "", "--json", out)
    assert run.code == 0, run.err
    assert '"value": "NA"' in out.read_text()
    run = cli("compare", ref, cur, "--na-values", "NA,US", "--print-config")
    assert run.code == 0 and "na_values" in run.out


def test_na_values_in_the_config_file(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "driftcli.toml").write_text('na_values = [""]\n')
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _countries_csv(ref, seed=5)
    _countries_csv(cur, seed=6)
    run = cli("compare", ref, cur, "--json", tmp_path / "r.json")
    assert run.code == 0, run.err
    assert '"value": "NA"' in (tmp_path / "r.json").read_text()
    (tmp_path / "driftcli.toml").write_text("na_values = [1]\n")
    run = cli("compare", ref, cur)
    assert run.code == 2 and "na_values" in run.err


# -- io.load on top of the sources -----------------------------------------------------------


def test_io_load_and_load_pair(tmp_path):
    df = _zip_frame()
    path = tmp_path / "z.csv"
    df.to_csv(path, index=False)
    loaded = load(path, role="reference")
    assert loaded.format == "csv" and loaded.path == str(path)
    assert loaded.table.equals(whole_csv(path))
    ref, cur = load_pair(df, path)
    assert ref.format == "pandas" and ref.path is None
    assert cur.table.schema.field("zip").type == pa.string()


def test_arrow_backed_frames_after_concat_are_read() -> None:
    """pd.concat of frames read with dtype_backend="pyarrow" hands chunked Arrow data over."""
    import pandas as pd

    import driftcli

    examples = Path(__file__).resolve().parents[1] / "examples"
    a = pd.read_parquet(examples / "reference.parquet", dtype_backend="pyarrow")
    b = pd.read_parquet(examples / "current.parquet", dtype_backend="pyarrow")
    result = driftcli.compare(a, pd.concat([a, b]))
    assert result.reference.rows == len(a) and result.current.rows == len(a) + len(b)


def test_parquet_file_kept_open_between_reads_serves_interleaved_reads(tmp_path: Path) -> None:
    """The file a Parquet source keeps open between column groups is never shared by two
    reads at once: interleaved reads, a read abandoned half-way, and a read after close all
    give the file's rows."""
    table = pa.table(
        {"a": np.arange(10_000.0), "b": np.arange(10_000) % 7, "c": ["x", "y"] * 5_000}
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=1_000)
    source = parquet_mod.ParquetFileSource(path, role="reference")

    def column(batches: Iterator[pa.RecordBatch], name: str) -> list[Any]:
        return [v for b in batches for v in b.column(name).to_pylist()]

    first = source.batches(["a"], 700)
    second = source.batches(["a", "b"], 900)
    got_a, got_b = [], []
    for x, y in itertools.zip_longest(first, second):
        if x is not None:
            got_a += x.column("a").to_pylist()
        if y is not None:
            got_b += y.column("b").to_pylist()
    assert got_a == table["a"].to_pylist() and got_b == table["b"].to_pylist()
    abandoned = source.batches(["c"], 500, dictionary=["c"])
    next(abandoned)
    assert column(source.batches(["c"], 500, dictionary=["c"]), "c") == table["c"].to_pylist()
    del abandoned
    source.close()
    assert column(source.batches(["a"], 4_000), "a") == table["a"].to_pylist()
    source.close()
