"""Reports that leave the practice (supervision, case review) can leave the therapist's verbal
notes out, and their last line says whether the notes are in (review rev-months, finding 1);
a range annotation reads as a range in the client report as in the session report (finding 6).
Real store, real analysis, the command line through ``run_cli``."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sessions.annotation_edits import add_annotation
from sessions.notes import save_notes
from tests.sessions.helpers import import_weekly_session

PRIVATE = "Mentioned the grandmother's illness"
ANNOTATION = "Plays very softly, almost hidden"


@pytest.fixture
def course(store, tmp_path, rng):
    """Client C07: three weekly 12 s MIDI sessions; the second has notes and a range
    annotation 0:04–0:09."""
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    ids = [import_weekly_session(store, tmp_path, week=i, notes=20 + 8 * i, duration=12.0,
                                 rng=rng, start=start) for i in range(3)]
    add_annotation(store, ids[1], t=4.0, end=9.0, tags=["solo"], player="client",
                   text=ANNOTATION)
    save_notes(store.session(ids[1]).folder, f"Client arrived anxious. {PRIVATE}.")
    return ids


def _read(path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_client_report_leaves_the_notes_out_and_says_so(run_cli, course, tmp_path):
    r = run_cli("report", "--client", "C07", "--to", tmp_path / "with.html")
    assert r.exit_code == 0, r.stderr
    with_notes = _read(tmp_path / "with.html")
    assert PRIVATE.replace("'", "&#x27;") in with_notes
    assert ("Pseudonymised: client codes only. Contains the therapist's verbal notes and "
            "annotations as written (free text may name people).") in with_notes

    r = run_cli("report", "--client", "C07", "--without-notes", "--to", tmp_path / "out.html")
    assert r.exit_code == 0, r.stderr
    assert "verbal notes left out" in r.stdout
    text = _read(tmp_path / "out.html")
    assert "grandmother" not in text and "anxious" not in text
    assert ANNOTATION in text  # the annotations stay
    assert "The therapist's verbal notes are left out of this report." in text
    assert ("Pseudonymised: client codes only. The therapist's verbal notes are left out; "
            "annotations are printed as written.") in text
    assert "Contains the therapist's verbal notes" not in text
    assert "No notes." not in text  # nothing says which sessions had notes


def test_the_session_report_leaves_the_notes_out_and_says_so(run_cli, course, tmp_path):
    sid = course[1]
    r = run_cli("report", sid, "--no-appendix", "--to", tmp_path / "with.html")
    assert r.exit_code == 0, r.stderr
    assert "grandmother" in _read(tmp_path / "with.html")
    r = run_cli("report", sid, "--no-appendix", "--without-notes", "--to", tmp_path / "s.html")
    assert r.exit_code == 0, r.stderr
    text = _read(tmp_path / "s.html")
    assert "grandmother" not in text and ANNOTATION in text
    assert "<h2>Verbal notes</h2><p>The therapist's verbal notes are left out" in text
    assert "The therapist's verbal notes are left out; annotations are printed" in text
    # a session without notes or annotations does not say "No annotations or notes." either
    r = run_cli("report", course[0], "--no-appendix", "--without-notes",
                "--to", tmp_path / "s0.html")
    assert "No annotations or notes." not in _read(tmp_path / "s0.html")


def test_a_range_annotation_reads_as_a_range_in_both_reports(run_cli, course, tmp_path):
    assert run_cli("report", "--client", "C07", "--to", tmp_path / "c.html").exit_code == 0
    assert run_cli("report", course[1], "--no-appendix",
                   "--to", tmp_path / "s.html").exit_code == 0
    # the client report said "0:04" alone: a 5 s passage read as a moment
    assert "<td class=nowrap>0:04.0–0:09.0</td><td>client</td>" in _read(tmp_path / "c.html")
    assert "<td class=nowrap>0:04.0–0:09.0</td><td>client</td>" in _read(tmp_path / "s.html")
