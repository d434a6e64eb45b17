"""Warnings of 'improv sessions import' (review 35): players named after the files' tracks (a
track name can be a person's name, which every report would show), and a recording imported
twice (it would count twice in the client's course)."""

from __future__ import annotations

import json

from tests.sessions.helpers import write_midi


def _duo(tmp_path, names=("Maria Keller", "Dr Tom")):
    return write_midi(tmp_path / "duo.mid", tracks={
        names[0]: [(0.5 * k, 0, 60, 90) for k in range(8)],
        names[1]: [(0.25 + 0.5 * k, 1, 48, 80) for k in range(8)]})


def test_players_named_after_tracks_are_pointed_out_once(run_cli, tmp_path):
    path = _duo(tmp_path)
    r = run_cli("sessions", "import", str(path), "--client", "C30")
    assert r.exit_code == 0, r.stderr
    assert ("warning: players Maria-Keller, Dr-Tom are named after the files' track or file "
            "names") in r.stderr
    assert "--player Maria-Keller=client" in r.stderr and r.stderr.count("\n") == 1
    # the client's next import with the names kept: the therapist has decided, no warning
    again = run_cli("sessions", "import", str(path), "--client", "C30", "--started",
                    "2026-10-08T10:00+01:00", "--json")
    assert "named after" not in again.stderr and again.json()["players_named_from_files"] == []


def test_names_given_or_roles_are_not_pointed_out(run_cli, tmp_path):
    path = _duo(tmp_path, names=("client piano", "therapist"))
    r = run_cli("sessions", "import", str(path), "--client", "C31", "--player",
                "client=duo.mid:2", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["players"] == ["client", "therapist"]
    assert r.json()["players_named_from_files"] == [] and "named after" not in r.stderr


def test_a_recording_imported_twice_is_pointed_out(run_cli, tmp_path):
    path = _duo(tmp_path, names=("client", "therapist"))
    args = ["sessions", "import", str(path), "--client", "C32", "--started",
            "2026-10-07T10:00+01:00"]
    first = run_cli(*args, "--json")
    assert first.exit_code == 0 and first.json()["looks_like"] == [] and first.stderr == ""
    again = run_cli(*args, "--json")
    assert again.exit_code == 0  # kept: it may be a second recording made at the same time
    assert again.json()["looks_like"] == [first.json()["id"]]
    (line,) = again.stderr.splitlines()
    assert line.startswith("warning: this looks like Session ") and "of client C32" in line
    assert f"'improv sessions delete {again.json()['id']}'" in line
    # another day, or another client, is no twin
    other = run_cli("sessions", "import", str(path), "--client", "C33", "--started",
                    "2026-10-07T10:00+01:00", "--json")
    assert other.json()["looks_like"] == []
    later = run_cli("sessions", "import", str(path), "--client", "C32", "--started",
                    "2026-10-14T10:00+01:00", "--json")
    assert later.json()["looks_like"] == [] and json.loads(later.stdout)["id"]
