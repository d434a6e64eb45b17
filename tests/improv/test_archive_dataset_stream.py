"""``improv export-dataset`` writes ``curves`` and ``dialogue_curves`` as the sessions are
read, a row group of ``batch_rows`` rows at a time (review 33, F1: it held every curve of the
archive in Python lists until the end): the rows, their order and types are those of one
table of the same rows, the CSV files are the same bytes, and a write that fails half way
leaves nothing behind."""

from __future__ import annotations

import math

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture
def three(run_cli, store):
    """Three demo sessions (8 s), analysed with --dialogue; their ``analyze --json``."""
    from tests.improv.test_archive_dataset import analysed_demos

    return analysed_demos(run_cli, store, n=3, duration=8.0)


def _export(store, folder, **kw):
    from improv.archive.dataset import export_dataset

    return export_dataset(store, folder, include_demo=True, **kw)


def test_curves_are_the_rows_of_one_table_in_row_groups_of_batch_rows(three, store, tmp_path):
    """The ``curves`` file equals a table made at once from the analyses' curves (same rows,
    order, types and file metadata), written in row groups of ``batch_rows`` rows."""
    import analysis
    from improv.archive.dataset import TABLES
    from improv.archive.measures import curve_definition

    res = _export(store, tmp_path / "ds", batch_rows=100)
    assert res["not_analysed"] == [] and res["problems"] == []
    expected = {c: [] for c in TABLES["curves"]}
    for k, analysed in enumerate(three):
        for player, entry in analysed["players"].items():
            for source, r in entry["sources"].items():
                for name, c in r["curves"].items():
                    n = min(len(c["times"]), len(c["values"]))
                    for col, values in (("t", c["times"][:n]), ("value", c["values"][:n])):
                        expected[col] += values
                    for col, v in (("session", f"DEMO-{k + 1:03d}"), ("player", player),
                                   ("source", source), ("measure", name),
                                   ("unit", curve_definition(name)[0])):
                        expected[col] += [v] * n
    schema = pa.schema([(c, pa.type_for_alias(t)) for c, (t, _) in TABLES["curves"].items()])
    one = pa.Table.from_pydict(expected, schema=schema)
    assert one.num_rows > 300  # several row groups, not one

    f = pq.ParquetFile(tmp_path / "ds" / "curves.parquet")
    got = f.read()
    assert got.equals(one)
    assert res["tables"]["curves"] == {"rows": one.num_rows, "file": "curves.parquet"}
    assert f.metadata.num_row_groups == math.ceil(one.num_rows / 100)
    sizes = [f.metadata.row_group(i).num_rows for i in range(f.metadata.num_row_groups)]
    assert sizes[:-1] == [100] * (len(sizes) - 1) and 0 < sizes[-1] <= 100
    meta = f.schema_arrow.metadata
    assert meta[b"improv.analysis_version"] == analysis.ANALYSIS_VERSION.encode()
    assert b"improv.dataset_format" in meta

    # the same export at once: one row group, the same table and README
    whole = _export(store, tmp_path / "whole", batch_rows=10**9)
    assert pq.ParquetFile(tmp_path / "whole" / "curves.parquet").metadata.num_row_groups == 1
    for t in ("curves", "dialogue_curves"):
        a = pq.read_table(tmp_path / "ds" / f"{t}.parquet")
        b = pq.read_table(tmp_path / "whole" / f"{t}.parquet")
        assert a.num_rows > 0 and a.equals(b) and a.schema.equals(b.schema, check_metadata=True)
    assert (tmp_path / "ds" / "README.md").read_text() == (
        tmp_path / "whole" / "README.md").read_text()
    assert {k: v for k, v in res.items() if k != "to"} == {
        k: v for k, v in whole.items() if k != "to"}


def test_csv_in_batches_is_the_same_bytes(three, store, tmp_path):
    """CSV written 7 rows at a time: one header, the same bytes as written at once."""
    _export(store, tmp_path / "small", fmt="csv", batch_rows=7)
    _export(store, tmp_path / "whole", fmt="csv", batch_rows=10**9)
    names = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "small").iterdir())
    for name in names:
        assert (tmp_path / "small" / name).read_bytes() == (
            tmp_path / "whole" / name).read_bytes(), name
    text = (tmp_path / "small" / "curves.csv").read_text()
    assert text.count('"session"') == 1 and len(text.splitlines()) > 100


def test_a_write_that_fails_while_streaming_leaves_nothing(three, store_path, tmp_path):
    """A real write failure (the file-size limit: EFBIG, as a full disk gives ENOSPC) while the
    curves are streamed, after some row groups were written: the error stops the export (it is
    not taken for a session that cannot be read), and neither the target nor a temporary
    folder is left."""
    import resource
    import signal
    import subprocess
    import sys

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))

    out = tmp_path / "exports"
    out.mkdir()
    code = ("import sys; from pathlib import Path; from sessions.store import Store; "
            "from improv.archive.dataset import export_dataset; "
            "export_dataset(Store(Path(sys.argv[1])), Path(sys.argv[2]), fmt='csv', "
            "include_demo=True, batch_rows=50)")
    r = subprocess.run([sys.executable, "-c", code, str(store_path), str(out / "ds")],
                       capture_output=True, text=True, preexec_fn=small_files, timeout=120)
    assert r.returncode == 1
    assert "File too large" in r.stderr.strip().splitlines()[-1], r.stderr
    assert list(out.iterdir()) == []


def test_batch_rows_must_be_positive(three, store, tmp_path):
    from improv.errors import ParameterError

    with pytest.raises(ParameterError, match="batch_rows must be at least 1"):
        _export(store, tmp_path / "ds", batch_rows=0)
    assert not (tmp_path / "ds").exists()
