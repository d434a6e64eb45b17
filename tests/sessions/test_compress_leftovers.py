"""What a killed ``sessions compress`` left is removed by ``verify`` and ``recover`` (review 31,
L3), never while a compression runs. Real files, real ``flock`` locks."""

from __future__ import annotations

from sessions import locks
from sessions import manifest as mf
from tests.sessions.test_delete_locks import _session


def test_verify_and_recover_remove_what_a_killed_compression_left(store, run_cli):
    """Review 31, L3: ``audio/.NAME.flac.partial`` stayed until the next compression of the
    session. Not while a compression runs (it holds ``audio/``)."""
    sid = _session(store)
    audio = store.folder(sid) / mf.AUDIO_DIR
    partial = audio / ".mic.flac.partial"
    for command in (["sessions", "verify", sid], ["sessions", "recover"]):
        partial.write_bytes(b"fLaC" + b"\0" * 1000)  # cut off by a kill
        with locks.folder_lock(audio):  # a compression runs: its partial stays
            r = run_cli(*command)
            assert r.exit_code == 0, r.stdout + r.stderr
            assert partial.exists() and "left by a compression" not in r.stderr
        r = run_cli(*command)
        assert r.exit_code == 0, r.stdout + r.stderr
        assert r.stderr == (f"removed audio/.mic.flac.partial of session {sid}, left by a "
                            "compression that did not finish\n")
        assert not partial.exists()
    assert run_cli("sessions", "verify", sid).exit_code == 0
