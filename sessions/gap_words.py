"""Stretches an input did not record, in a therapist's words, after the recording.

:meth:`sessions.session.Session.not_recorded` gives each stretch its journal facts (``what``,
``why``: kept for ``--json`` and scripts); this module adds what the session page, the
timeline's band and the text view show: the input as the therapist knows it with its player
("Digital Piano (client)"), why in past tense, and the stretch's times.  Pure functions of the
manifest's entries; nothing is read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sessions.timefmt import format_time

SERVER_SLACK_S = 1.5
"""A stretch of an input that starts this close [seconds] to when the JACK server was found
gone is put down to the server: an audio input is lost from its last callback, which the
stall check sees up to a second late."""

#: The ends of the lines said live about an input unplugged and plugged in again
#: (:func:`improv.capture.live_status.unplugged_text`, ``back_text``): what to do now, true
#: only while recording. Afterwards the stretches not recorded say the same in past tense, so
#: :func:`warnings_afterwards` leaves them out (and improv/web/static/session.js LIVE_ONLY).
PICKED_UP = "plug it in again, the recording goes on and picks it up"
#: the same when the desktop's sound system (PulseAudio) stopped: nothing to plug in
#: (:func:`improv.capture.live_status.system_stopped_text`)
SYSTEM_PICKED_UP = "start it again (or log out and in); the recording goes on and picks it up"
RECORDED_AGAIN = "recorded again from then on"

END_SLACK_S = 0.05
"""A stretch ending this close [seconds] to the session's end runs to the end."""

#: cause -> (past tense of one stretch, of several); ``{n}`` counts, ``{total}`` sums them
CAUSES = {
    "unplugged": ("was unplugged {span}: nothing recorded from it then",
                  "was unplugged {n} times {span}, {total} in all: nothing recorded from it "
                  "then"),
    "unplugged_silence": ("was unplugged {span}: filled with silence",
                          "was unplugged {n} times {span}, {total} in all: filled with "
                          "silence"),
    "dropout": ("had a dropout {span}, filled with silence",
                "had {n} dropouts {span}, {total} in all, filled with silence"),
    "jack_stopped": ("recorded nothing {span}: the audio system (JACK) stopped",
                     "recorded nothing {span}: the audio system (JACK) stopped"),
    "sound_system": ("recorded nothing {span}: the computer's sound system ({system}) had "
                     "stopped; filled with silence",
                     "recorded nothing {n} times {span}, {total} in all: the computer's sound "
                     "system ({system}) had stopped; filled with silence"),
}
#: a stretch that ran to the end of a recording that stopped because of it (the recorder's own
#: line says why, first)
ENDED = "recorded nothing {span}, until the recording stopped"
#: cause -> the band's label on the timeline after the input (short: it is cut at 40
#: characters), of one stretch and of ``{n}``
LABELS = {"unplugged": (" unplugged", " unplugged {n} times"),
          "unplugged_silence": (" unplugged", " unplugged {n} times"),
          "dropout": (": dropout", ": {n} dropouts"), "jack_stopped": (": JACK stopped",) * 2,
          "sound_system": (": {system} stopped", ": {system} stopped {n} times")}


def known_name(name: str, *, among: Sequence[str] = ()) -> str:
    """An input's device as a therapist knows it: a JACK or ALSA port without its port part
    (``Digital Piano:midi_out`` -> ``Digital Piano``, ``mic:out_1`` -> ``mic``), unless
    another name of ``among`` is of the same device (then the whole name tells them apart);
    anything else as it is."""
    device, sep, _ = name.partition(":")
    device = device.strip()
    if not sep or not device:
        return name
    if any(o != name and o.partition(":")[0].strip() == device for o in among):
        return name
    return device


def _seconds(s: float) -> str:
    return f"{s:.2f} s" if s < 10 else f"{s:.0f} s"


def moment_length(seconds: float) -> str:
    """How long a stretch too short for its shown times lasted: ``0.2 s``, ``0.04 s``,
    ``under 0.01 s`` (never ``0.0 s``)."""
    if seconds < 0.005:
        return "under 0.01 s"
    return f"{seconds:.2f} s" if seconds < 0.095 else f"{seconds:.1f} s"


def span_words(t: float, end: float, *, count: int = 1, decimals: int = 1) -> tuple[str, str]:
    """The words of a stretch's times, and the times in them, as shown at ``decimals``.

    A stretch whose two ends read the same (``0:34.4–0:34.4``, shorter than the shown
    precision: review rev-pulse, finding 6) is a moment with its length, ``for a moment
    (0.04 s) at 0:34.4``; a cluster of ``count`` stretches within one shown time is ``at
    0:34.4`` (its length is said as the total).

    Parameters
    ----------
    t, end : float [seconds]
        The stretch's start and end.
    count : int
        How many stretches the words stand for.
    decimals : int
        Decimals of the seconds shown (:func:`sessions.timefmt.format_time`).

    Returns
    -------
    tuple of str
        The words (``0:07.5–0:15.0`` or ``for a moment (0.04 s) at 0:34.4``) and the times
        in them (``0:07.5–0:15.0`` or ``0:34.4``: what a page makes a link of).
    """
    a, b = format_time(t, decimals=decimals), format_time(end, decimals=decimals)
    if a != b:
        return f"{a}–{b}", f"{a}–{b}"
    if count > 1:
        return f"at {a}", a
    return f"for a moment ({moment_length(max(0.0, end - t))}) at {a}", a


def gap_text(gap: dict[str, Any], *, count: int = 1, total_s: float | None = None,
             ended_recording: bool = False) -> dict[str, str]:
    """The words of one stretch (or a cluster of ``count`` of them, ``total_s`` [s] in all).

    Parameters
    ----------
    gap : dict
        ``t``, ``end`` [s], ``name`` (the input as known), ``players`` (list), ``cause`` (a
        key of :data:`CAUSES`); ``system`` for ``sound_system`` (``PulseAudio``).
    ended_recording : bool
        Whether the stretch ran to the end of a recording that stopped because of it.

    Returns
    -------
    dict
        ``input`` ("Digital Piano (client)"), ``span`` ("0:07.5–0:15.0", or "0:34.4" for a
        moment: the times as they appear in the text, :func:`span_words`), ``text`` (a
        sentence in past tense) and ``label`` (the timeline band's).
    """
    who = f"{gap['name']} ({', '.join(gap['players'])})" if gap["players"] else gap["name"]
    words, span = span_words(gap["t"], gap["end"], count=count)
    one, many = CAUSES[gap["cause"]]
    if ended_recording:
        one = many = ENDED
    total = _seconds(gap["end"] - gap["t"] if total_s is None else total_s)
    system = gap.get("system") or "PulseAudio"
    text = f"{who} " + (one if count == 1 else many).format(span=words, n=count, total=total,
                                                            system=system)
    label = who + LABELS[gap["cause"]][count > 1].format(n=count, system=system)
    return {"input": who, "span": span, "text": text, "label": label}


def lost_system(events: Sequence[dict[str, Any]], *, name: str, t: float) -> str | None:
    """The sound system (``PulseAudio``) whose stop took audio input ``name`` away at ``t``
    [s]: its ``device_lost`` event within :data:`SERVER_SLACK_S` says so (``sound_system``,
    journaled since session 37); None when none does (unplugged, or an older session)."""
    for e in events:
        if (e.get("kind") == "device_lost" and e.get("sound_system") and e.get("name") == name
                and abs(float(e.get("t", -1e9)) - t) <= SERVER_SLACK_S):
            return str(e["sound_system"])
    return None


def _players(names: Sequence[str], renamed: dict[str, str]) -> list[str]:
    return [renamed.get(p, p) for p in names]


def stretches(manifest: dict[str, Any], *, renamed: dict[str, str] | None = None
              ) -> list[dict[str, Any]]:
    """Every stretch not recorded of a session's manifest, by time.

    Each: ``t``, ``end`` [s], ``what``, ``why`` (the journal's facts, as before), ``name`` (the
    input as the therapist knows it), ``players`` (its players' current names, ``renamed``:
    recorded name -> current), ``cause`` (``unplugged``, ``unplugged_silence``, ``dropout``,
    ``jack_stopped``, ``sound_system`` with ``system``), and the words of
    :func:`gap_text`: ``input``, ``span``, ``text``, ``label``.
    """
    renamed = renamed or {}
    events = manifest.get("events", [])
    audio = manifest.get("audio", [])
    ports = [p.get("name", "") for p in manifest.get("midi", {}).get("ports", [])]
    server_at = next((e["t"] for e in events if e.get("kind") == "jack_server_lost"), None)
    stop = next((e.get("reason") for e in events if e.get("kind") == "stop"), None)
    duration = manifest.get("duration_s")

    def audio_named(name):
        return next((a for a in audio if a.get("name") == name), None)

    def audio_name(a):
        return (a.get("device") or {}).get("name") or a["name"]

    out = []
    for e in events:
        if e.get("kind") == "midi_gap":
            g = {"what": f"MIDI port {e.get('port')}",
                 "name": known_name(str(e.get("port")), among=ports),
                 "players": _players([e["player"]] if e.get("player") else [], renamed)}
        elif e.get("kind") == "source_gap":
            # what went away (a JACK source wired to the input, or the input's device), as
            # the live warning named it, with the players of the input it fed
            a = audio_named(e.get("name"))
            g = {"what": f"audio source {e.get('source')}",
                 "name": known_name(str(e.get("source"))),
                 "players": _players(list(a.get("players", {})) if a else [], renamed)}
        else:
            continue
        by_server = server_at is not None and \
            server_at - SERVER_SLACK_S <= e["t"] <= server_at + SERVER_SLACK_S
        system = None if e.get("kind") != "source_gap" else \
            lost_system(events, name=str(e.get("name")), t=e["t"])
        if system:  # an audio input still away at the end, with the desktop's sound system
            g["system"] = system
        out.append({"t": e["t"], "end": e["end"], "why": "device lost", **g,
                    "cause": ("jack_stopped" if by_server else
                              "sound_system" if system else "unplugged")})
    for a in audio:
        for gap in a.get("gaps", []):
            reopen = gap.get("detected_by") == "reopen"
            system = lost_system(events, name=a["name"], t=gap["t"]) if reopen else None
            out.append({"t": gap["t"], "end": gap["t"] + gap["frames"] / a["sr"],
                        "why": ("device lost, filled with silence" if reopen
                                else "dropout, filled with silence"),
                        "what": f"audio input {a['name']}", "name": audio_name(a),
                        "players": _players(list(a.get("players", {})), renamed),
                        "cause": ("sound_system" if system else
                                  "unplugged_silence" if reopen else "dropout"),
                        **({"system": system} if system else {})})
    for g in out:
        g.update(gap_text(g, ended_recording=_ended(g, stop=stop, duration=duration)))
    return sorted(out, key=lambda g: g["t"])


def _ended(g: dict[str, Any], *, stop: str | None, duration: float | None) -> bool:
    """Whether ``g`` ran to the end of a recording that stopped because its server did."""
    return (g["cause"] == "jack_stopped" and stop == "jack_server_lost" and duration is not None
            and g["end"] >= duration - END_SLACK_S)


def group_text(group: dict[str, Any], *, manifest: dict[str, Any]) -> dict[str, str]:
    """The words of a cluster of stretches (``count``, ``total_s``; see
    :func:`sessions.session.group_gaps`)."""
    events = manifest.get("events", [])
    stop = next((e.get("reason") for e in events if e.get("kind") == "stop"), None)
    return gap_text(group, count=group["count"], total_s=group["total_s"],
                    ended_recording=_ended(group, stop=stop,
                                           duration=manifest.get("duration_s")))


def warnings_afterwards(warnings: Sequence[str], *, unplugged: bool) -> list[str]:
    """What the recorder said live (``warnings``), as it reads after the recording: less its
    "plug it in again" and "recorded again" lines where what is said afterwards holds the
    unplug in past tense (``unplugged``: a stretch not recorded of an unplugged input, or
    the device's lost and back events); the others as they are, in their order (why a
    recording stopped first)."""
    return [w for w in warnings
            if not (unplugged and w.endswith((PICKED_UP, SYSTEM_PICKED_UP, RECORDED_AGAIN)))]
