"""Hearing every player: renderings as long as the session, the mix of recordings and MIDI
players, ``improv render --mix`` (the web player's mix: tests/improv/web/test_mix_api.py)."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(shutil.which("fluidsynth") is None,
                                reason="fluidsynth not installed")
SR = 48000


def _clicks(seconds: float, times) -> np.ndarray:
    y = np.zeros(int(seconds * SR), np.float32)
    for t in times:
        y[int(t * SR):int(t * SR) + 48] = 0.8
    return y


@pytest.fixture
def duet(store):
    return make_duet(store)


def make_duet(store) -> str:
    """The therapist on a microphone (clicks at 0.5 s and 1.5 s), the client on a MIDI
    keyboard (a note from 0.2 s to 0.8 s, and one held from 2.0 s past the end): 3 s."""
    w = store.create_session(client="C07", players=["client", "therapist"])
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"therapist": [1]}, t0=0.0)
    a.write(_clicks(3.0, [0.5, 1.5])[:, None].copy())
    w.add_midi_input("Keys", player="client")
    w.midi(0.2, player="client", port="Keys", data=bytes([0x90, 60, 110]))
    w.midi(0.8, player="client", port="Keys", data=bytes([0x80, 60, 0]))
    w.midi(2.0, player="client", port="Keys", data=bytes([0xC0, 19]))  # church organ: no decay
    w.midi(2.0, player="client", port="Keys", data=bytes([0x90, 64, 110]))  # held at the stop
    return w.finalize(duration_s=3.0)["id"]


def _read(data: bytes):
    import soundfile as sf

    y, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return y, sr


def test_render_lasts_the_session_with_at_most_two_seconds_of_tail(run_cli, store, duet,
                                                                   tmp_path):
    """A note still held at the stop ends there: the file is the session's 3 s plus at most
    2 s of release (before, FluidSynth rendered on for as long as the sound rang)."""
    r = run_cli("render", duet, "--to", tmp_path / "r.wav")
    assert r.exit_code == 0, r.stderr
    y, sr = _read((tmp_path / "r.wav").read_bytes())
    assert sr == SR and 3.0 <= len(y) / SR <= 5.0
    assert np.max(np.abs(y[int(2.1 * SR):int(2.9 * SR)])) > 0.01  # the held note sounds
    assert np.max(np.abs(y[-100:])) < 0.01  # faded or rung out, no click at the end
    assert np.max(np.abs(y[int(1.2 * SR):int(1.9 * SR)])) < 0.01  # nothing between the notes


def test_a_short_rendering_is_padded_to_the_session(store, tmp_path):
    from improv.playback.render import render_session

    w = store.create_session(client="C07", players=["client"])
    w.add_midi_input("Keys", player="client")
    w.midi(0.1, player="client", port="Keys", data=bytes([0x90, 60, 100]))
    w.midi(0.2, player="client", port="Keys", data=bytes([0x80, 60, 0]))
    sid = w.finalize(duration_s=6.0)["id"]
    y, _ = _read(render_session(store.session(sid), to=tmp_path / "r.wav").read_bytes())
    assert 6.0 <= len(y) / SR <= 8.0


def test_a_rendering_is_made_beside_its_file_never_in_the_system_temp_folder(store, tmp_path,
                                                                             monkeypatch):
    """A rendering is the client's playing: made in the system's temp folder, one cut off by
    improv stopping stayed there (review 30). It is made beside its destination, and nothing
    is left beside it either."""
    import tempfile

    from improv.playback.render import render_session

    # a system temp folder that cannot be used: a rendering that went there fails
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-system-temp"))
    w = store.create_session(client="C07", players=["client"])
    w.add_midi_input("Keys", player="client")
    w.midi(0.1, player="client", port="Keys", data=bytes([0x90, 60, 100]))
    w.midi(0.2, player="client", port="Keys", data=bytes([0x80, 60, 0]))
    sid = w.finalize(duration_s=3.0)["id"]
    out = tmp_path / "out"
    out.mkdir()
    render_session(store.session(sid), to=out / "r.wav")
    assert [p.name for p in out.iterdir()] == ["r.wav"]


def test_renderings_cut_off_are_swept_from_the_cache_and_running_ones_kept(store):
    """A rendering cut off when improv stopped leaves its working folder in the session's cache
    (a GB an hour): the next rendering of the session removes those older than any rendering
    may take, not one another improv is making now."""
    import os
    import time

    from improv.playback.render import cached_rendering

    w = store.create_session(client="C07", players=["client"])
    w.add_midi_input("Keys", player="client")
    w.midi(0.1, player="client", port="Keys", data=bytes([0x90, 60, 100]))
    w.midi(0.2, player="client", port="Keys", data=bytes([0x80, 60, 0]))
    sid = w.finalize(duration_s=3.0)["id"]
    cache = store.session(sid).cache_dir
    old, running = cache / ".improv-render-old", cache / ".improv-render-now"
    for d in (old, running):
        d.mkdir()
        (d / "render.wav").write_bytes(b"RIFF")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    cached_rendering(store.session(sid))
    assert not old.exists() and (running / "render.wav").exists()


def test_a_roland_kits_hi_hat_edge_strokes_are_heard(store, tmp_path):
    """Keys 22 and 26 (Roland V-Drums' closed and open hi-hat edge) have no General MIDI
    sound: they render as the GM hi-hats, and the stored MIDI keeps the kit's keys."""
    from analysis.convert import PERCUSSION_CHANNEL
    from improv.playback import render
    from improv.playback.render import render_session

    assert render._PERCUSSION == PERCUSSION_CHANNEL  # playback keeps its own copy (rooms)
    w = store.create_session(client="C07", players=["drums"])
    w.add_midi_input("TD-17", player="drums")
    for k, key in enumerate((22, 26)):
        w.midi(0.2 + k, player="drums", port="TD-17", data=bytes([0x99, key, 110]))
        w.midi(0.3 + k, player="drums", port="TD-17", data=bytes([0x89, key, 0]))
    sid = w.finalize(duration_s=2.5)["id"]
    y, _ = _read(render_session(store.session(sid), to=tmp_path / "r.wav").read_bytes())
    for t in (0.2, 1.2):
        assert np.max(np.abs(y[int(t * SR):int((t + 0.15) * SR)])) > 0.01, t
    ev = store.session(sid).midi_events(players=["drums"])
    assert [bytes(d)[1] for d in ev.raw] == [22, 22, 26, 26]


def test_render_mix_has_the_recordings_and_the_midi(run_cli, store, duet, tmp_path):
    r = run_cli("render", duet, "--to", tmp_path / "mix.wav", "--mix")
    assert r.exit_code == 0, r.stderr
    y, sr = _read((tmp_path / "mix.wav").read_bytes())
    assert sr == SR and 3.0 <= len(y) / SR <= 5.0 and y.shape[1] == 2
    # the clicks, at full level on both channels (a mono recording goes to both outputs)
    for t in (0.5, 1.5):
        assert np.all(y[int(t * SR) + 10] > 0.75)
    # the rendered notes: sound where no click is
    assert np.max(np.abs(y[int(0.25 * SR):int(0.45 * SR)])) > 0.01
    assert np.max(np.abs(y[int(2.1 * SR):int(2.9 * SR)])) > 0.01
    only = run_cli("render", duet, "--to", tmp_path / "t.wav", "--mix", "--players", "therapist")
    assert only.exit_code == 0, only.stderr
    t, _ = _read((tmp_path / "t.wav").read_bytes())
    assert len(t) == 3 * SR  # no rendering: exactly the session
    np.testing.assert_array_equal(t[:, 0], _clicks(3.0, [0.5, 1.5]))


@pytest.mark.parametrize("args, message", [
    (["--mix", "--sr", "44100"], "sr must be the recordings' rate (48000 Hz)"),
    (["--mix", "--players", "nobody"], "unknown player(s) nobody"),
])
def test_render_mix_errors_leave_the_store_unchanged(run_cli, store, duet, tmp_path, args,
                                                     message):
    from tests.sessions.helpers import tree_snapshot

    before = tree_snapshot(store.root)
    r = run_cli("render", duet, "--to", tmp_path / "r.wav", *args)
    assert r.exit_code == 1 and r.stderr.startswith("error: ") and message in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
    assert tree_snapshot(store.root) == before and not (tmp_path / "r.wav").exists()


def test_render_mix_with_nothing_to_hear(run_cli, store, tmp_path):
    w = store.create_session(client="C07", players=["client"])
    sid = w.finalize(duration_s=1.0)["id"]
    r = run_cli("render", sid, "--to", tmp_path / "r.wav", "--mix")
    assert r.exit_code == 1 and "nothing to hear for client" in r.stderr, r.stderr


def test_wav_ranges_are_slices_of_the_whole(store, duet):
    from improv.playback.mix import session_mix, wav_bytes, wav_size

    m = session_mix(store.session(duet))
    size = wav_size(m, duration=3.0)
    whole = b"".join(wav_bytes(m, duration=3.0, start=0, end=size - 1))
    assert len(whole) == size == 44 + 3 * SR * 2 * 2
    for a, b in ((0, 10), (30, 5000), (4001, 4001), (size - 7, size - 1), (123457, 333333)):
        assert b"".join(wav_bytes(m, duration=3.0, start=a, end=b)) == whole[a:b + 1]
