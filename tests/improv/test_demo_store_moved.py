"""The store folder moved away while ``sessions demo`` writes into it (review 31, M5): one
line that says so, not the writer's error plus libsndfile's "System error."; the session is
completed from the folder's new place by the next command. Real files, the real writer."""

from __future__ import annotations

import os

from sessions.writer import SessionWriter


def test_a_store_moved_during_the_demo_is_one_line(run_cli, store_path, tmp_path, monkeypatch):
    moved = tmp_path / "moved"
    real = SessionWriter.add_audio_input

    def add_then_move(self, *args, **kwargs):  # the therapist moves the folder meanwhile
        out = real(self, *args, **kwargs)
        os.rename(store_path, moved)
        return out

    monkeypatch.setattr(SessionWriter, "add_audio_input", add_then_move)
    r = run_cli("sessions", "demo", "--duration", "10", "--no-analyze")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1] == (
        f"error: the store folder {store_path} was moved or removed while improv wrote the demo "
        "session in it; nothing more was written (if it was moved, the next improv command on "
        "its new place completes the session)")
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("error:")] == \
        r.stderr.splitlines()[-1:]
    assert "System error" not in r.stderr and "No such file" not in r.stderr
    monkeypatch.undo()
    r = run_cli("--store", moved, "sessions", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert [row["status"] for row in r.json()] == ["recovered"]
    assert "recovered interrupted session" in r.stderr
