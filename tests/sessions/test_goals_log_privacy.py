"""A damaged goals log is reported without the client's code at the usual log levels: the
file's path names the client (clients/K12/goals.jsonl), and a research export's terminal log
may be kept or shared (privacy review 30, finding 3). ``--debug`` still names the file."""

from __future__ import annotations

import logging

from sessions.goals import add_goal, goals_path, read_records


def test_a_cut_goals_log_is_warned_of_without_the_client_code(store, caplog):
    add_goal(store, "K12", text="Plays louder")
    path = goals_path(store.root, "K12")
    with open(path, "ab") as f:
        f.write(b'{"op": "add", "id": "g-cut')  # an append interrupted mid-line
    with caplog.at_level(logging.DEBUG, logger="sessions.goals"):
        records = read_records(path)
    assert len(records) == 1  # the whole revision is kept, the cut one left out
    usual = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert usual and any("cut short" in m for m in usual)
    assert not any("K12" in m for m in usual), usual
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("K12" in m for m in debug)  # --debug names the file
