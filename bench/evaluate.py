"""Measure analysis/ against real annotated recordings, side by side with baselines.

Usage::

    .venv/bin/python bench/evaluate.py [--data ../shared/evaldata] [--no-render] [--only midi|audio]
    .venv/bin/python bench/evaluate.py --cv [--render-dir DIR] [--cache DIR] [-v]

Reads the evaluation data (never copies it), hands the analyser note times, pitches and
velocities only (never tempo meta events or file names), renders the MIDI performances to audio
with FluidSynth in a temporary directory, and prints per kind:

* Acc1 (tempo within 4 %) and Acc2 (also allowing x2, x1/2, x3, x1/3), MIREX style, and for
  the analysis also T1|T2: its tempo or its runner-up metrical level within 4 %;
* onset F-measure at 50 ms (mir_eval) for audio with onset annotations and for the renderings
  (reference: the MIDI note onsets, chords merged within 30 ms);
* for the ASAP piano performances: median relative error of the tempo curve against the tempo
  from the annotated beats, per analysis window (strict, and after one per-file metrical factor
  from {1/3, 1/2, 1, 2, 3}).

Baselines: ``pretty_midi.PrettyMIDI.estimate_tempo`` and librosa's tempo on a velocity-weighted
onset envelope (MIDI); librosa's default ``feature.tempo`` and ``onset.onset_detect`` (audio).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import analysis  # noqa: E402
from analysis.convert import PERCUSSION_CHANNEL, NoteTable  # noqa: E402

FACTORS = (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0)
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
RENDER_SR = 44100


def acc(est: float, ref: float) -> tuple[bool, bool]:
    """MIREX tempo accuracy: (Acc1 within 4 %, Acc2 allowing x2, x1/2, x3, x1/3)."""
    if not est or est <= 0:
        return False, False
    a1 = abs(est - ref) <= 0.04 * ref
    a2 = any(abs(est - f * ref) <= 0.04 * f * ref for f in FACTORS)
    return a1, a2


def read_tsv_times(path: Path) -> np.ndarray:
    out = []
    with open(path) as fh:
        for row in csv.reader(fh, delimiter="\t"):
            try:
                out.append(float(row[0]))
            except (ValueError, IndexError):
                continue
    return np.asarray(out, dtype=np.float64)


def load_notes(path: Path) -> tuple[NoteTable, float]:
    """Note times/pitches/velocities only (pretty_midi resolves ticks to seconds); a drum
    track's notes on the GM percussion channel, the others on channel 0."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(str(path))
    s, e, p, v, c = [], [], [], [], []
    for inst in pm.instruments:
        for n in inst.notes:
            s.append(n.start)
            e.append(n.end)
            p.append(n.pitch)
            v.append(n.velocity)
            c.append(PERCUSSION_CHANNEL if inst.is_drum else 0)
    nt = NoteTable.from_arrays(s, e, p, v, channel=c)
    return nt, float(max(e) if e else 0.0)


def velocity_envelope(nt: NoteTable, duration: float) -> tuple[np.ndarray, int, int]:
    """The MIDI baselines' onset envelope: velocity / 127 summed per librosa frame (22,050 Hz,
    hop 512); (envelope, sr, hop)."""
    sr, hop = 22050, 512
    n = int(np.ceil(duration * sr / hop)) + 1
    env = np.bincount(np.round(nt.start * sr / hop).astype(int), weights=nt.velocity / 127.0,
                      minlength=n).astype(float)
    return env, sr, hop


def baseline_midi(path: Path, nt: NoteTable, duration: float) -> dict[str, float]:
    import librosa
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pm_t = float(pm.estimate_tempo())
    env, sr, hop = velocity_envelope(nt, duration)
    lb_t = float(librosa.feature.tempo(onset_envelope=env, sr=sr, hop_length=hop)[0])
    return {"pretty_midi.estimate_tempo": pm_t, "librosa tempo (velocity env)": lb_t}


def beat_tempo_windows(beats: np.ndarray, times: np.ndarray, window: float) -> np.ndarray:
    """Reference tempo per analysis window: 60 / median inter-beat interval inside it."""
    out = np.full(times.shape, np.nan)
    for i, c in enumerate(times):
        b = beats[(beats >= c - window / 2) & (beats < c + window / 2)]
        if b.size >= 3:
            out[i] = 60.0 / np.median(np.diff(b))
    return out


def curve_errors(est: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    ok = np.isfinite(ref) & (est > 0)
    if not ok.any():
        return float("nan"), float("nan")
    strict = float(np.median(np.abs(est[ok] / ref[ok] - 1)))
    folded = min(float(np.median(np.abs(est[ok] / (f * ref[ok]) - 1))) for f in FACTORS)
    return strict, folded


def merge_onsets(t: np.ndarray, tol: float = 0.03) -> np.ndarray:
    t = np.sort(t)
    if t.size == 0:
        return t
    keep = np.concatenate(([True], np.diff(t) > tol))
    return t[keep]


#: The Groove MIDI Dataset's drum pitches that a General MIDI kit does not play as the drummer
#: played them (its Roland TD-11 map, magenta.tensorflow.org/datasets/groove): the hi-hat's edge
#: strokes, 22 (closed) and 26 (open), are outside GM's percussion keys and sound nothing in
#: FluidR3_GM (about 14 % of the dataset's notes, some 40 % of its hi-hat strokes), and 58, the
#: rim of tom 3, is GM's vibraslap. Each is played as the GM sound of the same drum, as the
#: dataset's own mapping table does. Renderings made before session 21 did without it.
TD11_TO_GM = {22: 42, 26: 46, 58: 43}
#: The map :func:`render` uses by default (``--unmapped-drums``: none, as before session 21).
DRUM_MAP = TD11_TO_GM
#: Whether :func:`render` ends a rendering at the file's last note (``--whole-file-renders``:
#: at the file's end, as before session 22). Some Groove MIDI files go on for minutes after the
#: drummer's last stroke with hi-hat pedal controller messages only (drummer 1's first session:
#: up to 279 s of silence after 105 s of playing); :func:`load_notes` ends the MIDI's analysis
#: at the last note, so a whole-file rendering analysed that silence on the audio side only.
TRIM_TO_NOTES = True
#: Only a file that goes on for longer than this [seconds] after its last sounding message
#: (a note, or the sustain pedal that holds the last chord) is trimmed.
TRIM_TAIL = 2.0
SUSTAIN_PEDAL = 64


def render(mid: Path, outdir: Path, *, drum_map: dict[int, int] | None = None,
           trim: bool | None = None) -> Path:
    """A FluidSynth rendering of a MIDI file, kept in ``outdir`` by the file's content.

    Percussion-channel notes in ``drum_map`` (default :data:`DRUM_MAP`; ``{}``: none) are
    played as the pitch it maps them to. With ``trim`` (default :data:`TRIM_TO_NOTES`) the
    messages after the last note (or sustain-pedal) message are left out when they go on for
    more than :data:`TRIM_TAIL`, so that the rendering ends with the playing and its release,
    near where :func:`load_notes` ends the MIDI. A file that neither changes is rendered as it
    is (and named as before), one that does under a name of its own.
    """
    drum_map = DRUM_MAP if drum_map is None else drum_map
    trim = TRIM_TO_NOTES if trim is None else trim
    data = mid.read_bytes()
    changed, tags = _prepared(mid, drum_map=drum_map, trim=trim)
    key = data
    if "mapped" in tags:
        key += repr(sorted(drum_map.items())).encode()
    if "trimmed" in tags:
        key += b"|trimmed to the last note"
    out = outdir / f"{hashlib.sha1(key).hexdigest()[:12]}.wav"
    if not out.exists():
        with tempfile.TemporaryDirectory() as tmp:
            src = mid
            if changed is not None:
                src = Path(tmp) / "prepared.mid"
                changed.save(str(src))
            subprocess.run(
                ["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", str(RENDER_SR), "-F", str(out),
                 SOUNDFONT, str(src)],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
    return out


def _prepared(mid: Path, *, drum_map: dict[int, int], trim: bool):
    """``(file, tags)``: the MIDI file as :func:`render` plays it (a ``mido.MidiFile``, or
    None when it is played as it is) and what changed (``{"mapped", "trimmed"}``)."""
    import mido

    f = mido.MidiFile(str(mid))
    tags: set[str] = set()
    if drum_map and _map_drums(f, drum_map):
        tags.add("mapped")
    if trim and _trim_after_last_note(f):
        tags.add("trimmed")
    return (f if tags else None), tags


def _map_drums(f, drum_map: dict[int, int]) -> bool:
    """Play the percussion notes in ``drum_map`` as the pitch it maps them to (in place);
    whether any was."""
    changed = False
    for track in f.tracks:
        for k, msg in enumerate(track):
            if (msg.type in ("note_on", "note_off") and msg.channel == PERCUSSION_CHANNEL
                    and msg.note in drum_map):
                track[k] = msg.copy(note=drum_map[msg.note])
                changed = True
    return changed


def _sounding(msg) -> bool:
    """Whether a MIDI message starts, ends or holds a sound: a note, or the sustain pedal."""
    return (msg.type in ("note_on", "note_off")
            or (msg.type == "control_change" and msg.control == SUSTAIN_PEDAL))


def _trim_after_last_note(f) -> bool:
    """Drop every message after the file's last sounding one (:func:`_sounding`) in place, when
    they go on for more than :data:`TRIM_TAIL`, keeping each track's end; whether anything was
    dropped. The cut is made in ticks, the same in every track whatever the tempo map."""
    import mido

    seconds, last_s = 0.0, None
    for msg in f:  # merged tracks, times in seconds
        seconds += msg.time
        if _sounding(msg):
            last_s = seconds
    if last_s is None or seconds - last_s <= TRIM_TAIL:
        return False
    last = max((tick for track in f.tracks
                for tick, msg in zip(np.cumsum([m.time for m in track]), track, strict=True)
                if _sounding(msg)), default=0)
    for i, track in enumerate(f.tracks):
        kept, tick = mido.MidiTrack(), 0
        for msg in track:
            tick += msg.time
            if tick <= last and msg.type != "end_of_track":
                kept.append(msg)
        kept.append(mido.MetaMessage("end_of_track", time=0))
        f.tracks[i] = kept
    return True


def load_audio(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    y, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return y.mean(axis=1), int(sr)


def baseline_audio(path: Path) -> tuple[float, np.ndarray]:
    import librosa

    y, sr = librosa.load(str(path))
    t = float(librosa.feature.tempo(y=y, sr=sr)[0])
    on = librosa.onset.onset_detect(y=y, sr=sr, units="time")
    return t, on


def ours_audio(path: Path) -> tuple[float, np.ndarray, analysis.PlayerAnalysis]:
    y, sr = load_audio(path)
    dur = y.size / sr
    res = analysis.analyze_audio(y, sr=sr, duration=dur)
    return float(res.summary["tempo_bpm"] or 0.0), res.onsets, res


def either_acc1(summary: dict, ref: float) -> bool:
    """MIREX-style "at least one of two tempi": the chosen tempo or the runner-up level, 4 %."""
    return any(acc(float(summary.get(k) or 0.0), ref)[0] for k in ("tempo_bpm", "tempo_alt_bpm"))


class Table:
    def __init__(self, methods: list[str]):
        self.methods = methods
        self.rows: dict[str, dict[str, list]] = {
            m: {"a1": [], "a2": [], "e1": [], "f": [], "ce": [], "cf": []} for m in methods}

    def add(self, m: str, key: str, v) -> None:
        self.rows[m][key].append(v)

    def print(self, title: str) -> None:
        print(f"\n== {title}")
        print(f"{'method':44s} {'n':>3s} {'Acc1':>6s} {'Acc2':>6s} {'T1|T2':>6s} {'onsetF':>7s} "
              f"{'curve err':>10s} {'curve err*':>10s}")
        for m in self.methods:
            r = self.rows[m]

            def fmt(xs, pct=False):
                xs = [x for x in xs if x is not None and np.isfinite(x)]
                if not xs:
                    return "-"
                v = float(np.mean(xs)) if not pct else float(np.median(xs)) * 100
                return f"{v:.3f}" if not pct else f"{v:.1f}%"

            print(f"{m:44s} {len(r['a1']):3d} {fmt(r['a1']):>6s} {fmt(r['a2']):>6s} "
                  f"{fmt(r['e1']):>6s} {fmt(r['f']):>7s} "
                  f"{fmt(r['ce'], True):>10s} {fmt(r['cf'], True):>10s}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--only", choices=["midi", "audio", "rendered"], action="append")
    ap.add_argument("--no-render", action="store_true", help="skip the FluidSynth renderings")
    ap.add_argument("--render-dir", type=Path, default=None,
                    help="reuse renderings here (default: a fresh temporary directory)")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per file")
    ap.add_argument("--cv", action="store_true",
                    help="two-fold cross-validated tempo, beat F and pulse-label figures "
                         "(bench/evaluate_cv.py; renders unless --no-render)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/improv-eval-cache"),
                    help="--cv: envelopes and baselines cached here by file content")
    ap.add_argument("--unmapped-drums", action="store_true",
                    help="render the drums' notes as they are (before session 21: a GM kit "
                         "plays no sound for the Groove MIDI Dataset's hi-hat edge strokes)")
    ap.add_argument("--whole-file-renders", action="store_true",
                    help="render each file to its end (before session 22: some Groove files "
                         "go on for minutes of silence after the last stroke)")
    args = ap.parse_args(argv)
    global DRUM_MAP, TRIM_TO_NOTES
    if args.unmapped_drums:
        DRUM_MAP = {}
    if args.whole_file_renders:
        TRIM_TO_NOTES = False
    if args.cv:
        import evaluate_cv

        rdir = None
        if not args.no_render:
            rdir = args.render_dir or args.cache / "render"
            rdir.mkdir(parents=True, exist_ok=True)
        return evaluate_cv.main(args.data, rdir, args.cache, verbose=args.verbose)
    only = set(args.only or ["midi", "audio", "rendered"])
    if args.no_render:
        only.discard("rendered")
    data = args.data
    rows = list(csv.DictReader(open(data / "manifest.csv")))
    t0 = time.time()
    ours = "analysis (ours)"

    midi_rows = [r for r in rows if r["kind"] == "midi"]
    if "midi" in only:
        tab = Table([ours, "pretty_midi.estimate_tempo", "librosa tempo (velocity env)"])
        for r in midi_rows:
            path = data / r["file"]
            ref = float(r["tempo_bpm"])
            nt, dur = load_notes(path)
            res = analysis.analyze_midi(nt, duration=dur)
            est = {ours: float(res.summary["tempo_bpm"] or 0.0)}
            est.update(baseline_midi(path, nt, dur))
            for m, v in est.items():
                a1, a2 = acc(v, ref)
                tab.add(m, "a1", a1)
                tab.add(m, "a2", a2)
            tab.add(ours, "e1", either_acc1(res.summary, ref))
            if r["beats_file"] and r["file"].startswith("midi/asap"):
                beats = read_tsv_times(data / r["beats_file"])
                times, bpm = res.curves["tempo_bpm"]
                gt = beat_tempo_windows(beats, times, analysis.DEFAULT_WINDOW)
                ce, cf = curve_errors(bpm, gt)
                tab.add(ours, "ce", ce)
                tab.add(ours, "cf", cf)
            if args.verbose:
                print(f"  {Path(r['file']).stem[:50]:50s} ref {ref:7.2f} " +
                      " ".join(f"{v:7.2f}{'*' if acc(v, ref)[1] else ' '}" for v in est.values()) +
                      f" clar {res.summary['pulse_clarity']:.2f}")
        tab.print("MIDI (24 performances: 12 ASAP piano, 12 Groove MIDI drums)")

    if "audio" in only:
        tab = Table([ours, "librosa default (tempo, onset_detect)"])
        for r in [r for r in rows if r["kind"] == "audio"]:
            path = data / r["file"]
            ref = float(r["tempo_bpm"])
            t_ours, on_ours, res = ours_audio(path)
            tab.add(ours, "e1", either_acc1(res.summary, ref))
            t_lb, on_lb = baseline_audio(path)
            ref_on = None
            if r["onsets_file"]:
                ref_on = read_tsv_times(data / r["onsets_file"])
            for m, v, on in ((ours, t_ours, on_ours),
                             ("librosa default (tempo, onset_detect)", t_lb, on_lb)):
                a1, a2 = acc(v, ref)
                tab.add(m, "a1", a1)
                tab.add(m, "a2", a2)
                if ref_on is not None:
                    import mir_eval

                    tab.add(m, "f", mir_eval.onset.f_measure(ref_on, on, window=0.05)[0])
            if args.verbose:
                line = (f"  {Path(r['file']).stem[:50]:50s} ref {ref:7.2f} ours {t_ours:7.2f}"
                        f"{'*' if acc(t_ours, ref)[1] else ' '} librosa {t_lb:7.2f}"
                        f"{'*' if acc(t_lb, ref)[1] else ' '}")
                if ref_on is not None:
                    import mir_eval

                    # one detection matches one annotation: simultaneous annotated hits (kick
                    # and hi-hat) cap the recall at (onsets merged within 30 ms) / (all onsets)
                    cap = len(merge_onsets(np.sort(ref_on))) / max(len(ref_on), 1)
                    prf = [mir_eval.onset.f_measure(ref_on, on, window=0.05)
                           for on in (on_ours, on_lb)]
                    line += (f"  onset F/P/R ours {'/'.join(f'{x:.2f}' for x in prf[0])}"
                             f" librosa {'/'.join(f'{x:.2f}' for x in prf[1])}"
                             f" recall cap {cap:.2f}")
                print(line)
        tab.print("Audio clips (11; onset F on the clips with onset annotations)")

    if "rendered" in only:
        if shutil.which("fluidsynth") is None or not os.path.exists(SOUNDFONT):
            print("\n(rendered: skipped, fluidsynth or FluidR3_GM.sf2 missing)")
        else:
            tmp = None
            outdir = args.render_dir
            if outdir is None:
                tmp = tempfile.TemporaryDirectory(prefix="improv-eval-")
                outdir = Path(tmp.name)
            outdir.mkdir(parents=True, exist_ok=True)
            tab = Table([ours, "librosa default (tempo, onset_detect)"])
            for r in midi_rows:
                path = data / r["file"]
                ref = float(r["tempo_bpm"])
                wav = render(path, outdir)
                nt, _ = load_notes(path)
                ref_on = merge_onsets(nt.start)
                t_ours, on_ours, res = ours_audio(wav)
                tab.add(ours, "e1", either_acc1(res.summary, ref))
                t_lb, on_lb = baseline_audio(wav)
                import mir_eval

                for m, v, on in ((ours, t_ours, on_ours),
                                 ("librosa default (tempo, onset_detect)", t_lb, on_lb)):
                    a1, a2 = acc(v, ref)
                    tab.add(m, "a1", a1)
                    tab.add(m, "a2", a2)
                    tab.add(m, "f", mir_eval.onset.f_measure(ref_on, on, window=0.05)[0])
                if r["beats_file"] and r["file"].startswith("midi/asap"):
                    beats = read_tsv_times(data / r["beats_file"])
                    times, bpm = res.curves["tempo_bpm"]
                    ce, cf = curve_errors(
                        bpm, beat_tempo_windows(beats, times, analysis.DEFAULT_WINDOW))
                    tab.add(ours, "ce", ce)
                    tab.add(ours, "cf", cf)
                if args.verbose:
                    print(f"  {Path(r['file']).stem[:50]:50s} ref {ref:7.2f} ours {t_ours:7.2f}"
                          f"{'*' if acc(t_ours, ref)[1] else ' '} librosa {t_lb:7.2f}"
                          f"{'*' if acc(t_lb, ref)[1] else ' '}")
            tab.print("Rendered MIDI performances (FluidSynth FluidR3_GM, 24; "
                      "onset ref = MIDI onsets)")
            if tmp is not None:
                tmp.cleanup()
    print("\n(T1|T2: the chosen tempo or the runner-up metrical level within 4 %, as MIREX scores "
          "two tempi; the baselines give one)")
    print(f"\n(curve err: median |est/ref - 1| of the {analysis.DEFAULT_WINDOW:g} s tempo curve "
          "vs. 60/median IBI of the annotated beats per window, ASAP only; curve err*: after one "
          f"per-file factor from {{1/3,1/2,1,2,3}}; total {time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
