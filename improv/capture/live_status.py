"""What the live display says about a running recording besides the levels (is it healthy:
one plain line, details on demand; how long the disk lasts at this rate; the markers placed,
whose text can be corrected while recording), and the summary of a finished one
(:func:`summarize`).

Pure functions of the captures' counters, called by
:meth:`improv.capture.recorder.Recorder.status` from the display's thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sessions.gap_words import PICKED_UP, RECORDED_AGAIN, SYSTEM_PICKED_UP, known_name
from sessions.manifest import warnings_of

_NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
AUDIO_BYTES_PER_SAMPLE = 4
"""Bytes per audio sample while recording (float32 journals, see :mod:`sessions.wavjournal`)."""


def note_name(note: int | None) -> str | None:
    """MIDI note number -> scientific pitch name (60 -> ``C4``; None -> None)."""
    return None if note is None else f"{_NOTE_NAMES[note % 12]}{note // 12 - 1}"


NEAR_CHANGE_S = 2.0
"""A JACK xrun this close [seconds] to an input unplugged or plugged in again is put down to
that (JACK rebuilds its graph then), not to a busy computer."""


OVERFLOW_WARN_TIMES = 2
"""From this many sound card overflows on (PortAudio's ``input_overflow``: the card had
samples that nobody took in time, and dropped them) the health line warns.  One overflow alone
is a note in the details and the recording stays healthy: it loses a few samples, less than
the recorder can find (a stretch it finds is a dropout, filled with silence, and always
warned).  Repeated ones mean the computer cannot keep up with the sound card."""


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _times(n: int) -> str:
    """1 -> ``once``, 2 -> ``twice``, 3 -> ``3 times``."""
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def clock_time(t: float) -> str:
    """Session time [s] as the page's clock shows it: ``0:15``, ``1:02:03``."""
    from sessions.timefmt import format_time

    return format_time(t, decimals=0)


def input_name(name: str, *, among: Sequence[str] = ()) -> str:
    """An input's device as a therapist knows it: a JACK or ALSA port without its port part
    (``Digital Piano:midi_out`` -> ``Digital Piano``, ``mic:out_1`` -> ``mic``), unless
    another name of ``among`` is of the same device (then the whole name tells them apart);
    anything else as it is.  The session page names it so afterwards
    (:func:`sessions.gap_words.known_name`)."""
    return known_name(name, among=among)




def unplugged_text(name: str, *, at: float, picked_up: bool = True) -> str:
    """What a therapist reads when an input goes away while recording (``name``: as
    :func:`input_name` gives it; ``at`` [s]: session time).  ``picked_up``: whether it is
    recorded again once it is back (not an audio input of JACK, whose stream stopped: what
    else stopped with it, if anything, is said by :meth:`improv.capture.jack_recording.
    JackRecording._check_jack_server`)."""
    if picked_up:
        return f"{name} unplugged at {clock_time(at)}: {PICKED_UP}"
    return f"{name} stopped at {clock_time(at)}: nothing more is recorded from it"


def system_stopped_text(name: str, *, system: str, at: float) -> str:
    """What a therapist reads when the desktop's sound system (``system``: ``PulseAudio``,
    ``PipeWire``) stopped and took the input ``name`` with it: nothing to plug in, the
    system must run again (see :mod:`improv.capture.sound_system`)."""
    return (f"{sound_system_words(system)} stopped at {clock_time(at)}, and {name} with it: "
            f"{SYSTEM_PICKED_UP}")


def sound_system_words(system: str) -> str:
    """``the computer's sound system (PulseAudio)``."""
    return f"the computer's sound system ({system})"


def system_back_text(name: str, *, system: str, at: float) -> str:
    """What a therapist reads when the sound system runs again and ``name`` is recorded."""
    return f"{sound_system_words(system)} runs again at {clock_time(at)}: {name} " \
        f"{RECORDED_AGAIN}"


def _length(s: float) -> str:
    """25.4 -> ``25 s``; 2.35 -> ``2.4 s``; 75 -> ``1 min 15 s``."""
    if s < 10:
        return f"{s:.1f} s"
    m, sec = divmod(int(round(s)), 60)
    return f"{m} min {sec} s" if m else f"{sec} s"


def away_text(name: str, away: Sequence[tuple[float, float, str | None]]) -> str:
    """The stretches an input was away (``away``: (t [s], length [s], sound system or None),
    see :attr:`improv.capture.audio.AudioCapture.away`) in words: ``pulse was not recorded
    for 25 s (0:15–0:40)``; several: ``... 2 times, 31 s in all (from 0:15 to 1:02)``."""
    if len(away) == 1:
        ((t, s, _),) = away
        a, b = clock_time(t), clock_time(t + s)
        # never a range whose two ends read the same ("0:15–0:15", review rev-pulse F6)
        return f"{name} was not recorded for {_length(s)} ({f'{a}–{b}' if a != b else f'at {a}'})"
    total = sum(s for _, s, _ in away)
    t0, t1 = away[0][0], away[-1][0] + away[-1][1]
    return (f"{name} was not recorded {_times(len(away))}, {_length(total)} in all (from "
            f"{clock_time(t0)} to {clock_time(t1)})")


class AwayInputs:
    """Whether an input's unplug or return is news, so that each is said once.

    Two watchers can see the same input go or come back: the MIDI port list and JACK's own
    port callback, a poll apart. :meth:`gone` is true for the first word that an input went
    away, :meth:`back` for the first word that it returned; the second watcher's word on the
    same change is not news.
    """

    def __init__(self) -> None:
        self._away: dict[str, bool] = {}  # name -> away since it was last said

    def gone(self, name: str) -> bool:
        """True when ``name`` was not said to be away already."""
        news = not self._away.get(name, False)
        self._away[name] = True
        return news

    def back(self, name: str) -> bool:
        """True unless ``name`` was said to be back already and has not gone since."""
        news = self._away.get(name, True)
        self._away[name] = False
        return news


def back_text(name: str, *, at: float) -> str:
    """What a therapist reads when an input that went away is recorded again."""
    return f"{name} plugged in again at {clock_time(at)}: {RECORDED_AGAIN}"


def xrun_text(xruns: Sequence[float], *, period_s: float | None = None,
              changes: Sequence[float] = ()) -> str:
    """The JACK xruns at ``xruns`` [s] in words: how often, when (``m:ss``), what may be
    missing; "close other programs" only when some happened away from an input unplugged or
    plugged in again (``changes`` [s], see :data:`NEAR_CHANGE_S`)."""
    first, last = clock_time(xruns[0]), clock_time(xruns[-1])
    when = f"at {first}" if first == last else f"between {first} and {last}"
    one = first == last
    most = f" (up to {1000 * period_s:.0f} ms{'' if len(xruns) == 1 else ' each'})" \
        if period_s else ""
    text = (f"the audio system (JACK) fell behind {_times(len(xruns))} {when}: MIDI and audio "
            f"of {'that moment' if one else 'those moments'}{most} may be missing")
    busy = [t for t in xruns if not any(abs(t - c) <= NEAR_CHANGE_S for c in changes)]
    if not busy:
        return text + " (when an input was unplugged or plugged in again)"
    return text + "; if it happens again, close other programs"


def health(*, audio, midi_ports, lost: list[str], xruns: Sequence[float] = (),
           period_s: float | None = None, changes: Sequence[float] = (),
           stopped: dict[str, str] | None = None) -> dict[str, Any]:
    """The health of a recording in words.

    Parameters
    ----------
    audio : list of AudioCapture
        Their ``gaps`` (dropouts filled with silence), ``gap_frames``, ``sr``, ``overflows``,
        ``name``.
    midi_ports : list of MidiPortState
        Their ``overflows`` (messages not recorded) and ``gaps`` (stretches lost).
    lost : list of str
        Inputs lost now (names).
    xruns : list of float [seconds]
        When the audio system (JACK) fell behind: a cycle some client did not finish in time,
        whose MIDI and audio JACK may have dropped.
    period_s : float [seconds], optional
        One JACK cycle: what each of ``xruns`` can have lost at most, per input.
    changes : list of float [seconds]
        When an input was unplugged or plugged in again (an xrun then is put down to that).
    stopped : dict, optional
        Inputs of ``lost`` that went with the desktop's sound system: name -> the system
        (``PulseAudio``); said as the system that stopped, not as unplugged.

    Returns
    -------
    dict
        ``line`` ("healthy", or "3 short dropouts, 0.2 s in all"; a stretch an input was
        away is not a dropout: "pulse was not recorded for 25 s (0:15–0:40)"), ``healthy`` (bool),
        ``details`` (one sentence per input with a problem), ``overflows`` (sound card
        overflows of all audio inputs, see :data:`OVERFLOW_WARN_TIMES`), ``lost_frames`` and
        ``lost_s`` [seconds] (audio samples found missing and filled with silence, all inputs).
    """
    parts: list[str] = []
    details: list[str] = []
    stopped = stopped or {}

    def away_of(cap) -> list:  # the stretches the device was away, not dropouts
        return list(getattr(cap, "away", ()))

    def dropouts(cap) -> tuple[int, float]:  # how many, and their length [s]
        away = away_of(cap)
        return cap.gaps - len(away), cap.gap_frames / cap.sr - sum(s for _, s, _ in away)

    n_gaps = sum(dropouts(cap)[0] for cap in audio)
    gap_s = sum(dropouts(cap)[1] for cap in audio)
    if n_gaps:
        # a total that rounds to 0.0 s reads as nothing lost
        parts.append(f"{_count(n_gaps, 'short dropout')}, "
                     + (f"{gap_s:.1f} s in all" if gap_s >= 0.05 else "less than 0.1 s in all"))
    for cap in audio:
        # the device as the input check named it ("Room Mic", not the file's "Room-Mic")
        name = cap.device.name if getattr(cap, "device", None) else cap.name
        away = away_of(cap)
        if away:
            said = away_text(name, away)
            parts.append(said)
            systems = sorted({w for _, _, w in away if w})
            details.append(said + (f": {sound_system_words(systems[0])} had stopped"
                                   if systems else ": it was unplugged"))
        n, s = dropouts(cap)
        if n:
            details.append(f"{name}: {_count(n, 'dropout')} ({max(0.0, s):.2f} s) filled with "
                           "silence")
        if cap.overflows:
            details.append(f"{name}: the sound card lost a few samples {_times(cap.overflows)}")
    n_overflows = sum(cap.overflows for cap in audio)
    if n_overflows >= OVERFLOW_WARN_TIMES:
        parts.append(f"the sound card lost samples {_times(n_overflows)}")
    lost_midi = sum(st.overflows for st in midi_ports)
    if lost_midi:
        parts.append(f"{_count(lost_midi, 'MIDI message')} not recorded")
    ports = [st.port_name for st in midi_ports]
    for st in midi_ports:
        name = input_name(st.port_name, among=ports)
        if st.overflows:
            details.append(f"{name}: {_count(st.overflows, 'MIDI message')} not recorded (too "
                           "many at once)")
        if st.gaps:
            details.append(f"{name}: unplugged {_times(len(st.gaps))}")
    if xruns:
        parts.append(f"the audio system fell behind {_times(len(xruns))}")
        details.append(xrun_text(xruns, period_s=period_s, changes=changes))
    unplugged = [n for n in lost if n not in stopped]
    if unplugged:
        names = [input_name(n, among=[*lost, *ports]) for n in unplugged]
        parts.append(f"{' and '.join(names)} unplugged")
    for system in dict.fromkeys(stopped[n] for n in lost if n in stopped):
        parts.append(f"{sound_system_words(system)} stopped")
    return {"line": "; ".join(parts) or "healthy", "healthy": not parts, "details": details,
            "overflows": n_overflows, "lost_frames": sum(cap.gap_frames for cap in audio),
            "lost_s": sum(cap.gap_frames / cap.sr for cap in audio)}


def disk_left(*, free_bytes: int | None, stop_bytes: int, audio) -> dict[str, Any]:
    """Free space and the recording time it leaves.

    Returns
    -------
    dict
        ``free_bytes``, ``rate_bytes_per_s`` (what the audio inputs write), ``time_left_s``
        [seconds] until the recording would stop for lack of space (None: unknown, or no
        audio: MIDI alone takes next to nothing).
    """
    rate = sum(cap.sr * cap.channels * AUDIO_BYTES_PER_SAMPLE for cap in audio)
    left = None
    if free_bytes is not None and rate > 0:
        left = max(0.0, (free_bytes - stop_bytes) / rate)
    return {"free_bytes": free_bytes, "rate_bytes_per_s": rate, "time_left_s": left}


class Marks:
    """The markers and notes placed in one recording: ID, time [s], kind, text, revision."""

    def __init__(self) -> None:
        self._marks: list[dict[str, Any]] = []

    def add(self, annotation_id: str, *, t: float, kind: str, text: str) -> None:
        self._marks.append({"id": annotation_id, "t": t, "kind": kind, "text": text, "rev": 1})

    def listed(self) -> list[dict[str, Any]]:
        return [dict(m) for m in self._marks]

    def edit(self, annotation_id: str, *, text: str, writer, by: str | None) -> dict[str, Any]:
        """Change a mark's text: a new revision through ``writer`` (the session writer), the
        earlier text kept in the history.  Returns the mark.

        Raises
        ------
        UnknownNameError
            If no mark of this recording has that ID.
        """
        from improv.errors import UnknownNameError
        from sessions.annotation_log import edit_record

        mark = next((m for m in self._marks if m["id"] == annotation_id), None)
        if mark is None:
            raise UnknownNameError(f"no marker {annotation_id!r} in this recording",
                                   parameter="annotation_id")
        if text != mark["text"]:
            rec = edit_record(mark, by=by, text=text)
            writer.revise(rec)
            mark.update(text=text, rev=rec["rev"])
        return dict(mark)


#: Why a recording stopped, in words that read after "It stopped because" (the manifest's
#: ``stop`` reason -> a therapist's reading).
STOP_REASONS = {
    "stopped": "Stop was pressed",
    "user": "Stop was pressed",
    "duration": "its set length was reached",
    "interrupted": "Ctrl-C was pressed",
    "terminated": "the system asked improv to end",
    "server_stopped": "improv was closed while recording",
    "disk_low": "the disk was nearly full",
    "jack_server_lost": "the audio system (JACK) stopped",
    "write_error": "writing to the disk failed",
    "start_failed": "the recording could not start",
}
#: Reasons that are the usual end of a recording: not worth a sentence.
USUAL_STOPS = ("stopped", "user", "duration")


def stop_reason_text(reason: str | None) -> str | None:
    """A stop reason in words (None for none; an unknown code as it is)."""
    return None if reason is None else STOP_REASONS.get(reason, reason.replace("_", " "))


def _system_at(manifest: dict, *, name: str, t: float) -> str | None:
    """The sound system that had stopped when audio input ``name`` went away at ``t`` [s]
    (its ``device_lost`` event says it), or None."""
    from sessions.gap_words import lost_system

    return lost_system(manifest.get("events", []), name=name, t=t)


def summarize(manifest: dict) -> dict[str, Any]:
    """The facts of a finished recording that the CLI shows (no client code)."""
    audio = [
        {
            "name": a["name"], "sr": a["sr"], "channels": a["channels"], "frames": a["frames"],
            "t0": a.get("t0"), "drift_ppm": a.get("drift_ppm"), "overflows": a.get("overflows", 0),
            "gaps": len(a.get("gaps", [])),
            "gap_frames": sum(g["frames"] for g in a.get("gaps", [])),
            # the stretches the device was away (part of the gaps above): t, end [s], and
            # the sound system that had stopped (None: unplugged)
            "away": [{"t": g["t"], "end": g["t"] + g["frames"] / a["sr"],
                      "sound_system": _system_at(manifest, name=a["name"], t=g["t"])}
                     for g in a.get("gaps", []) if g.get("detected_by") == "reopen"],
        }
        for a in manifest.get("audio", [])
    ]
    events = manifest.get("events", [])
    stop = next((e for e in events if e.get("kind") == "stop"), {})
    said = next((e for e in events if e.get("kind") == "health"), None)
    return {
        "id": manifest.get("id"),
        "status": manifest.get("status"),
        "duration_s": manifest.get("duration_s"),
        "stop_reason": stop.get("reason"),
        "stop_reason_text": stop_reason_text(stop.get("reason")),
        "usual_stop": stop.get("reason") in (None, *USUAL_STOPS),
        "midi_events": manifest.get("midi", {}).get("events", 0),
        "midi_counters": manifest.get("midi", {}).get("counters", {}),
        "audio": audio,
        "device_events": [e for e in events if e.get("kind") in
                          ("device_lost", "device_back", "audio_reinit", "jack_server_lost",
                           "midi_gap", "source_gap", "disk_low", "warning",
                           "duplicate_dropped")],
        "warnings": warnings_of(manifest),
        # the health line at the stop, with the sound card's overflows and the samples lost
        # (None: recorded before it was kept, or recovered after a crash)
        "health": None if said is None else {
            k: said.get(k) for k in ("healthy", "line", "overflows", "lost_frames", "lost_s")},
    }
