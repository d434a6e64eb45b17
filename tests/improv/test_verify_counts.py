"""``improv sessions verify --all`` counts sessions and clients' goal logs apart in its
summary (review 29 re-check, N9): "1 of 2 sessions failed", not "1 of 4 sessions" when two of
the four reports were goal logs."""

from __future__ import annotations

from tests.sessions.helpers import write_midi


def _store_with_goals(run_cli, tmp_path, store_path):
    mid = write_midi(tmp_path / "a.mid", tracks={"keys": [(0.0, 0, 60, 80), (1.0, 0, 62, 80)]})
    ids = []
    for client in ("C07", "C08"):
        r = run_cli("sessions", "import", mid, "--client", client, "--json")
        assert r.exit_code == 0, r.stderr
        ids.append(r.json()["id"])
        g = run_cli("goals", "add", "--client", client, "play together")
        assert g.exit_code == 0, g.stderr
    return ids


def test_verify_all_counts_sessions_and_goal_logs_apart(run_cli, tmp_path, store_path):
    first, _ = _store_with_goals(run_cli, tmp_path, store_path)
    ok = run_cli("sessions", "verify", "--all", "--json")
    assert ok.exit_code == 0 and len(ok.json()) == 4  # 2 sessions, 2 goal logs
    tsv = store_path / "sessions" / first / "midi.tsv"
    tsv.write_bytes(tsv.read_bytes() + b"garbage\n")
    r = run_cli("sessions", "verify", "--all")
    assert r.exit_code == 1
    assert r.stderr == "error: 1 of 2 sessions failed verification\n"
    # what needs a look, then one line for the rest (review 33: 2,438 "ok" lines hid 7)
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"{first}: PROBLEMS") and lines[-1] == (
        "1 of 2 sessions is intact (2 files hashed); the others are listed above; the goals "
        "of 2 clients are intact")
    assert not [x for x in lines if ": ok (" in x]
    log = store_path / "clients" / "C08" / "goals.jsonl"
    log.write_bytes(log.read_bytes() + b"not json\n")
    r = run_cli("sessions", "verify", "--all")
    assert r.exit_code == 1
    assert r.stderr == ("error: 1 of 2 sessions and the goals of 1 of 2 clients failed "
                        "verification\n")
    tsv.write_bytes(tsv.read_bytes()[:-len(b"garbage\n")])
    r = run_cli("sessions", "verify", "--all")
    assert r.stderr == "error: the goals of 1 of 2 clients failed verification\n"
