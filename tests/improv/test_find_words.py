"""Review rev-months, finding 7: "improv annotations search grandmother" said "no matching
annotations" for a word of a session's notes (notes were not searched, and nothing said so),
and results cut the text at 60 characters without "…". Words are now found in annotations and
in notes, each place under its session (number, date, client), an annotation with its time;
a cut text says so."""

from __future__ import annotations

import pytest

from sessions.notes import lines_with, words_pattern
from sessions.word_search import snippet, snippet_text
from tests.improv.word_search_store import LONG_ANNOTATION, LONG_LINE, course_with_writing


@pytest.fixture
def course(store_path, tmp_path):
    """The course of tests.improv.word_search_store in the CLI's store (IMPROV_STORE)."""
    store_path.rmdir()
    path, ids = course_with_writing(tmp_path)
    assert path == store_path
    return ids


def test_a_word_of_the_notes_is_found_with_its_session(run_cli, course):
    r = run_cli("annotations", "search", "grandmother's", "illness")
    assert r.exit_code == 0, r.stderr
    # the phrase runs over a line end of the notes: found, the lines shown as one
    assert r.stdout == (
        f"Session 2 (Jan 15, 2026), client C07 ({course[1]})\n"
        "  Notes\n"
        "    Arrived anxious. Mentioned the grandmother's illness for the first time.\n"
        "\n"
        "Found in 1 of the 3 sessions searched: 1 line of notes.\n")
    found = run_cli("annotations", "search", "GRANDMOTHER", "--json").json()
    assert [(f["found_in"], f["session_id"], f["number"], f.get("line")) for f in found] == [
        ("notes", course[1], 2, 1), ("notes", course[2], 3, 3)]
    assert found[1]["text"] == LONG_LINE  # --json gives the line whole
    # case is ignored beyond ASCII, as a therapist writes German notes
    assert [f["session_id"] for f in run_cli("annotations", "search", "ärger",
                                             "--json").json()] == [course[0]]


def test_annotations_and_notes_are_told_apart_and_cut_text_says_so(run_cli, course):
    r = run_cli("annotations", "search", "the", "--since", "2026-01-10")
    assert r.exit_code == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[:7] == [
        f"Session 2 (Jan 15, 2026), client C07 ({course[1]})",
        f"  Annotation at 0:04.0–0:09.0 · client · solo · ID {out[1].rsplit(' ', 1)[1]}",
        f"    {LONG_ANNOTATION}",  # 68 characters: whole, no longer cut at 60
        "  Notes",
        "    Arrived anxious. Mentioned the grandmother's",  # each line where the word is
        "    illness for the first time.",
        ""]
    assert out[7] == f"Session 3 (Jan 22, 2026), client C07 ({course[2]})"
    long = out[9].strip()  # cut around the first "the", at words, with "…" at the end
    assert long.endswith("…") and not long.startswith("…") and len(long) <= 121
    assert LONG_LINE.startswith(long[:-1])
    assert out[-1] == "Found in 2 of the 2 sessions searched: 1 annotation and 3 lines of notes."
    # words late in the long line: cut before them, with "…", the words shown
    late = run_cli("annotations", "search", "next time", "--since", "2026-01-10")
    late = late.stdout.splitlines()[2].strip()
    assert late.startswith("…") and late.endswith("next time.") and "song" in late


def test_nothing_found_says_what_was_searched(run_cli, course):
    r = run_cli("annotations", "search", "dragon")
    assert (r.exit_code, r.stdout) == (0, "")
    assert r.stderr == 'No annotations or notes of the 3 sessions searched contain "dragon".\n'
    # notes have no tags: with --tag only annotations are searched, and it says so
    r = run_cli("annotations", "search", "grandmother", "--tag", "solo")
    assert r.stderr == ('No annotations of the 3 sessions searched contain "grandmother".\n'
                        "Notes have no tags: with --tag they are not searched.\n")
    r = run_cli("annotations", "search", "softly", "--tag", "solo")
    assert r.stdout.splitlines()[-1] == "Notes have no tags: with --tag they are not searched."
    # a client's sessions and dates narrow the notes searched as the annotations
    assert run_cli("annotations", "search", "grandmother", "--until", "2026-01-20",
                   "--json").json()[0]["session_id"] == course[1]
    assert run_cli("annotations", "search", "grandmother", "--client", "C08",
                   "--json").json() == []
    help_ = " ".join(run_cli("annotations", "search", "--help").stdout.split())
    assert "in the annotations' text and in the verbal notes of each session" in help_
    # where a therapist looks first for a search of the notes, the way is said
    notes_help = " ".join(run_cli("notes", "--help").stdout.split())
    assert "To find words in the notes of all sessions: 'improv annotations search WORDS'" in \
        notes_help


def test_notes_that_cannot_be_read_are_named_not_skipped_silently(run_cli, course, store_path):
    (store_path / "sessions" / course[2] / "notes.md").write_bytes(b"grandmother \xff\xfe")
    r = run_cli("annotations", "search", "grandmother")
    assert r.exit_code == 0
    assert r.stderr.startswith(f"warning: the notes of session {course[2]} could not be read, "
                               "so they were not searched: notes.md is not a UTF-8 text file")
    assert course[1] in r.stdout


def test_the_annotations_table_marks_a_cut_text(run_cli, course):
    row = run_cli("annotations", "list", course[1]).stdout.splitlines()[2]
    assert "Plays very softly, almost hidden behind the drums; looks at…" in row


def test_lines_and_snippets():
    pattern = words_pattern("the  Lead")
    assert [(x["line"], x["text"], x["spans"]) for x in lines_with(
        "one\nTakes the\nlead now\nthe lead", pattern)] == [
        (2, "Takes the lead now", [(6, 14)]), (4, "the lead", [(0, 8)])]
    with pytest.raises(ValueError, match="give the words"):
        words_pattern("  ")
    whole = snippet("a soft start", [[2, 6]])
    assert snippet_text(whole) == "a soft start" and not whole["cut_after"]
    at = LONG_LINE.index("grandmother")
    cut = snippet(LONG_LINE, [[at, at + 11]])
    assert ["grandmother"] == [p for p, match in cut["pieces"] if match]
    assert cut["cut_before"] and not cut["cut_after"]
    shown = snippet_text(cut)
    assert shown.startswith("…") and LONG_LINE.endswith(shown[1:]) and len(shown) <= 121
    middle = snippet(LONG_LINE, [[LONG_LINE.index("teachers"), LONG_LINE.index("teachers") + 8]],
                     width=40)
    assert snippet_text(middle) == "…the teachers, the bus and the…"
