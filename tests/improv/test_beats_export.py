"""Beats in the output (issue 17): ``analyze --curves`` carries the tempo at each tracked beat,
``improv beats export`` writes a player's beats as a Sonic Visualiser time-instants layer.

The session is imported from a click track (audio) and a keyboard part (MIDI) whose beats are
known: 120 BPM clicks from 0.5 s, and notes on a tempo map that speeds up from 100 to 125 BPM.
"""

from __future__ import annotations

import csv
import io
import stat

import numpy as np
import pytest
import soundfile as sf

from sessions.interop import from_sonic_visualiser
from tests.sessions.helpers import tree_snapshot, write_midi

SR = 22050
DURATION = 30.0
#: The click track's beats [seconds]: 120 BPM from 0.5 s.
CLICKS = np.arange(0.5, DURATION - 0.5, 0.5)


def _keyboard_beats() -> np.ndarray:
    """A tempo map from 100 to 125 BPM over the session (an accelerando)."""
    t, out = 0.3, []
    while t < DURATION - 0.6:
        out.append(t)
        t += 60.0 / (100.0 + 25.0 * t / DURATION)
    return np.asarray(out)


KEYS = _keyboard_beats()


def _click_track() -> np.ndarray:
    """Decaying noise bursts (20 ms) exactly at :data:`CLICKS`."""
    rng = np.random.default_rng(3)
    y = np.zeros(int(DURATION * SR), np.float32)
    n = int(0.02 * SR)
    env = np.exp(-np.arange(n) / (0.004 * SR))
    for t in CLICKS:
        i = int(round(t * SR))
        y[i:i + n] += (0.5 * rng.standard_normal(n) * env).astype(np.float32)
    return y


@pytest.fixture
def clicks(tmp_path, store):
    """Session: ``drums`` = the click track (audio), ``keys`` = the accelerando (MIDI),
    ``pads`` = two notes (no pulse)."""
    from sessions.importer import import_files

    sf.write(tmp_path / "clicks.wav", _click_track(), SR, subtype="FLOAT")
    keys = [(float(t), 0, 60 + (i % 3) * 4, 90) for i, t in enumerate(KEYS)]
    mid = write_midi(tmp_path / "keys.mid", tracks={"keys": keys,
                                                   "pads": [(2.0, 9, 38, 80), (17.0, 9, 38, 80)]})
    m = import_files(store, [mid, tmp_path / "clicks.wav"], client="C01",
                     players=["keys=keys.mid:2", "pads=keys.mid:3", "drums=clicks.wav"])
    return m["id"]


def _near(est, ref, tol: float) -> float:
    """Share of ``est`` within ``tol`` seconds of a time in ``ref``."""
    est, ref = np.asarray(est), np.asarray(ref)
    return float(np.mean(np.abs(est[:, None] - ref[None, :]).min(axis=1) <= tol))


def test_curves_carry_the_tempo_at_each_beat(run_cli, clicks, tmp_path):
    out = tmp_path / "curves.csv"
    r = run_cli("analyze", clicks, "--players", "keys,drums", "--curves", out)
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    beat = {(p, c): [] for p, c in [("drums", "audio.beat_tempo_bpm"),
                                     ("keys", "midi.beat_tempo_bpm")]}
    for row in rows:
        if (row["player"], row["curve"]) in beat:
            beat[row["player"], row["curve"]].append((float(row["t"]), float(row["value"])))
    # the click track: a point at each click but the first (within 20 ms), all at 120 BPM
    t, bpm = np.array(beat["drums", "audio.beat_tempo_bpm"]).T
    assert t.size >= CLICKS.size - 4
    assert _near(t, CLICKS[1:], 0.02) == 1.0
    # audio beats fall on 23.2 ms onset frames (512 / 22050 Hz): one frame more or less in a
    # 0.5 s interval is 4.6 %; over the track the intervals average out to the click rate
    assert np.all(np.abs(bpm / 120 - 1) < 0.06)
    assert 60.0 / np.mean(60.0 / bpm) == pytest.approx(120, abs=0.5)
    # the keyboard: the accelerando beat by beat (the windowed curve smooths it)
    t, bpm = np.array(beat["keys", "midi.beat_tempo_bpm"]).T
    assert _near(t, KEYS, 0.02) > 0.95
    expected = 100.0 + 25.0 * t / DURATION
    assert np.median(np.abs(bpm / expected - 1)) < 0.02
    assert bpm[-5:].mean() - bpm[:5].mean() > 15  # it speeds up
    # the same rows on stdout with --csv; none for the player without a pulse
    r = run_cli("analyze", clicks, "--csv")
    assert r.exit_code == 0, r.stderr
    assert "keys,midi.beat_tempo_bpm," in r.stdout
    assert "pads,midi.beat_tempo_bpm" not in r.stdout


def test_beats_export_is_a_sonic_visualiser_instants_layer(run_cli, clicks, tmp_path):
    out = tmp_path / "drums-beats.csv"
    r = run_cli("beats", "export", clicks, "--player", "drums", "--to", out)
    assert r.exit_code == 0, r.stderr
    assert r.stderr.startswith("wrote ") and "of drums (audio, pulse clear)" in r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    lines = out.read_text().splitlines()
    # svcore's CSVFormat: a header row (no cell a number) whose "time" heading makes the start
    # time and "label" a label, no value column: a one-dimensional (time-instants) layer
    assert lines[0] == "time,label"
    assert all(len(ln.split(",")) == 2 for ln in lines)
    times = [float(ln.split(",")[0]) for ln in lines[1:]]
    assert len(times) >= CLICKS.size - 3
    assert _near(times, CLICKS, 0.02) == 1.0
    assert np.all(np.diff(times) > 0)
    # our own Sonic Visualiser reader reads the layer back: the same instants, numbered
    back = from_sonic_visualiser(out.read_text())
    assert [a["t"] for a in back] == pytest.approx(times, abs=1e-6)
    assert [a["end"] for a in back] == [None] * len(times)
    assert [a["text"] for a in back] == [str(i) for i in range(1, len(times) + 1)]
    # the same beats as analyze --json, on stdout without --to
    r = run_cli("analyze", clicks, "--players", "drums", "--json")
    assert times == pytest.approx(r.json()["players"]["drums"]["sources"]["audio"]["beats"],
                                  abs=1e-6)
    r = run_cli("beats", "export", clicks, "--player", "keys", "--source", "midi")
    assert r.exit_code == 0, r.stderr
    keys = [float(ln.split(",")[0]) for ln in r.stdout.splitlines()[1:]]
    assert _near(keys, KEYS, 0.02) > 0.95 and _near(KEYS[2:-2], keys, 0.02) > 0.95


def test_beats_of_a_recording_that_starts_late_lie_on_it_with_clock_file(run_cli, store,
                                                                         tmp_path):
    """The click track imported 2.5 s into the session (``--offset``): its beats are 2.5 s
    later on the session clock, which every output uses, so laid over the WAV in Sonic
    Visualiser they missed every click by 2.5 s, silently. ``--clock file`` gives them on the
    recording's own clock, and the session-clock export says where the recording starts."""
    from sessions.importer import import_files

    sf.write(tmp_path / "clicks.wav", _click_track(), SR, subtype="FLOAT")
    sid = import_files(store, [tmp_path / "clicks.wav"], client="C01",
                       players=["drums=clicks.wav"], offset={"clicks.wav": 2.5})["id"]

    session = run_cli("beats", "export", sid, "--player", "drums")
    assert session.exit_code == 0, session.stderr
    assert session.stderr == ("note: audio/clicks.wav starts 2.500 s into the session; these "
                              "beats are on the session clock: give --clock file to lay them "
                              "over that recording\n")
    on_session = [a["t"] for a in from_sonic_visualiser(session.stdout)]
    assert _near(on_session, CLICKS + 2.5, 0.02) == 1.0

    out = tmp_path / "file-clock.csv"
    r = run_cli("beats", "export", sid, "--player", "drums", "--clock", "file", "--to", out)
    assert r.exit_code == 0, r.stderr
    assert "note:" not in r.stderr
    on_file = [a["t"] for a in from_sonic_visualiser(out.read_text())]
    assert _near(on_file, CLICKS, 0.02) == 1.0
    assert on_file == pytest.approx(np.array(on_session) - 2.5, abs=1e-6)


def test_beats_on_the_file_clock_of_midi_are_those_of_session_mid(run_cli, clicks):
    """MIDI's file is session.mid, which starts with the session: the same times, no note."""
    a = run_cli("beats", "export", clicks, "--player", "keys")
    b = run_cli("beats", "export", clicks, "--player", "keys", "--clock", "file")
    assert a.exit_code == b.exit_code == 0 and a.stdout == b.stdout
    assert a.stderr == b.stderr == ""


@pytest.mark.parametrize("args, message", [
    (["--player", "nobody"],
     "session {sid} has no player 'nobody' (players: keys, pads, drums) (option --player)"),
    (["--player", "drums", "--source", "midi"],
     "player 'drums' of session {sid} has no source 'midi' (sources: audio) (option --source)"),
    (["--player", "pads"], "player 'pads' of session {sid} has no tracked beats (midi: pulse "),
    (["--player", "drums", "--to", "{tmp}/beats.txt"], "--to must end in .csv, got 'beats.txt'"),
    (["--player", "drums", "--to", "{tmp}/old.csv"], "exists already"),
    (["--player", "drums", "--to", "{tmp}/no/such.csv"], "folder {tmp}/no does not exist"),
])
def test_beats_export_refuses_bad_input_and_changes_nothing(run_cli, clicks, store_path,
                                                            tmp_path, args, message):
    (tmp_path / "old.csv").write_text("mine\n")
    before = tree_snapshot(store_path)
    fill = {"sid": clicks, "tmp": str(tmp_path)}
    r = run_cli("beats", "export", clicks, *[a.format(**fill) for a in args])
    assert r.exit_code == 1, r.stdout
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    assert message.format(**fill) in r.stderr
    assert r.stdout == ""
    assert tree_snapshot(store_path) == before
    assert (tmp_path / "old.csv").read_text() == "mine\n"


def test_beats_export_of_an_unknown_session(run_cli, store):
    r = run_cli("beats", "export", "20990101-000000-abcd", "--player", "drums")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("error: no session 20990101-000000-abcd in ")


def test_beats_export_needs_a_player(run_cli, clicks):
    r = run_cli("beats", "export", clicks)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("error: improv beats export needs --player NAME")


def test_player_beats_refuses_an_unknown_clock(store, clicks):
    from improv.analyze.beats import player_beats
    from improv.errors import ParameterError

    with pytest.raises(ParameterError, match="clock must be one of session, file, got 'wall'"):
        player_beats(store, clicks, player="drums", clock="wall")


def test_beats_export_refuses_an_unknown_clock(run_cli, clicks):
    r = run_cli("beats", "export", clicks, "--player", "drums", "--clock", "wall")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr == "error: --clock must be session or file, got 'wall'\n"
