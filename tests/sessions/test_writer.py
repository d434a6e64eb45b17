import stat
import threading
import time

import mido
import numpy as np
import pytest
import soundfile as sf

from sessions.errors import (
    InvalidArgumentError,
    SessionBusyError,
    SessionFormatError,
    StoreError,
)
from sessions.verify import verify_folder
from tests.sessions.helpers import wait_written


def _mode(p):
    return stat.S_IMODE(p.stat().st_mode)


def test_writer_from_many_threads_then_finalize(store):
    w = store.create_session(client="C07", players=["client", "therapist"])
    audio = w.add_audio_input("interface", sr=48000, channels=2,
                              players={"client": [1], "therapist": [2]}, latency_s=0.005)
    w.add_midi_input("Keyboard", player="client")
    w.add_midi_input("Pads", player="therapist")

    def midi_thread(player, port, base):
        for i in range(500):
            w.midi(base + i * 0.01, player=player, port=port, data=bytes([0x90, i % 128, 64]),
                   delta_s=0.01)

    def audio_thread():
        for i in range(60):
            block = np.full((960, 2), i, dtype=np.float32)
            audio.write(block)
            audio.anchor(frame=i * 960, t=0.25 + i * 0.02)

    threads = [threading.Thread(target=midi_thread, args=("client", "Keyboard", 0.0)),
               threading.Thread(target=midi_thread, args=("therapist", "Pads", 0.005)),
               threading.Thread(target=audio_thread)]
    for th in threads:
        th.start()
    w.marker(0.5, text="look")
    for th in threads:
        th.join()
    m = w.finalize()
    assert m["status"] == "complete"
    assert m["midi"]["events"] == 1000
    a = m["audio"][0]
    assert a["frames"] == 57600 and a["t0"] == pytest.approx(0.25)
    assert a["drift_ppm"] == pytest.approx(0.0, abs=1e-3)
    s = store.session(m["id"])
    y = s.read_audio("interface")
    np.testing.assert_array_equal(y[::960, 0], np.arange(60, dtype=np.float32))
    ev = s.midi_events(players=["therapist"])
    assert len(ev) == 500 and np.all(np.diff(ev.t) > 0)
    assert [a["text"] for a in s.annotations()] == ["look"]
    mid = mido.MidiFile(s.folder / "session.mid")
    assert [t.name for t in mid.tracks[1:]] == ["client", "therapist"]
    assert store.list()[0]["id"] == m["id"]


def test_files_and_folders_are_owner_only(store):
    w = store.create_session(client="C01", players=["client"])
    a = w.add_audio_input("mic", sr=8000, channels=1, players={"client": [1]})
    a.write(np.zeros((800, 1), np.float32))
    w.midi(0.1, player="client", port="k", data=b"\x90\x3c\x40")
    w.marker(0.2, text="x")
    m = w.finalize()
    folder = store.folder(m["id"])
    paths = [store.root, store.sessions_dir, folder] + list(folder.rglob("*"))
    paths += list(store.root.glob("catalog.sqlite*"))
    for p in paths:
        assert _mode(p) == (0o700 if p.is_dir() else 0o600), p


def test_journals_reach_the_disk_within_a_second_without_finalize(store):
    w = store.create_session(client="C01", players=["client"], flush_interval=0.5)
    a = w.add_audio_input("mic", sr=8000, channels=1, players={"client": [1]})
    a.write(np.ones((8000, 1), np.float32))
    w.midi(0.1, player="client", port="k", data=b"\x90\x3c\x40")
    folder = w.folder
    deadline = time.monotonic() + 1.0
    wav = folder / "audio" / "mic.wav"
    tsv = folder / "midi.tsv"
    while time.monotonic() < deadline:
        if wav.stat().st_size >= 116 + 8000 * 4 and tsv.read_text().count("\n") == 2:
            break
        time.sleep(0.02)
    # read the bytes through a separate file descriptor, as recovery would
    assert wav.stat().st_size == 116 + 8000 * 4
    assert tsv.read_text().count("\n") == 2
    w.finalize()


def test_session_being_recorded_is_busy_and_not_listed(store):
    w = store.create_session(client="C01", players=["client"])
    with pytest.raises(SessionBusyError, match="is being recorded, or recovered by another"):
        store.session(w.id)
    assert store.interrupted() == []  # the writer is alive: not interrupted
    with pytest.raises(SessionBusyError):
        store.delete(w.id)
    # verify --all while a recording runs: not a problem, checked once it is finished
    rep = verify_folder(store.folder(w.id))
    assert rep["ok"] and rep["recording"] and rep["problems"] == []
    w.finalize()
    assert verify_folder(store.folder(w.id))["ok"]
    assert store.session(w.id).duration_s == 0.0


@pytest.mark.parametrize("bad, error, match", [
    ({"client": "Anna Müller"}, SessionFormatError, "pseudonym code"),
    ({"players": ["client", "client"]}, InvalidArgumentError, "unique"),
    ({"players": ["a b"]}, SessionFormatError, "player name"),
])
def test_bad_session_parameters_are_rejected(store, bad, error, match):
    kwargs = {"client": "C07", "players": ["client"]} | bad
    with pytest.raises(error, match=match):
        store.create_session(**kwargs)
    assert store.session_ids() == []


def test_audio_channel_numbers_are_checked(store):
    w = store.create_session(client="C07", players=["client"])
    with pytest.raises(ValueError, match=r"must be in 1..2"):
        w.add_audio_input("mic", sr=48000, channels=2, players={"client": [3]})
    w.finalize()


def test_write_failure_is_reported_and_flushed_data_kept(store, monkeypatch):
    w = store.create_session(client="C07", players=["client"])
    a = w.add_audio_input("mic", sr=8000, channels=1, players={"client": [1]})
    a.write(np.ones((800, 1), np.float32))
    w.midi(0.05, player="client", port="k", data=b"\x90\x3c\x40")
    wait_written(w)  # the first block is on the disk before the disk fills
    journal = w._audio[0]

    def disk_full(block):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal._file, "write", disk_full)
    a.write(np.ones((800, 1), np.float32))
    deadline = time.monotonic() + 5
    while w.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert w.error is not None and "disk is full" in str(w.error)
    monkeypatch.undo()
    m = w.finalize()
    assert m["audio"][0]["frames"] == 800 and m["midi"]["events"] == 1
    assert any("disk is full" in x for x in m["warnings"])
    y, _ = sf.read(store.folder(m["id"]) / "audio" / "mic.wav")
    assert len(y) == 800


def test_ports_that_played_undeclared_are_declared_at_finalize(store):
    w = store.create_session(client="C07", players=["client"])
    w.midi(0.1, player="client", port="Surprise Pad", data=b"\x90\x3c\x40")
    m = w.finalize()
    assert m["midi"]["ports"] == [
        {"name": "Surprise Pad", "player": "client", "device": {}, "declared": False}]
    assert store.session(m["id"]).midi_players() == ["client"]


def test_failed_finalize_leaves_a_recoverable_session(store, monkeypatch):
    import sessions.finalize as finalize

    w = store.create_session(client="C07", players=["client"])
    w.midi(0.1, player="client", port="k", data=b"\x90\x3c\x40")

    def no_room(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(finalize, "atomic_write_json", no_room)
    with pytest.raises(OSError):
        w.finalize()
    monkeypatch.undo()
    # a second call says it is not done (it returned the unfinished manifest as if it were)
    with pytest.raises(StoreError, match="could not be finished .*'improv sessions recover'"):
        w.finalize()
    assert store.interrupted() == [w.id]  # the lock is free again
    (report,) = store.recover()
    assert report["ok"] and report["midi_events"] == 1
