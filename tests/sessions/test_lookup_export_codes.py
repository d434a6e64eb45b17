"""Review 29: the dataset export's session codes (``C07-002``) name sessions on the command
line as ``C07/2`` does."""

from __future__ import annotations

import pytest

from sessions.errors import UnknownSessionError
from sessions.lookup import match_session_id

ROWS = [("20261206-190740-a76e", "C07", 1), ("20261207-101500-3fa2", "C07", 2),
        ("20261208-101500-77aa", None, 1), ("20261209-101500-0001", "C08", 12)]


@pytest.mark.parametrize("given, sid", [
    ("C07-002", "20261207-101500-3fa2"), ("c07-001", "20261206-190740-a76e"),
    ("C08-012", "20261209-101500-0001"), ("none-001", "20261208-101500-77aa"),
    ("20261206-1907", "20261206-190740-a76e"),  # a part of an ID still reads as one
])
def test_export_codes_name_sessions(given, sid):
    assert match_session_id(given, ROWS) == sid


def test_an_export_code_of_a_missing_number_says_so():
    with pytest.raises(UnknownSessionError, match="C07 has no session 9"):
        match_session_id("C07-009", ROWS)


def test_the_cli_takes_the_export_code(run_cli, store):
    w = store.create_session(client="C07", players=["client"])
    w.add_midi_input("k", player="client")
    sid = w.finalize(duration_s=5.0)["id"]
    r = run_cli("sessions", "show", "C07-001", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["id"] == sid


def test_the_number_alone_names_the_one_session_of_that_number():
    """Review 29 finding 17: the page says "Session 12"; `improv summary 12` finds it where
    only one client has a session 12."""
    assert match_session_id("12", ROWS) == "20261209-101500-0001"
    assert match_session_id(" 2 ", ROWS) == "20261207-101500-3fa2"


def test_a_number_of_several_clients_names_them_all():
    with pytest.raises(UnknownSessionError,
                       match=r"2 clients have a session 1: give the client too, C07/1, none-001"):
        match_session_id("1", ROWS)


def test_a_number_no_session_has_is_not_a_session_id():
    with pytest.raises(UnknownSessionError, match="'7' is not a session ID"):
        match_session_id("7", ROWS)
