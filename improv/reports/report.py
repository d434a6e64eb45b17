"""Printable reports for documentation and supervision: HTML, and PDF through Chromium.

A report is one self-contained HTML file (inline CSS, plots embedded as PNG
data) that any browser shows and prints; ``.pdf`` is made from it by headless
Chromium's print-to-PDF (Debian ``chromium``), so what is printed is exactly
what is shown.  Reports are pseudonymised: they name the client by code only
(improv never stores names).  Everything user-written (annotation text,
notes) is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from analysis.features import describe
from improv import __version__
from improv.reports.wording import counted, everyone

CSS = """
body { font: 11pt/1.4 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 2em; }
h1 { font-size: 18pt; margin: 0 0 .2em; } h2 { font-size: 13pt; margin: 1.4em 0 .4em;
  border-bottom: 1px solid #999; } h3 { font-size: 11pt; margin: 1em 0 .3em; }
table { border-collapse: collapse; margin: .3em 0 1em; font-size: 9.5pt; }
th, td { border: 1px solid #bbb; padding: .15em .45em; text-align: left; vertical-align: top; }
th { background: #eee; } th.group { background: #f7f7f7; font-weight: bold; padding-top: .4em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #333; } .nowrap { white-space: nowrap; } .small { font-size: 8.5pt; color: #333; }
img { max-width: 100%; } img.page { width: 100%; max-height: 205mm; object-fit: contain; }
.curves { break-inside: avoid; } .last { break-inside: avoid; }
h2.appendix { break-before: page; }
pre { white-space: pre-wrap; font: 10pt/1.4 "DejaVu Sans", sans-serif;
  background: #f6f6f6; padding: .6em; border: 1px solid #ddd; }
.out { color: #a50f15; font-weight: bold; } .up { color: #006d2c; }
@page { size: A4; margin: 15mm; }
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _num(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return _e(v)


def _img(path: Path, cls: str = "") -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f'<img alt="plot"{f" class={cls}" if cls else ""} src="data:image/png;base64,{data}">'


def _page(title: str, body: str, *, last: str = "") -> str:
    """The HTML page; ``last`` (the final section) is kept on one page with the footer, so
    the footer never stands alone on a page of its own."""
    from improv.reports.wording import moment_text

    # times in this computer's zone, written as every other moment of the report
    stamp = moment_text(datetime.now(timezone.utc).isoformat())
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{_e(title)}</title>"
            f"<style>{CSS}</style><body>{body}<div class=last>{last}<p class=small>Made by "
            f"improv {__version__} on {stamp}. Pseudonymised: client codes only.</p></div>"
            "</body></html>")


def _measure_rows(summary: dict[str, Any]) -> dict[str, str]:
    """``{key: value as shown}`` of a summary's measures for a report table: numbers and the
    analysis' words (in plain words); a tempo without a pulse to stand on says so."""
    from improv.reports.labels import shown

    out = {}
    for k, v in summary.items():
        if k == "tempo_bpm" and summary.get("pulse") in ("none", "rare"):
            # 0 BPM means no clear pulse; a rare pulse's tempo may be chance
            value = ("–" if not v else f"{_num(v)} (pulse in under 10 % of the "
                                          "windows: may be chance)")
        elif k == "tempo_level_from" and v != "midi":  # said only where the MIDI set it
            continue
        elif isinstance(v, str) and k not in ("status", "tempo_source"):
            value = _e(shown(k, v, summary=summary))  # the pulse in plain words
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            value = _e(shown(k, v, summary=summary))  # a note spelled as in its key
        else:
            continue
        out[k] = value
    return out


def _measures_table(summary: dict[str, Any]) -> str:
    """A summary as a table of every measure, by group in the web page's order (tempo,
    density, …, the dialogue's groups, the analysis' own settings last), each group under its
    title (a therapist's review: the tables opened with "Curves measured over 6 s", and the
    dialogue's ended after 40 rows, before its asynchrony and imitation)."""
    from improv.reports.labels import grouped, heading, meaning

    rows = _measure_rows(summary)
    trs = []
    for title, keys in grouped(rows):
        trs.append(f"<tr><th colspan=3 class=group>{_e(title)}</th></tr>")
        trs += [f"<tr><td>{_e(heading(k))}</td><td class=num>{rows[k]}</td>"
                f"<td class=small>{_e(meaning(k))}</td></tr>" for k in keys]
    return ("<table><tr><th>measure</th><th>value</th><th>meaning</th></tr>"
            + "".join(trs) + "</table>")


#: Abbreviations and names of methods in the technical appendix, each written out once.
ABBREVIATIONS = (
    ("BPM", "beats per minute"),
    ("MIDI", "the notes as an electronic instrument sends them (which key, when, how hard: "
             "velocity 0–127)"),
    ("SD", "standard deviation: how far values spread around their mean"),
    ("MTTB", "Music Therapy Toolbox (Erkkilä et al. 2004; Luck et al. 2008), the measures of "
             "clinical improvisation several of these follow"),
    ("Krumhansl–Kessler", "the key profiles (Krumhansl & Kessler 1982) by which the key and "
                          "the tonal clarity are found"),
    ("RMS", "root mean square, the average strength of the sound"),
    ("dBFS", "decibels below the loudest level the recording can hold (0 dBFS)"),
    ("LUFS, LU", "loudness units, as broadcasters measure loudness (LU: a difference of "
                 "loudness)"),
    ("ITU-R BS.1770", "the International Telecommunication Union's standard for measuring "
                      "loudness"),
    ("EBU R128, EBU Tech 3341, 3342", "the European Broadcasting Union's recommendations for "
                                      "loudness over 400 ms and 3 s, and the loudness range"),
    ("phase correction", "how much of the timing difference to the other player a player "
                         "makes up on the next beat (Vorberg & Wing 1996); who makes up less "
                         "leads"),
    ("bootstrap", "the estimate repeated on resampled beats; the certainty is the share of "
                  "repetitions that name the same leader"),
    ("turn change (floor transfer)", "the music passing from one player alone to the other "
                                     "(Heldner & Edlund 2010)"),
    ("mean resultant length", "how closely one player's notes keep the same place in the "
                              "other's beat (0: anywhere, 1: always the same)"),
    ("Bruscia's autonomy profile", "the roles of the Improvisation Assessment Profiles "
                                   "(Bruscia 1987): dependent, follower, partner, leader, "
                                   "resister"),
)


def _inputs(m: dict[str, Any], player: str) -> list[str]:
    """A player's inputs by kind and number (``MIDI file 1``, ``microphone 1, channel 2``),
    never by a file or device name: an imported file is often named after a person, and the
    report is pseudonymised (``improv sessions show ID`` names them)."""
    ports = m["midi"]["ports"]
    out = []
    for k, port in enumerate(ports, 1):
        if port["player"] == player:
            kind = "MIDI file" if "imported" in (port.get("device") or {}) else "MIDI input"
            out.append(f"{kind} {k}" if len(ports) > 1 else kind)
    for k, a in enumerate(m["audio"], 1):
        if player in a.get("players", {}):
            kind = "audio file" if "imported" in (a.get("device") or {}) else "microphone"
            chans = a["players"][player]
            name = f"{kind} {k}" if len(m["audio"]) > 1 else kind
            out.append(f"{name}, channel{'s' if len(chans) > 1 else ''} "
                       f"{', '.join(map(str, chans))}")
    return out


def _primary(entry: dict[str, Any]) -> list[str]:
    """A player's sources, MIDI first (the notes as played), as the session page's table."""
    return sorted(entry["sources"], key=lambda s: not s.startswith("midi"))


def _tempo_cell(sm: dict[str, Any]) -> str:
    """The tempo and pulse of a player's summary as the session page's table says them: a
    tempo with its pulse; without a tempo, the rough one the summary gives ("around 96 BPM")
    where the pulse came and went, or "no clear pulse"."""
    from analysis.beats import CLEAR_SHARE
    from improv.reports.labels import OFTEN_PULSED_SHARE, shown

    pulse, share = sm.get("pulse"), sm.get("pulsed_share")
    if sm.get("tempo_bpm") and pulse not in ("none", "rare"):
        alt = (f" (or {sm['tempo_alt_bpm']:.0f})" if (sm.get("tempo_alt_share") or 0) >= 0.4
               and sm.get("tempo_alt_bpm") else "")
        said = "clear pulse" if pulse == "clear" else f"pulse {shown('pulse', pulse, summary=sm)}"
        return f"{sm['tempo_bpm']:.0f} BPM{alt}, {said}"
    near = (round(sm["tempo_bpm_tentative"]) if pulse == "intermittent"
            and sm.get("tempo_bpm_tentative") else None)
    if pulse == "intermittent" and share is not None and share >= CLEAR_SHARE:
        return "a pulse, but no single tempo" + (f" (nearest: about {near} BPM)" if near else "")
    if near:
        often = share is not None and share >= OFTEN_PULSED_SHARE
        return f"around {near} BPM, clear pulse {'much of the time' if often else 'only at times'}"
    return {"intermittent": "clear pulse only at times", "too short": "too short to tell"}.get(
        pulse, "no clear pulse")


def _main_table(res: dict[str, Any]) -> str:
    """One row per player from its first input (MIDI first), as on the session page: tempo
    and pulse, dynamics, density, silence."""
    from improv.reports.labels import input_name

    trs = []
    for player, entry in res["players"].items():
        srcs = _primary(entry)
        if not srcs:
            continue
        sm = entry["sources"][srcs[0]]["summary"]
        dyn = (f"velocity {sm['velocity_mean']:.0f} of 127" if sm.get("velocity_mean") is not None
               else f"level {sm['level_dbfs_mean']:.1f} dBFS"
               if sm.get("level_dbfs_mean") is not None else "–")
        dens = (f"{sm['notes_per_s']:.2f} notes/s" if sm.get("notes_per_s") is not None
                else f"{sm['onsets_per_s']:.2f} onsets/s"
                if sm.get("onsets_per_s") is not None else "–")
        sil = f"{100 * sm['silence_share']:.0f} %" if sm.get("silence_share") is not None else "–"
        trs.append(f"<tr><th>{_e(player)} ({_e(input_name(srcs[0], srcs))})</th>"
                   f"<td>{_e(_tempo_cell(sm))}</td><td>{_e(dyn)}</td><td>{_e(dens)}</td>"
                   f"<td>{_e(sil)}</td></tr>")
    return ("<table><tr><th>player</th><th>tempo</th><th>dynamics</th><th>density</th>"
            "<th>silence (pauses over 2 s)</th></tr>" + "".join(trs) + "</table>")


def _percent_words(x: float) -> str:
    """A certainty in per cent; a bootstrap share of 1 is "over 99 %", not "100 %"."""
    return "over 99 %" if x >= 0.995 else f"{100 * x:.0f} %"


#: Why a player is named the leader, in a therapist's words (``{who}`` led, ``{other}`` the
#: other player), by what named them (:data:`improv.reports.labels.WORDS` ``leader_basis``).
LEADER_REASONS = {
    "timing": "{other} adjusted to {who}",
    "features": "{other} took up {who}'s changes in density, loudness and register",
    "timing+features": "{other} adjusted to {who} and took up {who}'s changes",
}


def leader_text(summary: dict[str, Any], pair: tuple[str, str]) -> str:
    """Who led, in plain words: why (who adjusted to whom) and how sure, without the method's
    name (that is in the technical appendix): ``client (the therapist adjusted to the client;
    96 % sure)``; a leader who is no player in words (``neither (together)``).

    >>> leader_text({"leader": "client", "leader_basis": "timing",
    ...              "leader_confidence": 0.96}, ("client", "therapist"))
    'client (the therapist adjusted to the client; 96 % sure)'
    >>> leader_text({"leader": "none", "leader_basis": "none"}, ("a", "b"))
    'no one named'
    """
    from improv.reports.labels import WORDS

    who = summary.get("leader") or "none"
    if who not in pair:
        return WORDS["leader"].get(who, who)
    other = pair[1] if who == pair[0] else pair[0]
    reason = LEADER_REASONS.get(summary.get("leader_basis") or "", "")
    conf = summary.get("leader_confidence")
    said = [reason.format(who=f"the {who}", other=f"the {other}")] if reason else []
    if isinstance(conf, (int, float)):
        said.append(f"{_percent_words(conf)} sure")
    return f"{who} ({'; '.join(said)})" if said else who


#: The dialogue's measures a therapist reads (``{a}``, ``{b}``: the pair), in this order; the
#: rest (the phase corrections that name the leader among them) are in the technical appendix.
DIALOGUE_MAIN = ("joint_share", "{a}_solo_share", "{b}_solo_share", "silent_share",
                 "floor_transfers_per_min", "leader", "{a}_leads_share", "{b}_leads_share",
                 "together_share", "asynchrony_abs_mean_ms",
                 "asynchrony_mean_ms", "shared_pulse_share", "{a}_imitates_{b}_count",
                 "{b}_imitates_{a}_count")


#: The meanings of :data:`DIALOGUE_MAIN` in a therapist's words (``{x}``, ``{y}``: players).
DIALOGUE_MEANINGS = {
    "joint_share": "share of the session in which both played",
    "{x}_solo_share": "share of the session in which only {x} played",
    "silent_share": "share of the session in which neither played",
    "floor_transfers_per_min": "how often a minute the music passed from one player playing "
                               "alone to the other",
    "leader": "who led over the session, what named them, and how sure that is",
    "{x}_leads_share": "share of the session in which {x} led",
    "together_share": "share of the session in which they moved together, neither ahead",
    "asynchrony_abs_mean_ms": "how far apart notes played together came, on average",
    "asynchrony_mean_ms": "who came later on average, and by how much",
    "shared_pulse_share": "share of the session in which both had a clear pulse on the same "
                          "tempo (or half or twice it)",
    "{x}_imitates_{y}_count": "times {x} took up {y}'s rhythms or melodies (more often than "
                              "chance would give)",
}


def _dialogue_table(d: dict[str, Any]) -> str:
    """The pair's main measures (:data:`DIALOGUE_MAIN`) in a therapist's words
    (:data:`DIALOGUE_MEANINGS`): who led named with its certainty, the mean asynchrony with
    who came later, values in the decimals of the session page."""
    from analysis.features import lookup
    from improv.reports.labels import heading, shown, shown_fixed

    a, b = d["pair"]
    sm = d["summary"]
    trs = []
    for key in (k.format(a=a, b=b) for k in DIALOGUE_MAIN):
        found = lookup(key)
        mean = DIALOGUE_MEANINGS[found[0].name].format(**found[1]) if found else ""
        if key == "leader":
            value, head = leader_text(sm, (a, b)), "Who led"
        elif key not in sm or sm[key] is None:
            continue
        elif key == "asynchrony_mean_ms":
            v = sm[key]
            later = f" ({b} after {a})" if v > 0 else f" ({a} after {b})" if v < 0 else ""
            value, head = f"{abs(v):.0f}{later}", heading(key)
        else:  # shares in whole per cent, as on the session page; the rest in its decimals
            value = (shown(key, sm[key]) if describe(key)[0] in ("fraction", "count")
                     else shown_fixed(key, sm[key]))
            head = heading(key)
        trs.append(f"<tr><td>{_e(head)}</td><td class=num>{_e(value)}</td>"
                   f"<td class=small>{_e(mean)}</td></tr>")
    return ("<table><tr><th>measure</th><th>value</th><th>meaning</th></tr>" + "".join(trs)
            + "</table>")


def _by_text(a: dict[str, Any]) -> str:
    """Who wrote an annotation and when it was changed, the day as the rest of the report
    writes it: a role the analysis suggested and the therapist confirmed reads "suggested by
    the analysis, confirmed Dec 6, 2026", not as edited."""
    from improv.reports.wording import day_text, moment_text

    when = a.get("edited_utc")
    if a.get("source") == "suggestion":
        return "suggested by the analysis" + (f", confirmed {day_text(when)}" if when else "")
    return (a.get("by") or "") + (f" (edited {moment_text(when)})" if when else "")


def _annotation_rows(anns: list[dict[str, Any]], n_players: int, *, by: bool = True) -> str:
    from sessions.timefmt import format_time

    return "".join(
        f"<tr><td class=nowrap>{format_time(a['t'])}"
        f"{'–' + format_time(a['end']) if a.get('end') is not None else ''}"
        f"</td><td>{_e(a.get('player') or everyone(n_players))}</td>"
        f"<td>{_e(' '.join(t for t in a['tags'] if t != 'suggestion'))}</td>"
        f"<td>{_e(a.get('text'))}</td>"
        + (f"<td class=small>{_e(_by_text(a))}</td>" if by else "") + "</tr>"
        for a in anns)


def session_report_html(store, session_id: str) -> str:
    """The HTML report of one session.

    First what a therapist reads: the summary, the main measures of each player and of each
    pair (in plain words), the annotations and the notes, and the curves with the therapist's
    own annotations, one after the other without a forced page break. Then the technical
    appendix for research and supervision: the abbreviations written out, the players'
    inputs (by kind, never by file name), every measure of every input and pair, the
    dialogue's figure with the roles the analysis suggests, the suggestions waiting for
    review, and the curves of the players' other inputs.
    """
    from improv.analyze import analyze_session
    from improv.reports import plots
    from improv.reports.summary_text import summary_sentences
    from improv.reports.wording import day_text, moment_text, unconfirmed
    from sessions.notes import notes_with_links
    from sessions.revisions import read_revisions, session_label
    from sessions.timefmt import format_time

    session = store.session(session_id)
    m = session.manifest
    res = analyze_session(store, session_id, dialogue=len(session.players) >= 2)
    every = session.annotations()
    anns = [a for a in every if not unconfirmed(a)]  # the therapist's own and confirmed
    waiting = [a for a in every if unconfirmed(a)]
    number = store.catalog.session_number(session_id)
    label = session_label(number, m["id"], m.get("title"))
    parts = [f"<h1>{_e(label)}</h1>",
             f"<p class=meta>Client <b>{_e(m.get('client') or 'not given')}</b> · therapist: "
             f"{_e(m.get('therapist') or 'not given')} · started "
             f"{_e(moment_text(m['started_utc']))}"
             f" · length {format_time(session.duration_s, decimals=0)}"
             f"{' · DEMO (generated, not a real session)' if m.get('demo') else ''}</p>"]
    for r in read_revisions(session.folder):  # corrections keep the original visible
        parts.append(f"<p class=meta>{_e(r['field'])} corrected {_e(moment_text(r['at_utc']))}"
                     f"{' by ' + _e(r['by']) if r.get('by') else ''}: was "
                     f"{_e(r['from'] or 'not given')}, now {_e(r['to'] or 'not given')}</p>")
    parts.append("<h2>Summary</h2><p class=summary>"
                 + _e(" ".join(x["text"] for x in summary_sentences(res, annotations=every)))
                 + "</p>")
    parts.append("<h2>Measures</h2>" + _main_table(res))
    for d in res.get("dialogue", []):
        parts.append(f"<h3>Playing together: {_e(' & '.join(d['pair']))}</h3>"
                     + _dialogue_table(d))
    parts.append("<p class=small>Every measure of every input, how the leader is named, and "
                 "the figure of the playing together are in the technical appendix.</p>")
    notes = notes_with_links(session.folder, duration_s=session.duration_s)
    n_players = len(m["players"])
    # the therapist's writing before the curves: the curves' page then ends the therapist's
    # part, and no page holds only a line or two of it
    if not anns and not notes["text"]:  # said once, not as two sections of "None."
        parts.append("<h2>Annotations and notes</h2><p>No annotations or notes.</p>")
    else:
        parts.append("<h2>Annotations</h2>" + (
            "<table><tr><th>time</th><th>player</th><th>tags</th><th>text</th><th>by</th></tr>"
            + _annotation_rows(anns, n_players) + "</table>" if anns else
            "<p>No annotations.</p>"))
        parts.append("<h2>Verbal notes</h2>" + (f"<pre>{_e(notes['text'])}</pre>"
                                                 if notes["text"] else "<p>No notes.</p>"))
    if waiting:
        parts.append(f"<p class=small>{_e(_waiting_text(len(waiting)))}</p>")
    day = day_text(m["started_utc"])
    short = f"Session {number} ({day})" if number else day
    columns = [(p, s) for p, e in res["players"].items() for s in _primary(e)]
    first = [c for c in columns if c[1] == _primary(res["players"][c[0]])[0]]
    others = [c for c in columns if c not in first]
    appendix_curves = dialogue_figure = ""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            # at full width, two players a figure; kept whole, but never pushed to a page of
            # its own when it fits under what comes before
            figs = [_img(plots.plot_players(res, Path(tmp) / f"p{k}.png", annotations=anns,
                                            portrait=True, columns=cols, title=short), "page")
                    for k, cols in enumerate(_pairs_of(first))]
            # the heading stays with its figure (the figure moves to the next page whole)
            parts.append("<div class=curves><h2>Curves</h2><p class=small>Red lines: markers; "
                         "grey dashed lines: annotations; shaded: annotated stretches (the "
                         "therapist's own, and roles the therapist confirmed).</p>"
                         + "</div><div class=curves>".join(figs) + "</div>")
            if res.get("dialogue"):
                dialogue_figure = ("<div class=curves><h3>The playing together, over the "
                                   "session</h3>" + _img(plots.plot_dialogue(
                                       res, Path(tmp) / "d.png", annotations=anns,
                                       session_id=m["id"], title=f"{short}: playing together"),
                                       "page") + "</div>")
            appendix_curves = "".join(
                "<div class=curves><h3>Curves of the other inputs</h3>" + _img(
                    plots.plot_players(res, Path(tmp) / f"o{k}.png", annotations=anns,
                                       portrait=True, columns=cols, title=short), "page")
                + "</div>" for k, cols in enumerate(_pairs_of(others)) if cols)
        except Exception as exc:  # noqa: BLE001 - a report without a plot is still a report
            parts.append(f"<p class=small>(no plot: {_e(exc)})</p>")
    # -- the technical appendix: for research and supervision ------------------------------
    parts.append(_appendix_html(m, res, waiting=waiting, dialogue_figure=dialogue_figure,
                                other_curves=appendix_curves))
    last = ("<h3>About this report</h3><p class=small>Inputs are named by player and kind, "
            "not by file or device name (a file may be named after a person); "
            f"<code>improv sessions show {_e(m['id'])}</code> names them.</p>")
    return _page(f"improv session {m['id']}", "".join(parts), last=last)


def _appendix_html(m: dict[str, Any], res: dict[str, Any], *, waiting: list[dict[str, Any]],
                   dialogue_figure: str, other_curves: str) -> str:
    """The session report's technical appendix, for research and supervision: the
    abbreviations written out, the players' inputs (by kind), every measure of every input
    and pair, the dialogue's figure, the role suggestions waiting for review and the curves
    of the players' other inputs (``dialogue_figure``, ``other_curves``: their HTML)."""
    from improv.reports.labels import input_name

    n_players = len(m["players"])
    parts: list[str] = []
    parts.append(f"<h2 class=appendix>{APPENDIX}</h2><p class=small>Every measure of every "
                 "input and pair, with its meaning; the labels and units are those of "
                 "<code>improv analyze</code>. Abbreviations and methods named below:</p>"
                 "<table class=small><tr><th>abbreviation</th><th>meaning</th></tr>"
                 + "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in ABBREVIATIONS)
                 + "</table>")
    rows = [f"<tr><td>{_e(p['name'])}</td><td>{_e('; '.join(_inputs(m, p['name'])) or '–')}"
            "</td></tr>" for p in m["players"]]
    parts.append("<h3>Players and inputs</h3><table><tr><th>player</th><th>inputs</th></tr>"
                 + "".join(rows) + "</table>")
    for player, entry in res["players"].items():
        for source in _primary(entry):
            summ = entry["sources"][source]["summary"]
            status = summ.get("status")  # said only when something kept it from measuring
            parts.append(f"<h3>{_e(player)} ({_e(input_name(source, list(entry['sources'])))})"
                         f"{': ' + _e(status) if status and status != 'ok' else ''}</h3>"
                         + _measures_table(summ))
    for d in res.get("dialogue", []):
        parts.append(f"<h3>Dialogue: {_e(' & '.join(d['pair']))}</h3><p class=small>"
                     f"{_e(LEADER_METHOD)}</p>" + _measures_table(d["summary"]))
    parts.append(dialogue_figure)
    if waiting:
        parts.append("<h3>Role suggestions waiting for review</h3><p class=small>Suggested by "
                     "the analysis from the playing, not yet confirmed or discarded on the "
                     "session page: not the therapist's observations, so neither drawn on the "
                     "curves nor counted with the annotations.</p><table><tr><th>time</th>"
                     "<th>player</th><th>role</th><th>text</th></tr>"
                     + _annotation_rows(waiting, n_players, by=False) + "</table>")
    parts.append(other_curves)
    return "".join(parts)


#: How the dialogue's leader is named, for the appendix (the therapist's part says who led
#: and how sure, in plain words).
LEADER_METHOD = (
    "Who led: named by timing (who adapts to whom: each player's phase correction, "
    "“adapts”, on paired beats; who makes up less of the timing difference leads), by the "
    "music's changes (density, loudness, register: lead-lag correlation) where timing cannot "
    "tell, or by both; the certainty is the bootstrap share that names the same leader.")


def _waiting_text(n: int) -> str:
    """The therapist's part on role suggestions not yet reviewed."""
    said = "One role suggestion of the analysis is" if n == 1 else \
        f"{n} role suggestions of the analysis are"
    return (f"{said} waiting for review on the session page (“Roles the analysis suggests”). "
            "They are listed in the technical appendix, and are not drawn on the curves.")


#: The heading of the session report's technical appendix.
APPENDIX = "Technical appendix (for research and supervision)"


def _pairs_of(items: list) -> list[list]:
    """``items`` two at a time (two columns of curves a page)."""
    return [items[k:k + 2] for k in range(0, len(items), 2)]


#: The course charts' marks in the web legend's words (improv/web/static/client.js), for the
#: client report (``{k}``: the band's SDs, ``{n}``: the baseline's sessions).
COURSE_LEGEND = (
    ("baseline band", "the mean of the {n} ± {k} standard deviations (their usual spread), "
                      "never narrower than the smallest change that matters: a later session "
                      "outside it is “outside band”"),
    ("filled point", "annotated session"),
    ("hollow point", "session without annotations"),
    ("orange triangle", "outside band: a later session whose value lies outside the baseline "
                        "band (pointing up above it, down below it)"),
    ("red ring", "outlier: far off this client’s own course (the trend line), whether inside "
                 "the band or not"),
    ("dashed line", "trend, where the change is clear"),
    ("grey cross on the axis", "a session without a value: the line is broken there, and "
                               "the session is named under the chart"),
)

#: How the client report's trends are judged, for its appendix (the therapist's part says it
#: in one plain sentence, :data:`TREND_PLAIN`).
TREND_METHOD = (
    "Trend: the Theil–Sen slope (the median of the slopes between every two sessions) per "
    "session, with its 95 % interval, in the unit of the measure. A trend “changes” when the "
    "exact Mann–Kendall test rejects “no trend” at 5 % (never with fewer than five sessions "
    "with a value). Baseline band: the mean of the baseline sessions ± {k} standard "
    "deviations (SD), never narrower than the smallest change that matters for the measure. "
    "Outliers: a robust z-score over 3.5 from the trend line (the median absolute deviation "
    "× 1.4826; Iglewicz & Hoaglin 1993), and off the line by at least the smallest change "
    "that matters. A session without a value of a measure is left out of its trend.")
#: The therapist's part on how a trend is judged.
TREND_PLAIN = ("Trend: the change from one session to the next, with the range it lies in "
               "(95 %). A trend is called a change only when it is clear, from five sessions "
               "on; the method is in the appendix.")


def _nobreak(name: str) -> str:
    """A session's name that breaks only before its day: ``Session 3`` / ``(Nov 16)``."""
    head, _, day = name.partition(" (")
    return (_e(head).replace(" ", "&nbsp;") + (" (" + _e(day).replace(" ", "&nbsp;")
                                                if day else ""))


def client_report_html(store, *, client: str, result: dict[str, Any] | None = None) -> str:
    """The HTML report of a client's course (see :func:`improv.reports.compare.compare_client`).

    The treatment goals come first; then the trends (the charts with their legend and the
    sessions each has no value for, then the table), the therapist's tags, each session's
    writing, and an appendix of each session's values and the method. Sessions are named as
    on the web page and in ``improv compare`` ("Session 3 (Nov 16)"); every value is in the
    unit its heading names (a share in per cent), with the measure's own decimals
    (:func:`improv.reports.labels.shown_fixed`, :func:`~improv.reports.labels.shown_band`);
    the field names of the CSV export are left to its data dictionary.
    """
    from improv.reports.client_sections import session_writing_html, tag_trend_html
    from improv.reports.compare import compare_client
    from improv.reports.labels import (
        column_title,
        meaning,
        shown_band,
        shown_fixed,
        shown_slope,
        shown_unit,
    )
    from improv.reports.trend_plots import missing_values, plot_client
    from improv.reports.wording import change_word, day_text, session_name

    result = result or compare_client(store, client=client)
    sess = result["sessions"]
    year = len({day_text(s["started_utc"])[-4:] for s in sess}) > 1
    name = {s["id"]: session_name(s.get("number"), s["started_utc"], session_id=s["id"],
                                  year=year) for s in sess}
    k_sd = f"{result['band_sd']:g}"
    parts = [f"<h1>Client {_e(client)}</h1>",
             f"<p class=meta>{counted(len(sess), 'session')} from "
             f"{_e(day_text(sess[0]['started_utc']))} to "
             f"{_e(day_text(sess[-1]['started_utc']))} · baseline: the first "
             + (f"{len(result['baseline'])} sessions" if len(result["baseline"]) > 1
                else "session") + "</p>"]
    parts.append(_goals_section(store, client))  # before the trends
    base = counted(len(result["baseline"]), "baseline session")
    feats = [result["features"][c] for c in result["columns"]]
    drawn = {"baseline band": any(f["band"] for f in feats),  # the marks the charts hold
             "orange triangle": any(f.get("outside_band") for f in feats),
             "red ring": any(f["outliers"] for f in feats),
             "dashed line": any(f["trend"] and f["trend"]["distinguishable"] for f in feats),
             "grey cross on the axis": any(None in f["values"] and any(
                 v is not None for v in f["values"]) for f in feats),
             "filled point": any(s["annotations"] for s in sess),
             "hollow point": any(not s["annotations"] for s in sess)}
    parts.append("<h2>Trends</h2><table class=small><tr><th>mark</th><th>meaning</th></tr>"
                 + "".join(f"<tr><td class=nowrap>{_e(a)}</td><td>"
                           f"{_e(b.format(k=k_sd, n=base))}</td></tr>"
                           for a, b in COURSE_LEGEND if drawn.get(a, True)) + "</table>")
    cols = result["columns"]
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(0, len(cols), 8):  # at most 8 panels a figure: one page each
            chunk = cols[k:k + 8]
            who = ", ".join(dict.fromkeys(c.split(".")[0].replace("|", " & ") for c in chunk))
            gone = missing_values(result, chunk)
            parts.append('<div style="page-break-inside: avoid">' + _img(plot_client(
                result, to=Path(tmp) / f"c{k}.png", columns=chunk,
                title=f"Client {client}: {who}"))
                + "".join(f"<p class=small>{_e(x)}</p>" for x in gone) + "</div>")

    def named(ids) -> str:  # a session's name never broken inside ("2026-11-" / "23")
        return ", ".join(_nobreak(name.get(i, i)) for i in ids) or "–"

    trs = []
    for c in cols:
        f = result["features"][c]
        t = f["trend"]
        trend_txt = "–" if not t else (
            f"{shown_slope(c, t['slope_per_session'])} per session "
            f"<span class=nowrap>[{shown_slope(c, t['ci_low'])}, "
            f"{shown_slope(c, t['ci_high'])}]</span>")
        word = change_word(t, len([v for v in f["values"] if v is not None]))
        verdict = {"yes": "<span class=up>changes</span>", "no": "no clear change",
                   "–": ""}.get(word, _e(word))
        trs.append(f"<tr><td>{_e(column_title(c))}</td><td>{trend_txt}</td><td>{verdict}</td>"
                   f"<td class=nowrap>{_e(shown_band(c, f['band']))}</td>"
                   f"<td>{named(f['outside_band'])}</td>"
                   f"<td>{named(f['outliers'])}</td></tr>")
    parts.append(f"<p class=small>{_e(TREND_PLAIN)}</p>"
                 "<table><tr><th>measure</th>"
                 "<th>trend</th><th>change</th><th>baseline mean ± SD</th><th>outside the band</th>"
                 "<th>outliers</th></tr>" + "".join(trs) + "</table>")
    parts.append(tag_trend_html(store, sess))
    parts.append(session_writing_html(store, sess))
    parts.append('<h2 style="page-break-before: always">Appendix: the measures of each '
                 'session</h2><p class=small>Each value in the unit its heading names (a share '
                 'in per cent), as in the Trends table. The field names and the values as '
                 'stored are in the CSV export and its data dictionary (<code>improv compare '
                 '--client CODE --export FOLDER</code>, or “Export CSV” and “Data dictionary '
                 'CSV” on the client page).</p>')
    for k in range(0, len(cols), 6):  # six features a table, so it fits the page width
        chunk = cols[k:k + 6]
        ths = "".join(f"<th>{_e(column_title(c))}</th>" for c in chunk)
        trs = [f"<tr><td>{_nobreak(name[s['id']])}</td>"
               f"<td class=num>{s['annotations']}</td>"
               + "".join(f"<td class=num>{_e(shown_fixed(c, s['values'].get(c)))}</td>"
                         for c in chunk) + "</tr>"
               for s in sess]
        parts.append("<table class=appendix><tr><th>session</th><th>annotations</th>"
                     f"{ths}</tr>" + "".join(trs) + "</table>")
    defs = "".join(f"<tr><td>{_e(column_title(c))}</td><td>{_e(shown_unit(c) or '–')}</td>"
                   f"<td>{_e(meaning(c))}</td></tr>" for c in cols)
    parts.append("<h3>Definitions</h3><table class=definitions><tr><th>measure</th><th>unit</th>"
                 "<th>meaning</th></tr>" + defs + "</table>")
    parts.append(f"<h3>Method</h3><p class=small>{_e(TREND_METHOD.format(k=k_sd))}</p>")
    return _page(f"improv client {client}", "".join(parts))


def _goals_section(store, client: str) -> str:
    from improv.reports.goals import goals_progress
    from improv.reports.goals_report import goals_section_html

    return goals_section_html(goals_progress(store, client))


def _band_text(column: str, band: dict | None) -> str:
    """Baseline mean ± SD as every view writes it (:func:`improv.reports.labels.shown_band`),
    HTML-escaped."""
    from improv.reports.labels import shown_band

    return _e(shown_band(column, band))
