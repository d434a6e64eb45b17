"""Two-fold cross-validated tempo, beat and pulse-label figures (``bench/evaluate.py --cv``).

The shared evaluation set is split deterministically into two halves, stratified by kind: the
ASAP piano performances, the Groove drum performances and the audio clips are each ordered by
the SHA-1 of their file name and dealt alternately to fold A and fold B; a FluidSynth rendering
goes with its MIDI file (a piece never sits in both halves). The free parameters of the new
method (:data:`GRID`: the "clear" share, the 3:2-rival bound, whether the tempo curve comes
from the tracked beats, whether beats are kept through pulse-less windows, and since 1.8 the
level-switch cost of the tempo path, ``analysis.level_fold.LEVEL_SWITCH``, and for MIDI the metre
from note cues, ``analysis.metre``: switch margin, rival set and clear margin; since 1.9 the
beat tracker's tightness where the tempo is not steady, the steadiness bound and the move of
each beat onto an onset, ``analysis.beats``; and the multi-agent tracker of
``analysis.beatroot`` as a level check, a condition for "clear" and as the beats; since 1.10
the summary over all windows and a learned level choice of ``bench/evaluate_level.py``, chosen
last)
are chosen on one half and scored on the other,
both ways; the pooled
test figures (every file scored once, with parameters it did not help choose) are printed.

Per file the analyser gets an onset envelope built from note times and velocities (MIDI) or
audio samples (never tempo meta events or file names). Envelopes and librosa baselines are
cached in ``--cache`` (default /tmp/improv-eval-cache) by file content.

Figures: Acc1/Acc2 (MIREX, 4 %), curve err / err* (median over ASAP files of the per-file
median window error, strict and after one factor from {1/3, 1/2, 1, 2, 3}), beat F (mir_eval
``beat.f_measure``, 70 ms, first 5 s trimmed, files with annotated beats), and the pulse label:
how many files are "clear" and the share of them with Acc2.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import pickle
from pathlib import Path

import evaluate
import evaluate_level as level
import numpy as np

import analysis
import analysis.audio_pulse as aaudio_pulse
import analysis.beatroot as abr
import analysis.level_fold as alevel_fold
import analysis.metre as ametre
from analysis.beats import analyze_pulse, pulse_label, refine_beats
from analysis.tempo import MIDI_FRAME_RATE, onset_envelope, tempo_from_envelope

#: Candidate values (the first of each is the a-priori default, kept on ties).
GRID = {
    "clear_share": (0.5, 0.3, 0.4, 0.6, 0.7, 0.8),
    "cross_share": (1.0, 0.35, 0.4, 0.45, 0.5, 0.6),
    "beat_tempo": (False, True),
    "all_beats": (False, True),
    "level_switch": (0.0, 1.0, 2.0, 4.0, 8.0),
    # since 1.9, MIDI only: metre from note cues (analysis.metre)
    "switch_margin": (float("inf"), 0.2, 0.1, 0.05, 0.0),
    "switch_ratios": ((0.5, 2.0, 2.0 / 3.0, 1.5), (0.5, 2.0), (2.0 / 3.0, 1.5)),
    "clear_margin": (float("-inf"), 0.0, 0.02, 0.05, 0.1),
    # since 1.9: beat-period tightness where the pulse is not clear (100: as a clear pulse),
    # and the move of each beat to the strongest onset near it [seconds] (0: off)
    "loose_tightness": (100.0, 70.0, 50.0, 35.0, 20.0, 10.0),
    "steady": (0.9, 0.7, 0.5),
    "refine": (0.0, 0.04, 0.06),
    # since 1.10: the multi-agent tracker (analysis.beatroot) as a level check of the windowed
    # tempo (None: off; else the factors it may apply) and as the beats
    "agent_level": (None, (0.5, 1.0, 2.0), (1 / 3, 0.5, 2 / 3, 1.0, 1.5, 2.0, 3.0)),
    "agent_beats": (False, True),
    "agent_take": (False, True),  # where the check moves the level: the agent's own tempo
    "agent_center": (1.0, 0.5),  # analysis.beatroot.CENTER
    # "clear" only where the agent's tempo is the windowed one times one of these (within 4 %)
    "agent_clear": (None, (1.0,), (0.5, 1.0, 2.0), (1 / 3, 0.5, 2 / 3, 1.0, 1.5, 2.0, 3.0)),
    # since 1.10 (bench/evaluate_level.py): the summary over all windows, the learned level
    "summary": level.SUMMARIES,
    "level_model": (None, "fitted on the training half"),
}
#: Metre off: the parameters under which the tempo stage's level and label are kept.
METRE_OFF = {"switch_margin": float("inf"), "switch_ratios": GRID["switch_ratios"][0],
             "clear_margin": float("-inf")}
#: Beats as tracked before 1.9 (one tightness for every label, not refined).
BEATS_OFF = {"loose_tightness": 100.0, "steady": 0.9, "refine": 0.0}
#: The multi-agent tracker unused (before 1.10).
AGENTS_OFF = {"agent_level": None, "agent_beats": False, "agent_take": False,
              "agent_center": 1.0, "agent_clear": None}
#: A wrong "clear" costs this many right ones (break-even at the issue's 0.95 precision).
WRONG_CLEAR_COST = 19.0


def _hash(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:16]


def _folds(rows: list[dict]) -> dict[str, int]:
    """File -> fold (0/1), stratified by kind, alternating in SHA-1-of-name order."""
    strata: dict[str, list[str]] = {}
    for r in rows:
        f = r["file"]
        k = "piano" if "asap" in f else "drums" if "gmd" in f else "clip"
        strata.setdefault(k, []).append(f)
    out = {}
    for files in strata.values():
        for i, f in enumerate(sorted(files, key=lambda s: hashlib.sha1(s.encode()).hexdigest())):
            out[f] = i % 2
    return out


def _audio_env(wav: Path) -> tuple[np.ndarray, float, float]:
    """The tempo envelope that analyze_audio hands to analyze_pulse (captured, not rebuilt)."""
    from evaluate import load_audio

    got = {}
    orig = aaudio_pulse.analyze_pulse

    def capture(env, **kw):
        got.update(env=np.asarray(env).copy(), **kw)
        return orig(env, **kw)

    aaudio_pulse.analyze_pulse = capture
    try:
        y, sr = load_audio(wav)
        analysis.analyze_audio(y, sr=sr, duration=y.size / sr)
    finally:
        aaudio_pulse.analyze_pulse = orig
    return got["env"], float(got["frame_rate"]), float(got["duration"])


def _librosa_audio(wav: Path) -> dict:
    import librosa

    y, sr = librosa.load(str(wav))
    tempo, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    return {"tempo": float(np.atleast_1d(tempo)[0]), "beats": beats}


def _librosa_midi(nt, duration: float) -> dict:
    import librosa

    env, sr, hop = evaluate.velocity_envelope(nt, duration)
    tempo, beats = librosa.beat.beat_track(onset_envelope=env, sr=sr, hop_length=hop,
                                           units="time")
    return {"tempo": float(np.atleast_1d(tempo)[0]), "beats": beats}


def load_items(data: Path, render_dir: Path | None, cache: Path) -> list[dict]:
    """One dict per evaluated recording: envelope, reference, librosa baseline, fold, group."""
    from evaluate import load_notes, read_tsv_times, render

    cache.mkdir(parents=True, exist_ok=True)
    rows = list(csv.DictReader(open(data / "manifest.csv")))
    folds = _folds(rows)
    items = []
    for r in rows:
        path = data / r["file"]
        ref_beats = read_tsv_times(data / r["beats_file"]) if r["beats_file"] else None
        srcs = []
        if r["kind"] == "midi":
            srcs.append(("midi", path))
            if render_dir is not None:
                srcs.append(("rendered", render(path, render_dir)))
        else:
            srcs.append(("clip", path))
        for group, src in srcs:
            key = cache / f"{group}-{_hash(src)}.pkl"
            if key.exists():
                it = pickle.loads(key.read_bytes())
            else:
                if group == "midi":
                    nt, dur = load_notes(src)
                    env = onset_envelope(nt.start, duration=dur, weights=nt.velocity / 127.0)
                    it = {"env": env, "frame_rate": MIDI_FRAME_RATE, "duration": dur,
                          "librosa": _librosa_midi(nt, dur)}
                else:
                    env, fr, dur = _audio_env(src)
                    it = {"env": env, "frame_rate": fr, "duration": dur,
                          "librosa": _librosa_audio(src)}
                key.write_bytes(pickle.dumps(it))
            if group == "midi":  # the note cues of the metre stage (not cached: cheap to read)
                it["notes"] = load_notes(src)[0]
            it.update(file=r["file"], group=group, fold=folds[r["file"]],
                      ref=float(r["tempo_bpm"]), ref_beats=ref_beats,
                      piano="asap" in r["file"])
            items.append(it)
    return items


def run_methods(it: dict) -> None:
    """Param-independent results per item: today's (1.6.0) tempo stage, the new stage with and
    without the beat-derived curve (labels are applied later, per parameter setting)."""
    env, fr, dur = it["env"], it["frame_rate"], it["duration"]
    shipped = alevel_fold.LEVEL_SWITCH
    try:
        alevel_fold.LEVEL_SWITCH = 0.0  # 1.6.0/1.7.0 fold each window on its own
        it["today"] = tempo_from_envelope(env, frame_rate=fr, duration=dur)
        for ls, bt, ab in itertools.product(GRID["level_switch"], GRID["beat_tempo"],
                                            GRID["all_beats"]):
            alevel_fold.LEVEL_SWITCH = ls
            p = analyze_pulse(env, frame_rate=fr, duration=dur, beat_tempo=bt, all_beats=ab,
                              **BEATS_OFF)
            it[("pulse", ls, bt, ab)] = p
            if "notes" in it:
                nt = it["notes"]
                if "events" not in it:
                    it["events"] = ametre.event_salience(nt.start, nt.end, nt.pitch,
                                                         nt.velocity)
                it[("metre", ls, bt, ab)] = ametre.score_levels(
                    p, env, frame_rate=fr, times=it["events"][0], sal=it["events"][1])
    finally:
        alevel_fold.LEVEL_SWITCH = shipped


def _today_label(tc) -> str:
    """The 1.6.0 rule: clear when half the windows or more have a pulse."""
    if tc.times.size == 0:
        return "too short"
    if tc.tempo_bpm == 0:
        return "none"
    share = float(np.mean(tc.bpm > 0))
    return "clear" if share >= 0.5 else "intermittent" if share >= 0.1 else "rare"


def factor_moved(scores: dict | None, conf: float, mp: dict) -> bool:
    """Whether the metre stage moved the level (its beats then come from its own tracking)."""
    if not scores:
        return False
    return ametre.decide(scores, switch_margin=mp["switch_margin"],
                         switch_ratios=mp["switch_ratios"])[0] != 1.0


def _loose_beats(it: dict, key: tuple, tightness: float, beats: np.ndarray) -> np.ndarray:
    """Beats tracked with ``tightness`` (the tightness where the tempo is not steady), cached."""
    if tightness == 100.0 or beats is None or beats.size == 0:
        return beats
    ck = ("loose", *key, tightness)
    if ck not in it:
        ls, bt, ab = key
        shipped = alevel_fold.LEVEL_SWITCH
        try:
            alevel_fold.LEVEL_SWITCH = ls
            # steady above 1: never steady, so the loose tightness applies
            it[ck] = analyze_pulse(it["env"], frame_rate=it["frame_rate"],
                                   duration=it["duration"], beat_tempo=bt, all_beats=ab,
                                   loose_tightness=tightness, steady=2.0, refine=0.0).beats
        finally:
            alevel_fold.LEVEL_SWITCH = shipped
    return it[ck]


def score_item(it: dict, method: str, params: dict | None = None) -> dict:
    """Acc1/Acc2, curve errors, beat F and label of one item under one method."""
    import mir_eval
    from evaluate import acc, beat_tempo_windows, curve_errors

    # agent_k: the agents' level check (factor is the metre's); ks: the summary's tempo
    # factor (tempo only); kl: the learned level (tempo and curve)
    out, agent_k, ks, kl = {}, 1.0, 1.0, 1.0
    if method == "today":
        tc, beats, label = it["today"], None, _today_label(it["today"])
    elif method == "librosa":
        tc, beats, label = None, it["librosa"]["beats"], None
        out["tempo"] = it["librosa"]["tempo"]
    else:
        key = (params["level_switch"], params["beat_tempo"], params["all_beats"])
        p = it[("pulse", *key)]
        conf = float("nan")
        scores = it.get(("metre", *key))
        mp = {**METRE_OFF, **BEATS_OFF, **AGENTS_OFF, **level.LEVEL_OFF, **params}
        if scores:
            factor, conf = ametre.decide(scores, switch_margin=mp["switch_margin"],
                                         switch_ratios=mp["switch_ratios"])
            p = ametre.relabel(p, scores, factor, conf)
        tc, beats = p.curve, p.beats
        label = pulse_label(p.share, p.cross, n_windows=tc.times.size, tempo_bpm=tc.tempo_bpm,
                            clear_share=params["clear_share"], cross_share=params["cross_share"])
        if label == "clear" and scores and mp["clear_margin"] > -np.inf \
                and not conf >= mp["clear_margin"]:
            label = "intermittent"
        if tc.stability < mp["steady"] and not factor_moved(scores, conf, mp):
            beats = _loose_beats(it, key, mp.get("loose_tightness", 100.0), beats)
        beats = refine_beats(beats, it["env"], frame_rate=it["frame_rate"],
                             window=mp.get("refine", 0.0))
        ag = _agents(it, mp["agent_center"])
        if mp["agent_level"] is not None:
            agent_k = abr.level_factor(tc.tempo_bpm, ag.tempo_bpm, ratios=mp["agent_level"])
            if mp["agent_take"] and agent_k != 1.0:
                agent_k = ag.tempo_bpm / tc.tempo_bpm
        if mp["agent_beats"]:
            beats = ag.beats
        if label == "clear" and mp["agent_clear"] is not None and not abr.agrees(
                tc.tempo_bpm * agent_k, ag.tempo_bpm, ratios=mp["agent_clear"]):
            label = "intermittent"
        ks = level.summary_factor(it, tc, mp["summary"])
        out["pre"] = (tc.tempo_bpm * agent_k * ks, tc, level.metre_cues(scores, mp))
        kl = level.level_factor(it, *out["pre"], mp["level_model"])
    if tc is not None:
        out["tempo"] = tc.tempo_bpm * agent_k * ks * kl if tc.tempo_bpm else tc.tempo_bpm
    out["a1"], out["a2"] = acc(out["tempo"], it["ref"])
    out["label"] = label
    out["ce"] = out["cf"] = np.nan
    if tc is not None and it["piano"] and it["ref_beats"] is not None and tc.times.size:
        gt = beat_tempo_windows(it["ref_beats"], tc.times, analysis.DEFAULT_WINDOW)
        out["ce"], out["cf"] = curve_errors(tc.bpm * agent_k * kl, gt)
    out["bf"] = np.nan
    if beats is not None and it["ref_beats"] is not None:
        ref = mir_eval.beat.trim_beats(np.asarray(it["ref_beats"]))
        est = mir_eval.beat.trim_beats(np.asarray(beats, dtype=float))
        out["bf"] = mir_eval.beat.f_measure(ref, est, f_measure_threshold=0.07)
    return out


def _agents(it: dict, center: float) -> abr.AgentBeats:
    """The multi-agent tracker's beats of one item (from the notes for MIDI, else the
    envelope's peaks), cached in the item."""
    key = ("agents", center)
    if key not in it:
        if "notes" in it:
            nt = it["notes"]
            it[key] = abr.beats_from_notes(nt.start, nt.end, nt.pitch, nt.velocity, center=center)
        else:
            it[key] = abr.beats_from_envelope(it["env"], frame_rate=it["frame_rate"],
                                              center=center)
    return it[key]


def _objective_label(scores: list[dict]) -> float:
    clear = [s for s in scores if s["label"] == "clear"]
    right = sum(s["a2"] for s in clear)
    return right - WRONG_CLEAR_COST * (len(clear) - right)


def tune(train: list[dict]) -> dict:
    """Parameters chosen on ``train`` only: the label by the clear objective, the curve source
    by the median curve err* of the piano files (ties keep the first, a-priori value)."""
    base = {"clear_share": 0.5, "cross_share": 1.0, "beat_tempo": False, "all_beats": False}
    errs = {}
    for ls in GRID["level_switch"]:  # the level fold first: by the piano curve err*
        cf = [score_item(it, "ours", dict(base, level_switch=ls))["cf"] for it in train]
        errs[ls] = float(np.nanmedian(cf)) if np.isfinite(cf).any() else np.inf
    ls = min(GRID["level_switch"], key=lambda v: (round(errs[v], 6), GRID["level_switch"].index(v)))
    best, best_v = None, -np.inf
    for cs, xs in itertools.product(GRID["clear_share"], GRID["cross_share"]):
        p = {"clear_share": cs, "cross_share": xs, "beat_tempo": False, "all_beats": False,
             "level_switch": ls}
        v = _objective_label([score_item(it, "ours", p) for it in train])
        if v > best_v + 1e-9:
            best, best_v = p, v
    errs = {}
    for bt in GRID["beat_tempo"]:
        p = dict(best, beat_tempo=bt)
        cf = [score_item(it, "ours", p)["cf"] for it in train]
        errs[bt] = float(np.nanmedian(cf)) if np.isfinite(cf).any() else np.inf
    best["beat_tempo"] = min(GRID["beat_tempo"], key=lambda b: errs[b] - (1e-9 if b is False
                                                                           else 0.0))
    fs = {}
    for ab in GRID["all_beats"]:
        p = dict(best, all_beats=ab)
        bf = [score_item(it, "ours", p)["bf"] for it in train]
        fs[ab] = float(np.nanmean(bf)) if np.isfinite(bf).any() else -np.inf
    best["all_beats"] = max(GRID["all_beats"], key=lambda b: fs[b] + (1e-9 if b is False
                                                                      else 0.0))
    return level.tune(train, _tune_agents(train, _tune_beats(train, _tune_metre(train, best))),
                   score_item)


def _tune_agents(train: list[dict], best: dict) -> dict:
    """The agents' level check (salience centring, factors, whether the agent's own tempo is
    taken) by the training half's Acc2 (+ 0.1 x Acc1), then the agreement "clear" needs by
    the label objective, then the agents' beats by its mean beat F; ties keep the first (off)
    value."""
    best = {**best, **AGENTS_OFF}
    best_v = -np.inf
    for ac, lv, tk in itertools.product(GRID["agent_center"], GRID["agent_level"],
                                        GRID["agent_take"]):
        p = dict(best, agent_level=lv, agent_take=tk, agent_center=ac)
        ss = [score_item(it, "ours", p) for it in train]
        v = sum(s["a2"] for s in ss) + 0.1 * sum(s["a1"] for s in ss)
        print(f"  training half: agents' level check {lv and len(lv)} (centre {ac}, agent's "
              f"tempo {tk}): Acc2 + 0.1 Acc1 {v:.1f}")
        if v > best_v + 1e-9:
            best_v, best = v, p
    best_v = -np.inf
    centers = GRID["agent_center"] if best["agent_level"] is None else (best["agent_center"],)
    for ac, cl in itertools.product(centers, GRID["agent_clear"]):
        p = dict(best, agent_center=ac, agent_clear=cl)
        v = _objective_label([score_item(it, "ours", p) for it in train])
        print(f"  training half: agents' agreement for 'clear' {cl and len(cl)} (centre {ac}): "
              f"label objective {v:.0f}")
        if v > best_v + 1e-9:
            best_v, best = v, p
    best_v = -np.inf
    for ab in GRID["agent_beats"]:
        bf = [score_item(it, "ours", dict(best, agent_beats=ab))["bf"] for it in train]
        v = float(np.nanmean(bf)) if np.isfinite(bf).any() else -np.inf
        print(f"  training half: agents' beats {ab}: mean beat F {v:.3f}")
        if v > best_v + 1e-9:
            best_v, best = v, dict(best, agent_beats=ab)
    return best


def _tune_beats(train: list[dict], best: dict) -> dict:
    """Loose tightness with the steadiness bound, then the refinement window, by the training
    half's mean beat F (ties keep the first, off, value)."""
    best = {**best, **BEATS_OFF}

    def mean_f(p: dict) -> float:
        bf = [score_item(it, "ours", p)["bf"] for it in train]
        return float(np.nanmean(bf)) if np.isfinite(bf).any() else -np.inf

    best_v = -np.inf
    for t, st in itertools.product(GRID["loose_tightness"], GRID["steady"]):
        f = mean_f(dict(best, loose_tightness=t, steady=st))
        if f > best_v + 1e-9:
            best_v, best = f, dict(best, loose_tightness=t, steady=st)
    best_v = -np.inf
    for w in GRID["refine"]:
        f = mean_f(dict(best, refine=w))
        if f > best_v + 1e-9:
            best_v, best = f, dict(best, refine=w)
    return best


def _tune_metre(train: list[dict], best: dict) -> dict:
    """Metre parameters on ``train``: the switch by the MIDI Acc2 (then Acc1) it gives, the
    clear margin by the label objective; ties keep the first (off) value."""
    midi = [it for it in train if "notes" in it]
    best = {**best, **METRE_OFF}
    best_v = -np.inf
    for sm, sr in itertools.product(GRID["switch_margin"], GRID["switch_ratios"]):
        ss = [score_item(it, "ours", dict(best, switch_margin=sm, switch_ratios=sr))
              for it in midi]
        v = sum(s["a2"] for s in ss) + 0.1 * sum(s["a1"] for s in ss)
        if v > best_v + 1e-9:
            best_v, best = v, dict(best, switch_margin=sm, switch_ratios=sr)
    best_v = -np.inf
    for cm in GRID["clear_margin"]:
        v = _objective_label([score_item(it, "ours", dict(best, clear_margin=cm))
                              for it in train])
        if v > best_v + 1e-9:
            best_v, best = v, dict(best, clear_margin=cm)
    return best


def _fmt(xs, how="mean"):
    xs = [x for x in xs if x is not None and np.isfinite(x)]
    if not xs:
        return "-"
    if how == "pct":
        return f"{np.median(xs) * 100:.1f}%"
    return f"{np.mean(xs):.3f}"


def report(rows: list[tuple[str, dict]], title: str) -> None:
    groups = (("midi", "MIDI (12 piano, 12 drums)"), ("clip", "audio clips (11)"),
              ("rendered", "rendered MIDI (24)"))
    print(f"\n== {title}")
    print(f"{'set':26s} {'method':28s} {'n':>3s} {'Acc1':>6s} {'Acc2':>6s} {'curve err':>9s} "
          f"{'err*':>6s} {'beat F':>7s} {'clear':>6s} {'clear prec':>10s}")
    for g, gname in groups:
        for method in ("today", "ours", "librosa"):
            ss = [s for it, s in ((it, s) for (m, s), it in rows if m == method)
                  if it["group"] == g]
            if not ss:
                continue
            clear = [s for s in ss if s["label"] == "clear"]
            prec = f"{np.mean([s['a2'] for s in clear]):.3f}" if clear else "-"
            name = {"today": "1.6.0 (today)", "ours": "ours (CV params)",
                    "librosa": "librosa beat_track"}[method]
            print(f"{gname:26s} {name:28s} {len(ss):3d} {_fmt([s['a1'] for s in ss]):>6s} "
                  f"{_fmt([s['a2'] for s in ss]):>6s} {_fmt([s['ce'] for s in ss], 'pct'):>9s} "
                  f"{_fmt([s['cf'] for s in ss], 'pct'):>6s} {_fmt([s['bf'] for s in ss]):>7s} "
                  f"{(str(len(clear)) if method != 'librosa' else '-'):>6s} "
                  f"{(prec if method != 'librosa' else '-'):>10s}")


def main(data: Path, render_dir: Path | None, cache: Path, verbose: bool = False) -> int:
    items = load_items(data, render_dir, cache)
    for it in items:
        run_methods(it)
    pooled, tests = [], []
    for test_fold in (0, 1):
        train = [it for it in items if it["fold"] != test_fold]
        test = [it for it in items if it["fold"] == test_fold]
        params = tune(train)
        shown = {k: v for k, v in params.items() if not k.startswith("level_")}
        print(f"fold {'AB'[test_fold]} as test ({len(test)} recordings): parameters chosen on "
              f"the other half: {shown}, learned level "
              f"{'on' if params['level_model'] else 'off'}")
        tests += [(it, params) for it in test]
        for it in test:
            for m in ("today", "ours", "librosa"):
                s = score_item(it, m, params)
                pooled.append(((m, s), it))
                if verbose and m == "ours":
                    print(f"  {it['group']:8s} {Path(it['file']).stem[:44]:44s} ref "
                          f"{it['ref']:6.1f} est {s['tempo']:6.1f} {'*' if s['a2'] else ' '} "
                          f"{s['label']:12s} bF {s['bf']:.2f} cf {s['cf']:.3f}"
                          f"{level.per_file(it, params, score_item)}")
    level.forced_report(tests, score_item)
    report(pooled, "two-fold cross-validation, pooled test halves (each file scored once, "
                   "with parameters chosen on the other half)")
    print("\n(librosa beat_track: default on the audio; on MIDI on a velocity-weighted onset "
          "envelope at 22050/512 Hz. Beat F only on files with annotated beats (ASAP, clips); "
          "1.6.0 tracks no beats. 1.6.0 has no parameters chosen here: its constants were "
          "tuned on the whole set, so its row is not a cross-validated figure.)")
    return 0
