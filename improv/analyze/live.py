"""Live measures of a recording: per player the density, loudness and tempo of the last seconds,
and for a pair who is playing.

They are computed by the same :mod:`analysis` functions as the offline analysis
(:func:`analysis.notes_from_events`, :func:`analysis.density.density_curve`,
:func:`analysis.dynamics.velocity_curves` and :func:`analysis.dynamics.level_dbfs`,
:func:`analysis.beats.pulse_curve` with the pulse label, :func:`analysis.dialogue.activity.
activity_intervals`), on a rolling window of what the session writer has already stored: the
new lines of ``midi.tsv`` and the last frames of each audio journal
(:mod:`sessions.tails`). Nothing here touches a capture callback or the writer; a
:class:`LiveMeasurer` runs them once a second in a child process at low priority (not in the
recorder's process, where their Python held the GIL and stamped MIDI late), and its readers
take the latest result without waiting.

The window ends :data:`LIVE_LAG_S` before now (the writer flushes at least once a second, so
the last second may still be in its buffers); audio windows end at the last stored frame.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

log = logging.getLogger(__name__)

#: Rolling window [s]: 8 s holds three of the analysis' 6 s tempo windows (hop 1 s), so the
#: pulse label has windows to count, and is short enough to follow a change within seconds.
LIVE_WINDOW_S = 8.0
#: The window ends this long before now [s]: the session writer flushes at least once a second.
LIVE_LAG_S = 1.0
#: How often a :class:`LiveMeasurer` updates [s].
LIVE_INTERVAL_S = 1.0
#: Events older than this before the window start are dropped [s] (a note sounding into the
#: window keeps its note-on for pairing).
_KEEP_BEFORE_S = 4.0
#: The live silence gate follows the room's noise floor over this much of a player's last
#: audio [s] (since analysis 1.21.0; :class:`NoiseFloor`): long enough to hold a pause or two
#: between phrases, short enough to follow a fan switched on.
LIVE_FLOOR_S = 30.0


def _tempo(onsets: np.ndarray, *, window_s: float, weights=None) -> dict[str, Any]:
    from analysis.beats import pulse_curve, tempo_summary

    p = pulse_curve(onsets, duration=window_s, weights=weights)
    s = tempo_summary(p)
    tempo = s["tempo_bpm"] if s["tempo_bpm"] is not None else s["tempo_bpm_tentative"]
    share = s["pulsed_share"]
    return {"tempo_bpm": None if tempo is None else round(float(tempo), 1),
            "tempo_clear": s["tempo_bpm"] is not None, "pulse": s["pulse"],
            "pulsed_share": None if share is None else round(float(share), 3)}


def _playing(onsets: np.ndarray, *, window_s: float, offsets=None) -> bool:
    """True if the player's activity (analysis.dialogue) reaches the window's last second."""
    from analysis.dialogue import PlayerEvents
    from analysis.dialogue.activity import ACTIVITY_BRIDGE, activity_intervals

    if onsets.size == 0:
        return False
    ev = PlayerEvents(onsets, offsets=offsets)
    iv = activity_intervals(ev, duration=window_s)
    return bool(iv.size) and float(iv[-1, 1]) >= window_s - ACTIVITY_BRIDGE


def _stopped(last: float, onsets: np.ndarray, *, window_s: float) -> bool:
    """True if the player has stopped: nothing has sounded since ``last`` [s, window-relative]
    for longer than MTTB's silence (:data:`analysis.SILENCE_GAP`) and than twice the player's
    median interval between onsets in the window, so that slow steady playing (a note every
    2 s) has not stopped between its notes, as the dialogue's activity would say."""
    from analysis import SILENCE_GAP

    ioi = np.diff(np.sort(onsets))
    typical = float(np.median(ioi)) if ioi.size >= 2 else 0.0
    return bool(window_s - last > max(SILENCE_GAP, 2.0 * typical))


def midi_measures(t, status, data1, data2, *, end: float,
                  window_s: float = LIVE_WINDOW_S, gaps=(),
                  lost: bool = False) -> dict[str, Any] | None:
    """Measures of one player's MIDI messages in the window ``[end - window_s, end)``.

    Parameters
    ----------
    t : np.ndarray [shape=(n,), seconds from session start]
        Message times, sorted (messages before the window pair notes that sound into it).
    status, data1, data2 : np.ndarray [shape=(n,), uint8]
    end : float [seconds from session start]
        The window's end.
    window_s : float [seconds]
    gaps : iterable of (float, float) [seconds from session start]
        Stretches in which the player's MIDI input was lost (one still lost ends at ``end``
        or later): a note sounding when its input was lost ends there
        (:func:`analysis.notes_from_events`), not at the window's end.
    lost : bool
        The input is lost now: the player is not ``playing`` (nothing of them reaches the
        recording), and ``lost`` is True.

    Returns
    -------
    dict or None
        ``notes_per_s`` [1/s], ``loudness`` (mean note-on velocity, 0-127, or None),
        ``tempo_bpm`` [BPM] with ``pulse`` (the pulse label), ``pulsed_share`` (0..1, the
        share of the window's 6 s tempo windows with a pulse; None for a clip shorter than
        one) and ``tempo_clear``, ``playing`` (the dialogue's activity reaches the window's last
        second), ``stopped`` (silent for a while, :func:`_stopped`; the displays then say so
        instead of the pulse; always with ``lost``), ``lost`` (as given) and the
        window-relative ``onsets`` [s]; None if no note started in the window.
    """
    from analysis import NoteTable, notes_from_events
    from analysis.density import density_curve
    from analysis.dynamics import velocity_curves

    start = end - window_s
    t = np.asarray(t, dtype=np.float64)
    sel = np.flatnonzero(t < end)
    sel = sel[np.argsort(t[sel], kind="stable")]
    notes = notes_from_events(t[sel], np.asarray(status)[sel], np.asarray(data1)[sel],
                              np.asarray(data2)[sel], end_time=max(end, 0.0),
                              gaps=[g for g in gaps if g[0] <= end])
    keep = (notes.start >= start) & (notes.start < end)
    if not keep.any():
        return None
    notes = NoteTable(notes.start[keep] - start, np.minimum(notes.end[keep], end) - start,
                      notes.pitch[keep], notes.velocity[keep], notes.channel[keep])
    _, dens = density_curve(notes.start, duration=window_s, window=window_s, hop=window_s)
    vel = velocity_curves(notes, duration=window_s, window=window_s, hop=window_s)
    loud = vel["velocity_mean"][1]
    return {"source": "midi", "notes_per_s": round(float(dens[0]), 3),
            "loudness": None if not np.isfinite(loud[0]) else round(float(loud[0]), 1),
            "loudness_unit": "velocity",
            **_tempo(notes.start, window_s=window_s, weights=notes.velocity / 127.0),
            "playing": not lost and _playing(notes.start, window_s=window_s,
                                             offsets=notes.end),
            "stopped": lost or _stopped(float(max(notes.start.max(), notes.end.max())),
                                        notes.start, window_s=window_s),
            "lost": lost, "onsets": notes.start}


def audio_measures(y: np.ndarray, *, sr: int, window_s: float = LIVE_WINDOW_S,
                   gate_dbfs: float | None = None) -> dict[str, Any]:
    """Measures of one player's audio (mono, the last ``window_s`` seconds or fewer).

    Parameters
    ----------
    y : np.ndarray [full scale, shape=(n,)]
    sr : int [Hz]
    window_s : float [seconds]
    gate_dbfs : float [dBFS] or None
        The silence gate (:attr:`NoiseFloor.gate_dbfs`, the room's running noise floor);
        None: :data:`analysis.audio.SILENCE_DBFS`.

    Returns
    -------
    dict
        ``notes_per_s`` (detected onsets per second), ``loudness`` [dBFS, mean level],
        ``tempo_bpm`` with ``pulse``, ``pulsed_share`` and ``tempo_clear`` (as
        :func:`midi_measures`), ``playing``, ``stopped`` (the last sound: the last onset or the
        last 0.1 s over the silence gate ``gate_dbfs``) and the window-relative ``onsets`` [s].
    """
    from analysis.audio import SILENCE_DBFS, onset_strength
    from analysis.density import density_curve
    from analysis.dynamics import level_dbfs
    from analysis.onsets import pick_onsets

    y = np.asarray(y, dtype=np.float32)
    shift = window_s - y.size / sr  # a short journal: its frames end at the window's end
    onsets = np.zeros(0)
    if y.size >= sr // 4:
        env, frame_rate = onset_strength(y, sr=sr)
        onsets = pick_onsets(env, frame_rate=frame_rate) + shift
    level = float(level_dbfs(np.asarray([np.mean(np.square(y, dtype=np.float64))]))[0]) \
        if y.size else None
    gate = SILENCE_DBFS if gate_dbfs is None else float(gate_dbfs)
    tick_db = _tick_db(y, sr=sr)
    _, dens = density_curve(onsets, duration=window_s, window=window_s, hop=window_s)
    return {"source": "audio", "notes_per_s": round(float(dens[0]), 3),
            "loudness": None if level is None else round(level, 1), "loudness_unit": "dBFS",
            **_tempo(onsets, window_s=window_s),
            "playing": _playing(onsets, window_s=window_s,
                                offsets=_sound_ends(onsets, tick_db, gate=gate, shift=shift)),
            "stopped": _stopped(_last_sound(tick_db, onsets=onsets, shift=shift, gate=gate),
                                onsets, window_s=window_s),
            "onsets": onsets}


def _tick_db(y: np.ndarray, *, sr: int) -> np.ndarray:
    """The level [dBFS] of each whole 0.1 s tick of ``y`` from its first sample, each tick's
    mean (DC, and a room's rumble under 10 Hz) removed, as the analysis levels and the floor
    (:class:`NoiseFloor`) are (since analysis 1.21.0)."""
    from analysis.dynamics import level_dbfs
    from analysis.loudness import TICK

    n = int(round(TICK * sr))
    k = y.size // n
    if not k:
        return np.zeros(0)
    x = y[:k * n].reshape(k, n).astype(np.float64)
    return level_dbfs(np.mean(np.square(x - x.mean(axis=1, keepdims=True)), axis=1))


def _sound_ends(onsets: np.ndarray, tick_db: np.ndarray, *, gate: float,
                shift: float) -> np.ndarray | None:
    """When each onset's sound ends [s, window-relative], as the analysis takes it
    (:func:`analysis.onsets.onset_ends`, since analysis 1.24.0: a held tone is playing);
    ``tick_db`` starts at ``shift``. None without onsets or ticks."""
    from analysis.loudness import TICK
    from analysis.onsets import onset_ends

    if onsets.size == 0 or tick_db.size == 0:
        return None
    ends = onset_ends(np.maximum(onsets - shift, 0.0), tick_db, tick_db <= gate, step=TICK)
    return np.maximum(ends + shift, onsets)


def _last_sound(tick_db: np.ndarray, *, onsets: np.ndarray, shift: float,
                gate: float) -> float:
    """When audio last sounded [s, window-relative]: the last onset, or the end of the last
    0.1 s tick (``tick_db``, from ``shift``) over the silence gate ``gate`` [dBFS] (a held tone
    has no onsets); -inf for none."""
    from analysis.loudness import TICK

    last = float(onsets.max()) if onsets.size else float("-inf")
    loud = np.flatnonzero(tick_db > gate)
    if loud.size:
        last = max(last, (loud[-1] + 1) * TICK + shift)
    return last


class NoiseFloor:
    """A running estimate of the room's noise floor under one player's audio, and the live
    silence gate over it (since analysis 1.21.0).

    The offline analysis' rule (:func:`analysis.audio.noise_gate`: the floor is the 5th
    percentile of the 300 ms-smoothed 100 ms tick power, minimum statistics after Martin
    2001; the gate, -50 dBFS, rises over a floor the audio is held at between louder playing)
    on a sliding window of the last :data:`LIVE_FLOOR_S` seconds of ticks. Each update adds
    only the ticks of the frames written since the last one (from the journal's frame count),
    so its cost per update is that of a second of audio and a percentile of 300 values.

    Parameters
    ----------
    span_s : float [seconds]
        How much of the last audio the floor is taken over.

    Attributes
    ----------
    floor_dbfs : float [dBFS] or None
        The floor (None before 2 s of audio).
    gate_dbfs : float [dBFS]
        The silence gate: :data:`analysis.audio.SILENCE_DBFS` unless raised over the floor.
    """

    def __init__(self, *, span_s: float = LIVE_FLOOR_S) -> None:
        from analysis.audio import SILENCE_DBFS
        from analysis.loudness import TICK

        self._keep = int(round(span_s / TICK))
        self._ms = np.zeros(0)
        self._peak = np.zeros(0)
        self._next: int | None = None  # journal frame of the next tick's first frame
        self.floor_dbfs: float | None = None
        self.gate_dbfs = float(SILENCE_DBFS)

    def push(self, y: np.ndarray, *, total: int, sr: int) -> float:
        """Take the new frames of the last ``y.size`` frames of a journal of ``total`` frames.

        Parameters
        ----------
        y : np.ndarray [full scale, shape=(n,)]
            The player's mono audio, the journal's frames ``total - n`` to ``total``.
        total : int
            Frames in the journal so far (:func:`sessions.tails.read_journal_tail`).
        sr : int [Hz]

        Returns
        -------
        float [dBFS] — the gate (:attr:`gate_dbfs`).
        """
        from analysis.audio import LEVEL_SUBTICKS, SILENCE_DBFS, noise_gate
        from analysis.dynamics import AMIN, level_dbfs
        from analysis.loudness import TICK

        n = int(round(TICK * sr))
        first = total - y.size
        if self._next is None or self._next < first or self._next > total:
            # the first update, frames it never saw (passed over), or a new journal
            self._next = first
        k = (total - self._next) // n
        if k > 0:
            x = np.asarray(y[self._next - first:self._next - first + k * n],
                           np.float64).reshape(k, n)
            x = x - x.mean(axis=1, keepdims=True)  # each tick's DC, as the analysis does
            sq = np.square(x)
            sub = n // LEVEL_SUBTICKS
            pk = sq[:, :sub * LEVEL_SUBTICKS].reshape(k, LEVEL_SUBTICKS, sub).mean(axis=2)
            self._ms = np.concatenate([self._ms, sq.mean(axis=1)])[-self._keep:]
            self._peak = np.concatenate([self._peak, pk.max(axis=1)])[-self._keep:]
            self._next += k * n
            self.floor_dbfs, self.gate_dbfs = noise_gate(
                self._ms, level_dbfs(self._peak, amin=AMIN), ref=1.0, amin=AMIN,
                silence_dbfs=SILENCE_DBFS)
        return self.gate_dbfs


def pair_state(a: dict[str, Any] | None, b: dict[str, Any] | None,
               names: tuple[str, str]) -> dict[str, Any]:
    """Who of a pair is playing now: ``both``, ``one`` (with ``who``) or ``silence``; a
    player whose every input is lost is not playing, and is named in ``lost`` (a key only
    where one is)."""
    gone = [n for n, m in zip(names, (a, b), strict=True) if m and m.get("lost")]
    pa, pb = (bool(m and m["playing"] and not m.get("lost")) for m in (a, b))
    state = "both" if pa and pb else "one" if pa or pb else "silence"
    who = names[0] if pa and not pb else names[1] if pb and not pa else None
    out = {"players": list(names), "state": state, "who": who}
    return {**out, "lost": gone} if gone else out


class InputsLost:
    """Which inputs of the session being recorded are lost now, and the stretches each MIDI
    port was lost, from the session's journal (``journal.jsonl``: ``device_lost`` and
    ``device_back`` events, which the writer flushes at least once a second), read a few new
    lines at a time.

    Parameters
    ----------
    path : Path
        The session's ``journal.jsonl``.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._offset = 0
        self._rest = b""
        #: ``("midi", port)`` or ``("audio", input name)`` -> when it was lost [s]
        self.lost: dict[tuple[str, str], float] = {}
        #: MIDI port -> stretches it was lost and came back [s]
        self.gaps: dict[str, list[tuple[float, float]]] = {}

    def read_new(self) -> None:
        """Take the journal's lines written since the last call."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except OSError:
            return
        self._offset += len(data)
        *lines, self._rest = (self._rest + data).split(b"\n")
        for line in lines:
            if b"device_" not in line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            kind = e.get("kind")
            if kind not in ("device_lost", "device_back"):
                continue
            key = (("midi", str(e.get("port"))) if e.get("input") == "midi"
                   else ("audio", str(e.get("name"))))
            if kind == "device_lost":
                self.lost.setdefault(key, float(e.get("t", 0.0)))
            else:
                start = self.lost.pop(key, None)
                if start is not None and key[0] == "midi":
                    self.gaps.setdefault(key[1], []).append((start, float(e.get("t", start))))

    def midi(self, ports: list[str]) -> tuple[list[tuple[float, float]], bool]:
        """The stretches a player with the MIDI ``ports`` was lost (one still lost runs on:
        its end is infinite) and whether they are lost now; for a player with several ports,
        only the time all of them are lost."""
        if not ports:
            return [], False
        now = all(("midi", p) in self.lost for p in ports)
        if len(ports) > 1:
            return ([(max(self.lost[("midi", p)] for p in ports), float("inf"))] if now
                    else []), now
        port = ports[0]
        gaps = list(self.gaps.get(port, []))
        if ("midi", port) in self.lost:
            gaps.append((self.lost[("midi", port)], float("inf")))
        return gaps, now

    def audio(self, name: str) -> bool:
        """Whether the audio input ``name`` is lost now."""
        return ("audio", name) in self.lost


class LiveMeasures:
    """Incremental live measures of the session being recorded in ``folder``.

    Parameters
    ----------
    folder : Path
        The session folder (``session.json``, ``midi.tsv``, ``audio/``).
    window_s, lag_s : float [seconds]
        See :data:`LIVE_WINDOW_S` and :data:`LIVE_LAG_S`.
    """

    def __init__(self, folder: Path, *, window_s: float = LIVE_WINDOW_S,
                 lag_s: float = LIVE_LAG_S) -> None:
        from sessions.tails import MidiLogTail

        self.folder = Path(folder)
        self.window_s = float(window_s)
        self.lag_s = float(lag_s)
        self._tail = MidiLogTail(self.folder / "midi.tsv")
        #: The inputs lost now and the MIDI ports' gaps (:class:`InputsLost`).
        self.inputs = InputsLost(self.folder / "journal.jsonl")
        self._events: dict[str, list[np.ndarray]] = {}
        #: Each audio player's running noise floor and silence gate (:class:`NoiseFloor`).
        self.noise: dict[str, NoiseFloor] = {}

    def _manifest(self) -> dict[str, Any]:
        return json.loads((self.folder / "session.json").read_text())

    def _take_midi(self, *, end: float) -> None:
        ev = self._tail.read_new()
        cols = (ev.t, ev.status, ev.data1, ev.data2)
        for player in dict.fromkeys(ev.player.tolist()):
            sel = ev.player == player
            new = [c[sel] for c in cols]
            old = self._events.get(player)
            merged = new if old is None else [np.concatenate(p) for p in zip(old, new, strict=True)]
            self._events[player] = merged
        cut = end - self.window_s - _KEEP_BEFORE_S
        for player, c in self._events.items():
            keep = c[0] >= cut
            self._events[player] = [x[keep] for x in c]

    def _audio(self, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
        from sessions.tails import read_journal_tail

        out: dict[str, dict[str, Any]] = {}
        for inp in manifest.get("audio", []):
            try:
                y, total, sr = read_journal_tail(self.folder / inp["file"],
                                                 frames=int(self.window_s * inp["sr"]))
            except (OSError, ValueError) as exc:
                log.debug("live measures: audio input %s: %s", inp.get("name"), exc)
                continue
            if self.inputs.audio(str(inp.get("name"))):
                # its journal ends where it was lost: those frames are not the music now
                for player in inp.get("players", {}):
                    out.setdefault(player, {"source": f"audio:{inp['name']}", "playing": False,
                                            "stopped": True, "lost": True, "notes_per_s": 0.0,
                                            "loudness": None, "loudness_unit": "dBFS",
                                            "tempo_bpm": None, "tempo_clear": False,
                                            "pulse": None, "pulsed_share": None,
                                            "onsets": np.zeros(0)})
                continue
            for player, chans in inp.get("players", {}).items():
                if (player not in out or out[player].get("lost")) and len(y):
                    mono = y[:, [c - 1 for c in chans]].mean(axis=1)
                    gate = self.noise.setdefault(player, NoiseFloor()).push(
                        mono, total=total, sr=sr)
                    out[player] = dict(audio_measures(mono, sr=sr, window_s=self.window_s,
                                                      gate_dbfs=gate),
                                       source=f"audio:{inp['name']}")
        return out

    def update(self, now: float) -> dict[str, Any]:
        """The measures of the window ending ``lag_s`` before ``now`` [s, session clock]."""
        end = max(0.0, now - self.lag_s)
        manifest = self._manifest()
        self._take_midi(end=end)
        self.inputs.read_new()
        audio = self._audio(manifest)
        ports: dict[str, list[str]] = {}
        for port in (manifest.get("midi") or {}).get("ports", []):
            ports.setdefault(str(port.get("player")), []).append(str(port.get("name")))
        players: dict[str, dict[str, Any] | None] = {}
        for p in (pl["name"] for pl in manifest.get("players", [])):
            ev = self._events.get(p)
            gaps, lost = self.inputs.midi(ports.get(p, []))
            m = (midi_measures(*ev, end=end, window_s=self.window_s, gaps=gaps, lost=lost)
                 if ev else None)
            a = audio.get(p)
            # a player still heard on another input is playing there; one whose every input
            # is lost is not playing
            if m is not None and m.get("lost") and a is not None and not a.get("lost"):
                m = None
            players[p] = m or a
        names = list(players)
        out: dict[str, Any] = {"t": round(end, 3), "window_s": self.window_s, "players": {
            p: (None if m is None else {k: v for k, v in m.items() if k != "onsets"})
            for p, m in players.items()}}
        out["pair"] = (pair_state(players[names[0]], players[names[1]], (names[0], names[1]))
                       if len(names) >= 2 else None)
        return out


class LiveMeasurer:
    """Runs :class:`LiveMeasures` once a second in a child process; :meth:`latest` never waits.

    A child process, not a thread: measuring takes tens of milliseconds of Python and numpy
    per update, and in the recorder's process that held the GIL long enough to stamp MIDI
    late (by up to 135 ms under load, bench/bench_live.py). The child runs at a lower
    priority (nice +10); a thread here only sends it the session time and reads its answer
    (blocking I/O, which releases the GIL).

    Parameters
    ----------
    folder : Path
        The session folder.
    now : callable
        The session clock (``clock.now``) [s].
    interval_s : float [seconds]
    """

    def __init__(self, folder: Path, *, now: Callable[[], float],
                 interval_s: float = LIVE_INTERVAL_S, window_s: float = LIVE_WINDOW_S,
                 lag_s: float = LIVE_LAG_S) -> None:
        self.folder = Path(folder)
        self.args = [f"--window={window_s}", f"--lag={lag_s}"]
        self.now = now
        self.interval_s = float(interval_s)
        self.cpu_s = 0.0  # CPU time the child spent measuring (for the benchmark)
        self.updates = 0
        self._latest: dict[str, Any] | None = None
        self._stop = threading.Event()
        self._proc = None
        self._thread = threading.Thread(target=self._run, name="improv-live", daemon=True)

    def start(self) -> "LiveMeasurer":
        import subprocess
        import sys

        self._proc = subprocess.Popen(
            [sys.executable, "-m", "improv.analyze.live", str(self.folder), *self.args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(5)

    def latest(self) -> dict[str, Any] | None:
        """The newest measures (None before the first update)."""
        return self._latest

    def _run(self) -> None:
        proc = self._proc
        try:
            due = time.monotonic() + self.interval_s
            while not self._stop.wait(max(0.0, due - time.monotonic())):
                if not self._update(proc):
                    return
                due = next_update(due, time.monotonic(), self.interval_s)
        except (OSError, ValueError) as exc:  # a live view never stops a recording
            log.warning("live measures stopped: %s", exc)
        finally:
            if proc.stdin and not proc.stdin.closed:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

    def _update(self, proc) -> bool:
        """Ask the child for the measures at the session's time now; False if it has ended."""
        proc.stdin.write(f"{self.now():.6f}\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            log.warning("live measures stopped (their process ended)")
            return False
        answer = json.loads(line)
        self.cpu_s = answer.pop("cpu_s", self.cpu_s)
        if "error" in answer:
            log.debug("live measures: %s", answer["error"])
            return True
        self._latest = answer
        self.updates += 1
        return True


def next_update(due: float, now: float, interval: float) -> float:
    """When the update after the one due at ``due`` is due [s, monotonic]: the first slot of
    the ``interval`` grid after ``now``.

    An update that takes part of the interval keeps the pace: waiting a whole interval after
    each update made it one every interval *plus* the update's time, which the child's low
    priority stretches under load (1.05 to 1.24 s apart on a busy machine). One that overran
    skips the slots it missed instead of following at once.
    """
    due += interval
    if due <= now:
        due += (int((now - due) / interval) + 1) * interval
    return due


def main(argv: list[str] | None = None) -> None:
    """The child of :class:`LiveMeasurer`: reads session times [s], one a line, and answers
    each with one JSON line of measures (or ``{"error": ...}``), until its input ends."""
    import argparse
    import os
    import sys

    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--window", type=float, default=LIVE_WINDOW_S)
    ap.add_argument("--lag", type=float, default=LIVE_LAG_S)
    args = ap.parse_args(argv)
    try:
        os.nice(10)
    except OSError:  # pragma: no cover - not permitted: run at the same priority
        pass
    live = LiveMeasures(args.folder, window_s=args.window, lag_s=args.lag)
    for line in sys.stdin:
        try:
            out = live.update(float(line))
        except Exception as exc:  # noqa: BLE001 - answered, the next second tries again
            out = {"error": f"{type(exc).__name__}: {exc}"}
        out["cpu_s"] = round(time.process_time(), 3)
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


def start_for(recorder) -> LiveMeasurer:
    """A started :class:`LiveMeasurer` of a started :class:`improv.capture.recorder.Recorder`."""
    return LiveMeasurer(recorder.writer.folder, now=recorder.clock.now).start()


if __name__ == "__main__":
    main()
