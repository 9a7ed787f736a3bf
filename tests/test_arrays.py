"""Arrow↔numpy through buffers, and counting categories on codes and bits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from driftcli.arrays import from_numpy, raw_values, to_numpy, valid_mask
from driftcli.profiles.categorical import CategoryBuilder


@pytest.mark.parametrize(
    "t", [pa.int8(), pa.uint16(), pa.int32(), pa.int64(), pa.float32(), pa.float64()]
)
def test_to_numpy_matches_pyarrow_with_offsets_and_nulls(t: pa.DataType) -> None:
    values = [1, None, 3, 4, None, 6, 7, 8, 9, None, 11]
    arr = pa.array(values, type=t)
    for start in range(4):
        part = arr.slice(start, 6)
        expect = np.asarray(part.to_numpy(zero_copy_only=False), dtype=np.float64)
        got = to_numpy(part, null=np.nan)
        np.testing.assert_array_equal(got.astype(np.float64), expect)
        mask = valid_mask(part)
        assert mask is not None
        np.testing.assert_array_equal(mask, part.is_valid().to_numpy(zero_copy_only=False))
    clean = pa.array([5, 6, 7], type=t).slice(1)
    np.testing.assert_array_equal(to_numpy(clean), [6, 7])
    assert valid_mask(clean) is None
    with pytest.raises(ValueError):
        to_numpy(arr)


def test_booleans_and_chunked_and_empty() -> None:
    arr = pa.array([True, False, None, True, True, False, None, True, False]).slice(1)
    np.testing.assert_array_equal(
        raw_values(arr)[valid_mask(arr)], [False, True, True, False, True, False]
    )
    chunked = pa.chunked_array([pa.array([1.0, 2.0]), pa.array([3.0])])
    np.testing.assert_array_equal(to_numpy(chunked), [1.0, 2.0, 3.0])
    assert to_numpy(pa.array([], pa.int64())).size == 0
    assert raw_values(pa.array([], pa.bool_())).dtype == bool


def test_from_numpy_round_trips() -> None:
    for values in (np.arange(5, dtype=np.int64), np.array([0.5, -1.0]), np.array([1, 0, 1], bool)):
        arr = from_numpy(values)
        assert arr.to_pylist() == values.tolist()


def _counts(arrays: list[pa.Array]) -> tuple[dict[str, int], int]:
    b = CategoryBuilder()
    for a in arrays:
        b.add(a)
    out = b.finish()
    return out.as_dict(), out.missing


def test_dictionary_and_boolean_counts_equal_decoded_counts() -> None:
    # nulls in the indices, a null and a repeated label in the dictionary, unused labels
    dictionary = pa.array(["a", "b", None, "a", "unused"])
    indices = pa.array([0, 1, None, 2, 3, 3, 1, 0], type=pa.int32())
    dict_arr = pa.DictionaryArray.from_arrays(indices, dictionary)
    decoded = dict_arr.cast(pa.string())
    assert _counts([dict_arr, dict_arr.slice(2)]) == _counts([decoded, decoded.slice(2)])
    assert _counts([dict_arr]) == ({"a": 4, "b": 2}, 2)
    bools = pa.array([True, None, False, True, None]).slice(1)
    assert _counts([bools]) == ({"true": 1, "false": 1}, 2)
    assert _counts([bools]) == _counts([bools.cast(pa.string())])


def test_parquet_text_read_as_dictionary_profiles_like_decoded(tmp_path: Path) -> None:
    import driftcli

    rng = np.random.default_rng(3)
    labels = np.array(["x", "y", "z", "w"])[rng.integers(0, 4, 5000)]
    table = pa.table({"s": pa.array(labels).cast(pa.string()), "v": rng.normal(size=5000)})
    table = table.set_column(0, "s", pc_null_every(table.column("s"), 7))
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=1000)
    from_file = driftcli.profile(str(path))
    from_table = driftcli.profile(table)
    assert from_file.columns["s"].categories is not None
    assert from_table.columns["s"].categories is not None
    assert (
        from_file.columns["s"].categories.as_dict() == from_table.columns["s"].categories.as_dict()
    )
    assert from_file.columns["s"].missing == from_table.columns["s"].missing > 0


def pc_null_every(col: pa.ChunkedArray, k: int) -> pa.Array:
    values = col.to_pylist()
    return pa.array([None if i % k == 0 else v for i, v in enumerate(values)], pa.string())


def test_profiling_parquet_does_not_import_pandas(tmp_path: Path) -> None:
    """pyarrow's numpy bridge imports pandas (0.2 s): the compare path stays clear of it."""
    rng = np.random.default_rng(0)
    table = pa.table(
        {
            "x": rng.normal(size=2000),
            "n": pa.array(rng.integers(0, 9, 2000)).cast(pa.int32()),
            "s": pa.array(np.array(["a", "b", "c"])[rng.integers(0, 3, 2000)]),
            "b": pa.array(rng.integers(0, 2, 2000).astype(bool)),
        }
    )
    for name in ("ref", "cur"):
        pq.write_table(table, tmp_path / f"{name}.parquet")
    code = (
        "import sys\n"
        "from driftcli.cli import main\n"
        "sys.argv = ['driftcli', 'compare', *sys.argv[1:3], '-q', '--json', sys.argv[3]]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "print('pandas' in sys.modules, code)\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(tmp_path / "ref.parquet"),
            str(tmp_path / "cur.parquet"),
            str(tmp_path / "out.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split()[-2:] == ["False", "0"]


def test_parquet_directory_text_read_as_dictionary_profiles_like_decoded(tmp_path: Path) -> None:
    """Directory inputs read text undecoded too (a dataset with dictionary columns), Hive
    partition columns included; the counts equal those of the decoded table."""
    import driftcli

    rng = np.random.default_rng(11)
    root = tmp_path / "parts"
    tables = []
    for day in ("2026-01-01", "2026-01-02"):
        labels = np.array(["red", "green", "blue"])[rng.integers(0, 3, 3000)]
        t = pa.table({"color": pc_null_every(pa.chunked_array([labels]), 5), "v": rng.random(3000)})
        (root / f"day={day}").mkdir(parents=True)
        pq.write_table(t, root / f"day={day}" / "part.parquet", row_group_size=700)
        tables.append(t.append_column("day", pa.array([day] * 3000)))
    whole = pa.concat_tables(tables)
    from_dir = driftcli.profile(str(root))
    from_table = driftcli.profile(whole)
    for name in ("color", "day"):
        a, b = from_dir.columns[name].categories, from_table.columns[name].categories
        assert a is not None and b is not None
        assert a.as_dict() == b.as_dict(), name
        assert from_dir.columns[name].missing == from_table.columns[name].missing


# -- labels without pyarrow.compute: the same results as pyarrow.compute -------------------

TRICKY = ["b", "a", "", "a\x00", "a", "é", "z", "\U0001f600", "\uffff", "ab", "B", "", "e\u0301"]


def _string_arrays() -> list[pa.Array]:
    """String arrays with nulls, empty strings, NULs, non-ASCII, and slices at odd offsets."""
    base = pa.array([*TRICKY, None, "x" * 300, None, "tail"], pa.string())
    return [base, base.slice(3), base.slice(9, 5), base.slice(1, 0), pa.array(TRICKY, pa.string())]


def test_large_strings_equals_arrow_cast() -> None:
    import pyarrow.compute as pc

    from driftcli.arrays import large_strings

    for arr in _string_arrays():
        got = large_strings(arr)
        assert got.type == pa.large_string()
        got.validate(full=True)
        assert got.equals(pc.cast(arr, pa.large_string()))
        assert got.null_count == arr.null_count
    wide = pa.array(TRICKY, pa.large_string())
    assert large_strings(wide) is wide


def test_take_strings_equals_arrow_take() -> None:
    from driftcli.arrays import take_strings

    rng = np.random.default_rng(5)
    for arr in _string_arrays():
        wide = arr.cast(pa.large_string())
        mask = valid_mask(wide)
        valid = np.flatnonzero(mask) if mask is not None else np.arange(len(wide))
        for positions in (valid, valid[::-1], rng.choice(valid, 3 * len(valid)), valid[:0]):
            got = take_strings(wide, positions)
            got.validate(full=True)
            assert got.equals(wide.take(pa.array(positions, pa.int64())))


def test_first_seen_and_sort_ranks_equal_arrow_encoding_and_order() -> None:
    import pyarrow.compute as pc

    from driftcli.arrays import first_seen, sort_ranks

    rng = np.random.default_rng(6)
    for values in (TRICKY, list(rng.choice(TRICKY, 200)), sorted(set(TRICKY)), [], ["only"]):
        arr = pa.array(values, pa.large_string())
        codes, firsts = first_seen(values)
        enc = pc.dictionary_encode(arr)
        assert codes.tolist() == enc.indices.to_pylist()
        assert [values[i] for i in firsts] == enc.dictionary.to_pylist()
        distinct = enc.dictionary.to_pylist()
        expect = np.empty(len(distinct), np.int64)
        expect[pc.sort_indices(enc.dictionary).to_numpy()] = np.arange(len(distinct))
        assert sort_ranks(distinct).tolist() == expect.tolist()


def test_strings_builds_the_array_arrow_builds() -> None:
    from driftcli.arrays import strings

    for texts in (TRICKY, [], ["-5", "0", "123456789012345678"]):
        got = strings(texts)
        got.validate(full=True)
        assert got.equals(pa.array(texts, pa.large_string()))


@pytest.mark.parametrize(
    "t",
    [
        pa.bool_(),
        pa.int8(),
        pa.int16(),
        pa.int32(),
        pa.int64(),
        pa.uint8(),
        pa.uint32(),
        pa.uint64(),
        pa.float16(),
        pa.float32(),
        pa.float64(),
    ],
)
def test_as_float64_equals_arrow_cast(t: pa.DataType) -> None:
    """Numbers convert in numpy exactly as Arrow's float64 cast does: nulls NaN, integers
    beyond 2**53 rounded to nearest."""
    import pyarrow.compute as pc

    from driftcli.profiles.column import as_float64

    rng = np.random.default_rng(7)
    if pa.types.is_boolean(t):
        values: list[object] = [bool(v) for v in rng.integers(0, 2, 40)]
    elif pa.types.is_floating(t):
        values = [*rng.normal(0, 1e3, 36).tolist(), 0.0, -0.0, float("inf"), float("nan")]
    else:
        dtype = np.dtype(t.to_pandas_dtype())
        info = np.iinfo(dtype)
        edges = [int(info.min), int(info.max), 0, 1, 2**53 + 1, -(2**53) - 1, 2**63 - 1]
        values = [v for v in edges if info.min <= v <= info.max]
        drawn = rng.integers(info.min, info.max, 30, dtype=dtype, endpoint=True)
        values += [int(v) for v in drawn]
    arr = pa.array([None if i % 5 == 3 else v for i, v in enumerate(values)], t)
    cases = [arr, arr.slice(3), arr.slice(2, 11), pa.chunked_array([arr.slice(1, 9), arr])]
    if pa.types.is_float16(t):
        cases.append(pa.array(np.array([1.5, -0.0, 65504.0], np.float16)))
    for case in cases:
        one = case.combine_chunks() if isinstance(case, pa.ChunkedArray) else case
        source = pc.cast(one, pa.int8()) if pa.types.is_boolean(t) else one
        lifted = pc.cast(source, pa.float64(), safe=False)  # as the cast it replaces
        expect = np.asarray(lifted.to_numpy(zero_copy_only=False), dtype=np.float64)
        got = as_float64(case)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, expect)
        assert np.array_equal(np.signbit(got), np.signbit(expect))


def test_pooled_values_equal_numpy_union1d() -> None:
    """The pooled values are ``np.union1d`` of the two sides' points, signed zeros included
    (the reference's kept), with the counts of both sides and the reference's CDF."""
    from driftcli.profiles.numeric import Points
    from driftcli.stattests.base import pool

    rng = np.random.default_rng(8)
    cases = [
        (np.round(rng.normal(size=rng.integers(1, 40)), 1), np.round(rng.normal(size=40), 1))
        for _ in range(50)
    ]
    cases += [([-0.0, 1.0], [0.0, 2.0]), ([0.0], [-0.0]), ([3.0, 1.0, 1.0], [1.0, 5.0, 5.0])]
    for a, b in cases:
        ra, rb = Points.from_values(np.array(a)), Points.from_values(np.array(b))
        got, expect = pool(ra, rb), np.union1d(ra.values, rb.values)
        np.testing.assert_array_equal(got.values, expect)
        if 0.0 in ra.values:  # a zero of both sides is the reference's, signed as it is
            zero = got.values[got.values == 0.0]
            assert np.signbit(zero).tolist() == np.signbit(ra.values[ra.values == 0.0]).tolist()
        both = np.concatenate([np.array(a), np.array(b)])
        assert got.weights.tolist() == [int(np.sum(both == x)) for x in expect]
        assert got.ref_cdf.tolist() == (ra.cdf_right(expect) / ra.total).tolist()
    # NaN never reaches a profile's points, but a hand-made one pools as np.union1d does
    with_nan = Points(np.array([1.0, np.nan]), np.array([2, 1]))
    got = pool(with_nan, Points(np.array([np.nan]), np.array([3])))
    np.testing.assert_array_equal(got.values, np.array([1.0, np.nan]))
    assert got.weights.tolist() == [2, 4]


def test_few_and_many_labels_give_the_same_comparison(tmp_path: Path, monkeypatch) -> None:
    """The Python/numpy paths for few labels and pyarrow.compute's for many agree: the
    same comparison with every label set forced down pyarrow.compute's path."""
    import json

    import driftcli
    import driftcli.drift
    from driftcli.profiles import categorical, column
    from driftcli.render import json as json_view

    rng = np.random.default_rng(9)
    words = np.array([*TRICKY, *(f"w{i}" for i in range(60))])

    def table(shift: int) -> pa.Table:
        n = 3000
        text = pa.array(words[(rng.integers(0, 40, n) + shift) % len(words)], pa.string())
        text = pc_null_every(pa.chunked_array([text]), 11)
        return pa.table(
            {
                "s": text,
                "d": text.dictionary_encode(),
                "i": pa.array(rng.integers(0, 6 + shift, n).astype(np.int32)),
                "u": pa.array(rng.integers(0, 4, n).astype(np.uint8)),
                "b": pa.array(rng.integers(0, 2, n).astype(bool)),
            }
        )

    paths = []
    for name, shift in (("ref", 0), ("cur", 3)):
        path = tmp_path / f"{name}.parquet"
        pq.write_table(table(shift), path, row_group_size=400)
        paths.append(str(path))
    few = driftcli.compare(*paths, categorical=["i", "u"])
    for module in (categorical, column, driftcli.drift):
        monkeypatch.setattr(module, "SMALL_LABELS", -1)
    many = driftcli.compare(*paths, categorical=["i", "u"])
    drop = {"generated_at"}
    a = {k: v for k, v in json.loads(json_view.dumps(few)).items() if k not in drop}
    b = {k: v for k, v in json.loads(json_view.dumps(many)).items() if k not in drop}
    assert a == b
    assert any(c["kind"] == "categorical" and c["test"] for c in a["columns"])


def test_labels_that_are_not_utf8_group_as_arrow_groups_them(tmp_path: Path, monkeypatch) -> None:
    """Parquet does not check that text is UTF-8: such labels are grouped and ordered by
    their bytes, as pyarrow.compute does, never decoded."""
    from driftcli.arrays import text_bytes
    from driftcli.profiles import categorical

    raw = [b"ok", b"\xff\xfe", b"fine", b"\xc3", b"ok", b"\xc3"]
    offsets = np.concatenate([[0], np.cumsum([len(v) for v in raw])]).astype(np.int32)
    arr = pa.Array.from_buffers(
        pa.string(), len(raw), [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(raw))]
    )
    assert text_bytes(arr) == raw
    assert text_bytes(arr.slice(2, 3)) == raw[2:5]
    wide = categorical.as_labels(arr)
    few = categorical._encoded(wide)
    monkeypatch.setattr(categorical, "SMALL_LABELS", -1)
    many = categorical._encoded(wide)
    assert few[0].tolist() == many[0].tolist() and few[2].tolist() == many[2].tolist()
    assert few[1].equals(many[1])
