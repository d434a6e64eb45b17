"""Bug 8: player names and client codes match without regard to case where that is unique."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sessions.names import match_name
from tests.sessions.helpers import import_half_duet, import_weekly_session


@pytest.mark.parametrize("given, names, found", [
    ("Client", ["client", "therapist"], "client"),
    ("client", ["client", "Client"], "client"),  # the exact spelling first
    ("CLIENT", ["client", "Client"], "CLIENT"),  # two candidates: none is guessed
    ("mum", ["client"], "mum"),
])
def test_match_name(given, names, found):
    assert match_name(given, names) == found


def test_players_match_without_case(run_cli, store, tmp_path, rng):
    sid = import_half_duet(store, tmp_path, rng=rng)
    r = run_cli("annotate", sid, "--at", "5", "--player", "Client", "x")
    assert r.exit_code == 0, r.stderr
    (a,) = store.session(sid).annotations()
    assert a["player"] == "client"
    r = run_cli("analyze", sid, "--players", "THERAPIST", "--json")
    assert r.exit_code == 0, r.stderr
    assert list(r.json()["players"]) == ["therapist"]
    r = run_cli("analyze", sid, "--dialogue", "--pair", "Therapist,CLIENT", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["dialogue"][0]["pair"] == ["therapist", "client"]
    r = run_cli("annotate", sid, "--at", "5", "--player", "Mum", "x")
    assert r.exit_code == 1 and "no player 'Mum'" in r.stderr
    assert len(store.session(sid).annotations()) == 1  # store unchanged


def test_client_codes_match_without_case(run_cli, store, tmp_path, rng):
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    ids = [import_weekly_session(store, tmp_path, week=i, notes=20, duration=10.0, rng=rng,
                                 start=start) for i in range(2)]
    r = run_cli("sessions", "list", "--client", "c07", "--json")
    assert r.exit_code == 0, r.stderr
    assert sorted(x["id"] for x in r.json()) == sorted(ids)
    assert store.catalog.client_code("c07") == "C07"
    assert store.catalog.client_code("c08") == "c08"
