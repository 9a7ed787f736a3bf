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
