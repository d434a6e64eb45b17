"""The percussive share of audio, and the metre's audio cues it gates (analysis 1.13.0)."""

from __future__ import annotations

import numpy as np
import pytest

import analysis
import analysis.audio_pulse as audio_pulse
from analysis.percussive import ExcerptSampler, _median_split, percussive_share

SR = 22050


def _tone(f: float, dur: float, *, amp: float) -> np.ndarray:
    t = np.arange(int(dur * SR)) / SR
    return amp * np.exp(-3.0 * t) * sum(np.sin(2 * np.pi * f * k * t) / k for k in (1, 2, 3, 4))


def _burst(dur: float, rng: np.random.Generator, *, amp: float) -> np.ndarray:
    n = int(dur * SR)
    return amp * np.exp(-40.0 * np.arange(n) / SR) * rng.standard_normal(n)


def _performance(kind: str, *, group: int, seconds: float = 40.0, ioi: float = 0.2,
                 seed: int = 0) -> np.ndarray:
    """Eighth notes every ``ioi`` seconds (1 % timing noise), every ``group``-th accented: a
    bass note under a fifth (pitched) or a long loud noise burst (drums); the others are
    short melody notes or short quiet bursts."""
    rng = np.random.default_rng(seed)
    y = np.zeros(int((seconds + 2) * SR))
    t, k = 0.0, 0
    while t < seconds:
        strong = k % group == 0
        if kind == "pitched":
            x = (_tone(110.0, 1.0, amp=0.5) + _tone(330.0, 1.0, amp=0.3) if strong
                 else _tone(float(rng.choice([440, 494, 523, 587])), 0.6, amp=0.2))
        else:
            x = _burst(0.3, rng, amp=0.6) if strong else _burst(0.08, rng, amp=0.2)
        i = int(t * SR)
        y[i:i + x.size] += x[:y.size - i]
        t += ioi * (1 + 0.01 * rng.standard_normal())
        k += 1
    return y.astype(np.float32)


def test_median_split_is_librosas_hpss():
    librosa = pytest.importorskip("librosa")
    rng = np.random.default_rng(3)
    mag = np.abs(rng.standard_normal((120, 90))).astype(np.float32)
    mag[:, 40:45] = 0.0  # silent frames: both masks split 0.5 / 0.5, as librosa does
    mh, mp = _median_split(mag, kernel=31)
    lh, lp = librosa.decompose.hpss(mag, mask=True)
    np.testing.assert_allclose(mh, lh, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(mp, lp, rtol=1e-6, atol=1e-7)


def test_sustained_tones_read_pitched_and_noise_bursts_percussive():
    tones = analysis.analyze_audio(_performance("pitched", group=3), sr=SR).summary
    drums = analysis.analyze_audio(_performance("drums", group=3), sr=SR).summary
    assert tones["percussive_share"] < 0.1
    assert drums["percussive_share"] > 0.9


def test_silence_and_a_too_short_clip_have_no_share():
    assert analysis.analyze_audio(np.zeros(SR * 5, np.float32), sr=SR).summary[
        "percussive_share"] is None
    # a noise floor under the silence gate (-50 dBFS) is silence too, not a drum
    hiss = (3e-4 * np.random.default_rng(1).standard_normal(SR * 5)).astype(np.float32)
    quiet = analysis.analyze_audio(hiss, sr=SR).summary
    assert quiet["status"] == "silent" and quiet["percussive_share"] is None
    # 0.5 s is 22 frames, fewer than the median filter's 31
    short = _performance("pitched", group=3, seconds=0.5)[:SR // 2]
    assert analysis.analyze_audio(short, sr=SR).summary["percussive_share"] is None
    assert percussive_share([]) is None


def _frames(n: int) -> np.ndarray:
    """Frame ``i`` holds the value ``i`` in both of its bins."""
    return np.repeat(np.arange(n, dtype=np.float32)[:, None], 2, axis=1)


@pytest.mark.parametrize("n", [5, 40, 1000, 5000])
def test_sampler_keeps_evenly_spread_excerpts_whatever_the_block_sizes(n):
    rng = np.random.default_rng(n)
    one = ExcerptSampler(length=10, keep=8)
    one.push(_frames(n))
    blocks = ExcerptSampler(length=10, keep=8)
    frames, pos = _frames(n), 0
    while pos < n:
        step = int(rng.integers(1, 37))
        blocks.push(frames[pos:pos + step])
        pos += step
    a, b = one.excerpts(), blocks.excerpts()
    assert len(a) == len(b) <= 8
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    starts = [int(x[0, 0]) for x in a]
    # every excerpt is a run of consecutive frames starting at a multiple of the spacing
    for x, s in zip(a, starts, strict=True):
        assert s % one.spacing == 0
        np.testing.assert_array_equal(x[:, 0], np.arange(s, s + x.shape[0]))
        assert x.shape[0] == min(10, n - s)
    # and they cover the stream: the last starts within one spacing of its end
    assert starts[0] == 0 and n - starts[-1] <= one.spacing
    assert np.all(np.diff(starts) == one.spacing)


def test_sampler_takes_complex_spectra_as_magnitudes():
    s = ExcerptSampler(length=4, keep=2)
    s.push(np.array([[3 + 4j], [0 - 1j], [1 + 0j]]))
    np.testing.assert_array_equal(s.excerpts()[0][:, 0], [5.0, 1.0, 1.0])


def test_sampler_passes_over_frames_without_sound():
    s = ExcerptSampler(length=3, keep=2)
    frames = _frames(10)
    s.push(frames[:6], sounding=np.array([False, True, False, True, True, False]))
    s.push(frames[6:], sounding=np.array([True, False, False, True]))
    # the sounding frames 1, 3, 4, 6, 9 are the stream: back-to-back excerpts of three
    assert [x[:, 0].tolist() for x in s.excerpts()] == [[1.0, 3.0, 4.0], [6.0, 9.0]]
    assert s.n_frames == 5


def test_sounding_frames_tells_digital_silence_from_a_quiet_room():
    from analysis.percussive import SOUNDING_DBFS, sounding_frames

    room = 10 ** (-70 / 20) * np.random.default_rng(2).standard_normal(4096)  # -70 dBFS
    buf = np.concatenate([np.zeros(4096), room, np.zeros(4096)]).astype(np.float32)
    got = sounding_frames(buf, n_frames=23, n_fft=512, hop=512)
    assert got.tolist() == [False] * 8 + [True] * 8 + [False] * 7
    assert SOUNDING_DBFS < -70


@pytest.mark.parametrize("kind", ["pitched", "drums"])
def test_a_recording_that_starts_late_keeps_its_share(kind):
    """A recording padded with 10 minutes of silence before it (an input that joined the
    session late): its share is that of its sound, not lost between excerpts spread over the
    session's clock (before 1.22.0 it was None)."""
    y = _performance(kind, group=3, seconds=12.0)
    alone = analysis.analyze_audio(y, sr=SR).summary["percussive_share"]
    late = np.concatenate([np.zeros(600 * SR, np.float32), y])
    padded = analysis.analyze_audio(late, sr=SR).summary["percussive_share"]
    assert padded is not None and abs(padded - alone) < 0.01


def test_sampler_rejects_an_odd_keep():
    with pytest.raises(ValueError, match="even keep"):
        ExcerptSampler(length=4, keep=3)


def test_pitched_audio_takes_the_level_its_accents_mark():
    """Eighths at 300 per minute with a bass note every third: the beat is the dotted quarter
    (100 BPM); the tempo stage alone reads 150 BPM (3:2) and no clear pulse."""
    y = _performance("pitched", group=3)
    s = analysis.analyze_audio(y, sr=SR).summary
    assert s["percussive_share"] < audio_pulse.PITCHED_SHARE
    assert s["pulse"] == "clear"
    assert s["tempo_bpm"] == pytest.approx(100.0, rel=0.03)


def test_pitched_audio_without_the_cues_is_the_tempo_stage(monkeypatch):
    # as before 1.13.0: no cues, the envelope's heights in dB. Since 1.16.0 the tempo stage
    # alone finds the dotted quarter too (its pulse trains are scored at the tempo, not the
    # grid bin: analysis.level_choice.TIE_SPREAD); before, it read the 3:2 level and no clear pulse
    from analysis import level_choice

    monkeypatch.setattr(audio_pulse, "PITCHED_SHARE", 0.0)
    monkeypatch.setattr(audio_pulse, "PERCUSSIVE_HEIGHTS", "dB")
    y = _performance("pitched", group=3)
    s = analysis.analyze_audio(y, sr=SR).summary
    assert s["pulse"] == "clear" and s["tempo_bpm"] == pytest.approx(100.0, rel=0.03)
    monkeypatch.setattr(level_choice, "TIE_SPREAD", 0.0)
    s = analysis.analyze_audio(y, sr=SR).summary
    assert s["pulse"] != "clear"
    assert s["tempo_bpm_tentative"] == pytest.approx(150.0, rel=0.03)


def test_drum_audio_keeps_the_tempo_stage_level(monkeypatch):
    """The same accents on noise bursts: the cues would move the level (as they move real
    grooves off theirs), so drums keep the tempo stage's result."""
    y = _performance("drums", group=3)
    shipped = analysis.analyze_audio(y, sr=SR).summary
    assert shipped["percussive_share"] >= audio_pulse.PITCHED_SHARE
    monkeypatch.setattr(audio_pulse, "PITCHED_SHARE", 0.0)
    stage = analysis.analyze_audio(y, sr=SR).summary
    monkeypatch.setattr(audio_pulse, "PITCHED_SHARE", 1.01)
    cued = analysis.analyze_audio(y, sr=SR).summary
    assert (shipped["pulse"], shipped["tempo_bpm"]) == (stage["pulse"], stage["tempo_bpm"])
    assert cued["tempo_bpm"] != pytest.approx(shipped["tempo_bpm"], rel=0.1)


def test_log_heights_are_log1p_of_the_db_heights():
    from analysis.errors import ParameterError
    from analysis.onsets import onset_peaks

    fr = 100.0
    env = np.zeros(300)
    env[[50, 150, 250]] = [2.0, 8.0, 0.2]  # the last is under the 0.3 dB floor
    db = onset_peaks(env, frame_rate=fr, smooth=0.0)
    lg = onset_peaks(env, frame_rate=fr, smooth=0.0, heights="log")
    np.testing.assert_allclose(lg, np.log1p(db))
    assert lg[250] == 0.0 and lg[150] / lg[50] < db[150] / db[50]
    with pytest.raises(ParameterError, match="heights"):
        onset_peaks(env, frame_rate=fr, heights="linear")


@pytest.mark.parametrize("kind", ["pitched", "drums"])
def test_only_percussive_audio_takes_the_percussive_heights(monkeypatch, kind):
    """The tempo envelope's heights for percussive audio (log since 1.13.0) leave pitched
    audio as it was and change what drum audio's windows measure."""
    y = _performance(kind, group=2, seconds=30.0)
    curves = {}
    for heights in ("dB", "log"):
        monkeypatch.setattr(audio_pulse, "PERCUSSIVE_HEIGHTS", heights)
        curves[heights] = analysis.analyze_audio(y, sr=SR).curves["pulse_clarity"][1]
    same = np.allclose(curves["dB"], curves["log"], equal_nan=True)
    assert same == (kind == "pitched")


@pytest.mark.parametrize("group", [2, 4])
def test_drum_sixteenths_keep_their_beat_over_the_dotted_level(group, monkeypatch):
    """Sixteenths at 120 BPM (every 0.125 s), every second or fourth accented: the level is
    the beat (or its double), not the dotted quarter at 80 BPM, whose pulse trains won the
    tie-break before 1.16.0 only because the beat's grid tempo (119.2) missed the strokes'
    (:data:`analysis.level_choice.TIE_SPREAD`)."""
    from analysis import level_choice

    y = _performance("drums", group=group, ioi=0.125)
    s = analysis.analyze_audio(y, sr=SR).summary
    level = s["tempo_bpm"] or s["tempo_bpm_tentative"]
    assert min(abs(np.log2(level / 120.0)), abs(np.log2(level / 240.0))) < 0.03
    if group == 2:
        assert s["pulse"] == "clear"
    monkeypatch.setattr(level_choice, "TIE_SPREAD", 0.0)  # as before 1.16.0
    before = analysis.analyze_audio(y, sr=SR).summary
    assert before["pulse"] == "clear" and before["tempo_bpm"] == pytest.approx(80.0, rel=0.02)


def test_a_3_2_bound_for_drums_would_take_clear_from_steady_playing(monkeypatch):
    """Why :data:`analysis.audio_pulse.PERCUSSIVE_CROSS_SHARE` is off: accented eighths, read at
    the right level, have a 3:2 rival of about 0.45 by nature. The bound reaches drums only."""
    y = _performance("drums", group=2, ioi=0.2)  # 150 BPM
    assert analysis.analyze_audio(y, sr=SR).summary["pulse"] == "clear"
    monkeypatch.setattr(audio_pulse, "PERCUSSIVE_CROSS_SHARE", 0.4)
    s = analysis.analyze_audio(y, sr=SR).summary
    assert s["pulse"] == "intermittent"
    assert s["tempo_bpm_tentative"] == pytest.approx(150.0, rel=0.02)
    tones = analysis.analyze_audio(_performance("pitched", group=3), sr=SR).summary
    assert tones["pulse"] == "clear"


def test_keeping_drum_audio_from_the_slower_tie_reaches_drums_only(monkeypatch):
    """:data:`analysis.audio_pulse.PERCUSSIVE_SLOWER_TIE` (measured, off): sixteenths at 120 BPM
    with every third stroke accented read as the dotted level, 80 BPM, with a clear pulse; kept from
    the slower move the level stays on the strokes' grid and the pulse is not called clear.
    Pitched audio keeps its tempo either way."""
    y = _performance("drums", group=3, ioi=0.125)
    s = analysis.analyze_audio(y, sr=SR).summary
    assert s["pulse"] == "clear" and s["tempo_bpm"] == pytest.approx(80.0, rel=0.02)
    tones = _performance("pitched", group=3)
    before = analysis.analyze_audio(tones, sr=SR).summary
    monkeypatch.setattr(audio_pulse, "PERCUSSIVE_SLOWER_TIE", False)
    s = analysis.analyze_audio(y, sr=SR).summary
    assert s["pulse"] != "clear" and s["tempo_bpm_tentative"] == pytest.approx(120.0, rel=0.02)
    after = analysis.analyze_audio(tones, sr=SR).summary
    assert (after["pulse"], after["tempo_bpm"]) == (before["pulse"], before["tempo_bpm"])
