"""A player's audio that hears the player's own MIDI is reported at the MIDI's metrical level
where the MIDI's pulse is clear, through the real store (:mod:`analysis.heard`,
:func:`improv.analyze.sources.heard_notes`)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

import analysis
import analysis.heard
from improv.analyze import analyze_session
from improv.analyze.sources import drift_corrected, on_input_clock
from tests.analysis.test_audio import SR, clicks
from tests.analysis.test_metre import six_eight
from tests.sessions.helpers import write_midi

SECONDS = 40.0


def _tempo(summary: dict) -> float:
    return summary["tempo_bpm"] or summary["tempo_bpm_tentative"]


@pytest.fixture
def six_eight_session(tmp_path, store, rng):
    """A client's 6/8 piece from a keyboard (MIDI) and a microphone (WAV) at once: the MIDI's
    long bass chords mark the dotted quarter (60 BPM), the microphone hears six even eighths."""
    from sessions.importer import import_files

    notes, _ = six_eight(rng, seconds=SECONDS)
    events = [(float(t), 0, int(p), int(v))
              for t, p, v in zip(notes.start, notes.pitch, notes.velocity, strict=True)]
    mid = write_midi(tmp_path / "keys.mid", tracks={"client": events})
    heard = np.sort(notes.start[(notes.pitch == 36) | (notes.pitch == 72)])  # one per eighth
    sf.write(tmp_path / "mic.wav", clicks(heard, SECONDS, rng=rng), SR, subtype="FLOAT")
    m = import_files(store, [mid, tmp_path / "mic.wav"],
                     players=["client=keys.mid:2", "client=mic.wav"])
    return m["id"], tmp_path / "mic.wav"


def test_the_microphone_reads_the_tempo_of_its_clear_keyboard(store, six_eight_session):
    sid, wav = six_eight_session
    client = analyze_session(store, sid)["players"]["client"]["sources"]
    midi = client["midi"]["summary"]
    audio = next(v["summary"] for k, v in client.items() if k != "midi")
    assert midi["pulse"] == "clear" and midi["tempo_bpm"] == pytest.approx(60.0, rel=0.04)
    assert audio["tempo_level_from"] == "midi"
    assert _tempo(audio) == pytest.approx(60.0, rel=0.04)
    # the same recording analysed without its keyboard reads another level: the stored
    # result is the keyboard's doing, not the audio's own
    y, sr = sf.read(wav, dtype="float32")
    alone = analysis.analyze_audio(y, sr=sr, duration=SECONDS).summary
    assert alone["tempo_level_from"] == "audio"
    assert analysis.heard.level_factor(_tempo(alone), 60.0) not in (None, 1.0)
    # the printed report says where the level came from, in words
    from improv.reports.report import session_report_html

    html = session_report_html(store, sid)
    assert html.count("the player&#x27;s MIDI, which this recording hears") == 1


def test_an_intermittent_keyboard_vouches_for_nothing(store):
    """The demo's client plays phrases with rubato: its MIDI's pulse is intermittent, so its
    microphone keeps its own reading."""
    from improv.demo import create_demo_session

    sid = create_demo_session(store)["id"]
    client = analyze_session(store, sid)["players"]["client"]["sources"]
    assert client["midi"]["summary"]["pulse"] != "clear"
    assert client["audio"]["summary"]["tempo_level_from"] == "audio"


@pytest.mark.parametrize("ppm", [0.0, 85.0, -40.0])
def test_notes_go_onto_the_inputs_own_clock(ppm):
    inp = SimpleNamespace(t0=1.25, drift_ppm=ppm)
    t = np.array([0.0, 10.0, 3600.0])
    np.testing.assert_allclose(drift_corrected(on_input_clock(t, inp), inp), t, atol=1e-9)
    if ppm:  # an input whose clock runs fast has seen more of its own seconds by then
        assert np.sign(on_input_clock(t, inp)[-1] - t[-1]) == np.sign(ppm)
