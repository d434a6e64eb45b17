"""The hostile-folder suite (issue 21): links out of the store, copied folders claiming
another session's ID, malformed manifests, journals and notes, and a seeded fuzzer over them.

Every case copies a good session under a new ID, breaks the copy, and runs the commands over
the store (:func:`tests.sessions.hostile.check_store`): each exits 0 or 1 with a one-line
message and no traceback, a canary file outside the store keeps its hash, and the good
session stays listed (under its client), shown and verified.
"""

from __future__ import annotations

import json
import os
import random
import shutil

import pytest

from tests.sessions import hostile

BAD = "20260101-000000-0bad"


@pytest.fixture
def world(run_cli, store_path, tmp_path):
    """The good session in the test's store, a canary outside it, an output folder."""
    good = hostile.import_good(run_cli, tmp_path)
    canary = tmp_path / "canary.txt"
    canary.write_text("a secret outside the store\n")
    out = tmp_path / "out"
    out.mkdir()
    return {"good": good, "canary": canary, "digest": hostile.digest(canary),
            "out": out, "store": store_path}


def _check(run_cli, world, what):
    return hostile.check_store(run_cli, good=world["good"], bad=BAD, canary=world["canary"],
                               canary_digest=world["digest"], out=world["out"], what=what)


def _bad(world):
    return hostile.copy_session(world["store"], world["good"], BAD)


def test_recovery_never_writes_through_a_link(run_cli, world):
    folder = _bad(world)
    (folder / "RECORDING").write_text("1\n")
    (folder / "midi.tsv").unlink()
    os.symlink(world["canary"], folder / "midi.tsv")
    r = run_cli("sessions", "recover")
    hostile.sane(r, what="recover")
    assert r.exit_code == 1 and "midi.tsv: is a symbolic link" in r.stdout + r.stderr
    _check(run_cli, world, "midi.tsv link")


@pytest.mark.parametrize("name", ["key", "notes.md", "audio/mic.wav", "audio"])
def test_a_link_inside_is_never_opened_or_exported(run_cli, world, name):
    folder = _bad(world)
    target = folder / name
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    os.symlink(world["canary"] if name != "audio" else world["out"], target)
    failed = _check(run_cli, world, f"link {name}")
    assert {"verify", "export", "show"} <= set(failed)
    assert not list(world["out"].glob("*.zip"))
    r = run_cli("sessions", "verify", BAD, "--json")
    assert r.exit_code == 1
    assert any("symbolic link" in p for p in r.json()[0]["problems"])
    notes = run_cli("notes", BAD, "--show")
    assert notes.exit_code == 1 and "secret" not in notes.stdout + notes.stderr


def test_a_fifo_inside_does_not_hang(run_cli, world):
    folder = _bad(world)
    (folder / "notes.md").unlink(missing_ok=True)
    os.mkfifo(folder / "notes.md")
    r = run_cli("notes", BAD, "--show")
    assert r.exit_code == 1 and "pipe" in r.stderr
    _check(run_cli, world, "fifo")


def test_a_copy_claiming_another_id_never_takes_its_row(run_cli, world):
    folder = _bad(world)
    m = json.loads((folder / "session.json").read_text())
    m["id"], m["client"] = world["good"], "C99"
    (folder / "session.json").write_text(json.dumps(m))
    r = run_cli("sessions", "reindex", "--json")
    assert r.exit_code == 1 and "1 session could not be indexed" in r.stderr
    skipped = dict(r.json()["skipped"])
    assert "does not match the folder name" in skipped[BAD]
    v = run_cli("sessions", "verify", BAD, "--json")
    assert any("does not match the folder name" in p for p in v.json()[0]["problems"])
    _check(run_cli, world, "id takeover")


def test_a_malformed_journal_line_stops_no_command(run_cli, world):
    folder = _bad(world)
    hostile.interrupt(folder)
    with open(folder / "journal.jsonl", "a") as f:
        f.write('{"kind":"gap","input":"mic"}\n')
    r = run_cli("sessions", "list", "--json")
    assert r.exit_code == 0 and {row["id"] for row in r.json()} >= {world["good"], BAD}
    shown = run_cli("sessions", "show", BAD, "--json")
    assert shown.json()["recovery"]["journal_bytes_dropped"] > 0
    _check(run_cli, world, "journal gap without t")


@pytest.mark.parametrize("field, value, message", [
    ("warnings", 5, "'warnings' must be a list of texts"),
    ("smf", "x", "'smf' must be null or an object"),
    ("events", [{"kind": "warnings", "messages": 3}], "must hold a list of texts"),
    ("started_utc", "yesterday", "'started_utc' must be a date and time"),
])
def test_malformed_fields_are_reported_for_that_session(run_cli, world, field, value, message):
    folder = _bad(world)
    m = json.loads((folder / "session.json").read_text())
    m[field] = value
    (folder / "session.json").write_text(json.dumps(m))
    r = run_cli("sessions", "show", BAD)
    assert r.exit_code == 1 and message in r.stderr
    _check(run_cli, world, f"{field}={value!r}")


def test_deep_nesting_and_bad_bytes(run_cli, world):
    folder = _bad(world)
    (folder / "session.json").write_text("[" * 100_000)
    r = run_cli("sessions", "show", BAD)
    assert r.exit_code == 1 and "nested too deeply" in r.stderr
    _check(run_cli, world, "nesting")
    shutil.rmtree(folder)
    folder = _bad(world)
    (folder / "notes.md").write_bytes(b"ok \xff")
    r = run_cli("notes", BAD, "--show")
    assert r.exit_code == 1 and "not a UTF-8 text file" in r.stderr
    _check(run_cli, world, "0xFF in notes")


def _fuzz(run_cli, world, *, seed: int, cases: int) -> dict:
    rng = random.Random(seed)
    mutators = [hostile.mutate_manifest, hostile.mutate_journal, hostile.mutate_notes]
    figures = {"tries": 0, "refused": 0, "losses": 0}
    for i in range(cases):
        folder = _bad(world)
        what = mutators[i % len(mutators)](folder, rng)
        failed = _check(run_cli, world, f"case {i}: {what}")
        labels = world["out"] / "labels.txt"
        labels.write_text(hostile.random_labels(rng))
        hostile.sane(run_cli("annotations", "import", world["good"], labels),
                     what=f"labels {labels.read_text()!r}")
        figures["tries"] += 1
        figures["refused"] += bool(failed)
        shutil.rmtree(world["store"] / "sessions" / BAD)
        for z in world["out"].glob("*.zip"):
            z.unlink()
    return figures


def test_fuzz_quick(run_cli, world):
    figures = _fuzz(run_cli, world, seed=21, cases=150)
    assert figures["tries"] == 150


@pytest.mark.slow
def test_fuzz_long(run_cli, world):
    figures = _fuzz(run_cli, world, seed=2121, cases=1500)
    assert figures["tries"] == 1500


def test_scan_skips_a_file_renamed_away_while_it_runs(tmp_path, monkeypatch):
    """Another writer's temporary file that is renamed between the folder's listing and its
    check is gone, not a problem of the folder (eight annotation edits at once met this)."""
    import os

    from sessions import safeio

    folder = tmp_path / "s"
    (folder / "cache").mkdir(parents=True)
    (folder / "session.json").write_text("{}")
    tmp = folder / ".session.json.tmp"
    tmp.write_text("{}")
    real = os.scandir

    def listing_then_rename(path):
        entries = list(real(path))
        if tmp.exists():
            tmp.unlink()  # the writer renames its temporary file away
            (folder / "cache").rmdir()  # and a subfolder goes before it is listed
        return iter(entries)

    monkeypatch.setattr(safeio.os, "scandir", listing_then_rename)
    assert safeio.unsafe_entries(folder) == []
