"""Printable reports for documentation and supervision: HTML, and PDF through Chromium.

A report is one self-contained HTML file (inline CSS, plots embedded as PNG
data, :mod:`improv.reports.page`) that any browser shows and prints; ``.pdf`` is made from
it by headless Chromium's print-to-PDF (:mod:`improv.reports.printing`), so what is printed
is exactly what is shown.  Reports are pseudonymised: they name the client by code only
(improv never stores names).  Everything user-written (annotation text, notes) is
HTML-escaped.  This module writes the session report (:func:`session_report_html`); the
client report is :mod:`improv.reports.client_report` (:func:`client_report_html`, also
importable from here).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from analysis.features import describe
from improv.reports.client_report import client_report_html
from improv.reports.labels import LAG_KEYS, lag_means_nothing
from improv.reports.page import esc, html_page, img_tag, num_text
from improv.reports.wording import everyone

__all__ = ["ABBREVIATIONS", "APPENDIX", "CURVE_FIGURES", "DIALOGUE_FIGURES",
           "MAX_VALUE_COLUMNS", "client_report_html", "leader_text", "session_report_html"]


def _measure_rows(summary: dict[str, Any]) -> dict[str, str]:
    """``{key: value as shown}`` of a summary's measures for a report table: numbers and the
    analysis' words (in plain words); a tempo without a pulse to stand on says so, and so does
    a pair's lead-lag where the correlation named no leader (:data:`LAG_KEYS`)."""
    from improv.reports.labels import shown

    out = {}
    for k, v in summary.items():
        if k == "tempo_bpm" and summary.get("pulse") in ("none", "rare"):
            # 0 BPM means no clear pulse; a rare pulse's tempo may be chance
            value = ("–" if not v else f"{num_text(v)} (pulse in under 10 % of the "
                                          "windows: may be chance)")
        elif k in LAG_KEYS and isinstance(v, (int, float)) and lag_means_nothing(summary):
            # the lag of the best correlation is there whatever its strength (review 31, L2)
            value = (f"{esc(shown(k, v, summary=summary))} (the changes in the playing named "
                     "no leader: may be chance)")
        elif k == "tempo_level_from" and v != "midi":  # said only where the MIDI set it
            continue
        elif isinstance(v, str) and k not in ("status", "tempo_source"):
            value = esc(shown(k, v, summary=summary))  # the pulse in plain words
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            value = esc(shown(k, v, summary=summary))  # a note spelled as in its key
        else:
            continue
        out[k] = value
    return out


#: Most value columns (inputs or pairs) one measures table of the appendix has, so that it
#: fits an A4 page's width beside the labels and meanings; more start another table.
MAX_VALUE_COLUMNS = 4


def _measures_table(columns: list[tuple[str, dict[str, Any]]]) -> str:
    """Summaries side by side as tables of every measure: a column per input (or pair), each
    measure's label and meaning once, by group in the web page's order (tempo, density, …, the
    dialogue's groups, the analysis' own settings last), each group under its title (a
    therapist's review: the tables opened with "Curves measured over 6 s", and the dialogue's
    ended after 40 rows, before its asynchrony and imitation; review 29: every input's table
    said every label again). A measure an input does not have is "–"; more than
    :data:`MAX_VALUE_COLUMNS` columns are spread over several tables.

    Parameters
    ----------
    columns : list of (str, dict)
        ``(heading, summary)`` for each column: the heading as shown (``client (MIDI)``), the
        summary of :func:`improv.analyze.analyze_session` (a source's or a pair's).
    """
    from improv.reports.labels import grouped, heading, meaning

    tables = []
    for k in range(0, len(columns), MAX_VALUE_COLUMNS):
        chunk = columns[k:k + MAX_VALUE_COLUMNS]
        rows = [_measure_rows(summary) for _, summary in chunk]
        keys = list(dict.fromkeys(key for r in rows for key in r))
        trs = []
        for title, group in grouped(keys):
            trs.append(f"<tr><th colspan={len(chunk) + 2} class=group>{esc(title)}</th></tr>")
            trs += [f"<tr><td>{esc(heading(key))}</td>"
                    + "".join(f"<td class=num>{r.get(key, '–')}</td>" for r in rows)
                    + f"<td class=small>{esc(meaning(key))}</td></tr>" for key in group]
        tables.append("<table><tr><th>measure</th>"
                      + "".join(f"<th>{esc(name)}</th>" for name, _ in chunk)
                      + "<th>meaning</th></tr>" + "".join(trs) + "</table>")
    return "".join(tables)


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
        trs.append(f"<tr><th>{esc(player)} ({esc(input_name(srcs[0], srcs))})</th>"
                   f"<td>{esc(_tempo_cell(sm))}</td><td>{esc(dyn)}</td><td>{esc(dens)}</td>"
                   f"<td>{esc(sil)}</td></tr>")
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
        trs.append(f"<tr><td>{esc(head)}</td><td class=num>{esc(value)}</td>"
                   f"<td class=small>{esc(mean)}</td></tr>")
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
    """The rows of an annotations table; with ``by`` (the therapist's own), each numbered
    first, as the curves label them where their tags would crowd
    (:func:`improv.reports.plots.draw_annotations`), and who wrote it last. The tags in
    words, as the session page shows them (:func:`improv.reports.tag_words.tags_in_words`)."""
    from improv.reports.client_sections import annotation_time
    from improv.reports.tag_words import tags_in_words

    return "".join(
        "<tr>" + (f"<td class=num>{k}</td>" if by else "")
        + f"<td class=nowrap>{annotation_time(a)}</td>"
        f"<td>{esc(a.get('player') or everyone(n_players))}</td>"
        f"<td>{esc(tags_in_words(t for t in a['tags'] if t != 'suggestion'))}</td>"
        f"<td>{esc(a.get('text'))}</td>"
        + (f"<td class=small>{esc(_by_text(a))}</td>" if by else "") + "</tr>"
        for k, a in enumerate(anns, 1))


#: The curve groups (keys of :data:`improv.reports.plots.CURVE_GROUPS`) of each of the session
#: report's curve figures, in order. A page breaks between figures, never inside one: the
#: first (about a third of a page with the heading) fits under most of what comes before it,
#: where one figure of every curve left that page near-empty; the second (half a page) ends
#: the therapist's part, so its last page is never one small figure alone before the
#: appendix.
CURVE_FIGURES = (("tempo", "pulse"), ("dynamics", "density", "silence", "register"))


#: The dialogue figures of the session report's appendix: the groups (keys of
#: :data:`improv.reports.plots.DIALOGUE_GROUPS`) of each and whether it holds the strip of
#: suggested roles. Two figures of about 3.5 to 4 in, so that a page breaks between them:
#: one figure of 7 in left the page before it under half full (0.42 of a 5 min demo's).
DIALOGUE_FIGURES = ((("activity", "leading", "synchrony", "asynchrony"), False),
                    (("tempo", "imitation"), True))


def session_report_html(store, session_id: str, *, appendix: bool = True,
                        notes: bool = True) -> str:
    """The HTML report of one session.

    First what a therapist reads: the summary, the main measures of each player and of each
    pair (in plain words), the annotations and the notes, and the curves with the therapist's
    own annotations (figures of a few curve groups each, :data:`CURVE_FIGURES`), one after
    the other without a forced page break. Then the technical appendix for research and
    supervision: the abbreviations written out, the players' inputs (by kind, never by file
    name), every measure of every input and pair, the dialogue's figure with the roles the
    analysis suggests, the suggestions waiting for review, and the curves of the players'
    other inputs. Without ``appendix`` the report ends with the therapist's part (a few
    pages where the appendix adds many: every measure of every input), and says where the
    rest is. Without ``notes`` the therapist's verbal notes are left out (a report for
    supervision or a case review), and the report says so where they would stand and in its
    footer; the annotations are printed as written either way.
    """
    from improv.analyze import analyze_session
    from improv.reports.summary_text import recorded_spans, summary_groups, summary_html
    from improv.reports.wording import day_text, unconfirmed

    session = store.session(session_id)
    m = session.manifest
    res = analyze_session(store, session_id, dialogue=len(session.players) >= 2)
    every = session.annotations()
    anns = [a for a in every if not unconfirmed(a)]  # the therapist's own and confirmed
    waiting = [a for a in every if unconfirmed(a)]
    number = store.catalog.session_number(session_id)
    parts = [_header_html(session, number),
             "<h2>Summary</h2>" + summary_html(summary_groups(
                 res, annotations=every, recorded=recorded_spans(m))),
             _measures_html(res, appendix=appendix),
             _writing_html(session, anns, waiting, appendix=appendix, notes=notes)]
    day = day_text(m["started_utc"])
    short = f"Session {number} ({day})" if number else day
    figures = {"curves": "", "dialogue": "", "others": ""}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            figures = _figures_html(res, Path(tmp), anns=anns, title=short, session_id=m["id"],
                                    appendix=appendix)
        except Exception as exc:  # noqa: BLE001 - a report without a plot is still a report
            parts.append(f"<p class=small>(no plot: {esc(exc)})</p>")
    parts.append(figures["curves"])
    # -- the technical appendix: for research and supervision ------------------------------
    if appendix:
        parts.append(_appendix_html(m, res, waiting=waiting,
                                    dialogue_figure=figures["dialogue"],
                                    other_curves=figures["others"]))
    last = ("<h3>About this report</h3><p class=small>Inputs are named by player and kind, "
            "not by file or device name (a file may be named after a person): improv keeps "
            "those names with the session, on the computer that holds the recordings, and "
            "shows them there, never in a report.</p>")
    return html_page(f"improv session {m['id']}", "".join(parts), last=last, notes=notes)


def _header_html(session, number: int | None) -> str:
    """The report's title, the session's facts (client, therapist, start, length, demo) and
    every correction of them, the original kept visible."""
    from improv.reports.wording import moment_text
    from sessions.revisions import read_revisions, session_label
    from sessions.timefmt import format_time

    m = session.manifest
    parts = [f"<h1>{esc(session_label(number, m['id'], m.get('title')))}</h1>",
             f"<p class=meta>Client <b>{esc(m.get('client') or 'not given')}</b> · therapist: "
             f"{esc(m.get('therapist') or 'not given')} · started "
             f"{esc(moment_text(m['started_utc']))}"
             f" · length {format_time(session.duration_s, decimals=0)}"
             f"{' · DEMO (generated, not a real session)' if m.get('demo') else ''}</p>"]
    parts += [f"<p class=meta>{esc(_revision_text(r))}</p>"  # the original stays visible
              for r in read_revisions(session.folder)]
    return "".join(parts)


#: A corrected field of the session as the report names it.
_FIELD_WORDS = {"title": "Title", "client": "Client code"}


def _revision_text(rec: dict[str, Any]) -> str:
    """One correction of the session in words: ``Client code corrected Nov 3, 2026, 10:12 by
    T01: was C7, now C07``; a drum-kit mark and a renamed player as
    :func:`sessions.revisions.revision_words` says them (``Player Piano-client renamed
    client Nov 3, 2026, 10:12 by T01``)."""
    from improv.reports.wording import moment_text
    from sessions.revisions import PERCUSSION, PLAYER, revision_words

    when = moment_text(rec["at_utc"]) + (f" by {rec['by']}" if rec.get("by") else "")
    if rec["field"] in (PERCUSSION, PLAYER):
        return f"{revision_words(rec)} {when}"
    field = _FIELD_WORDS.get(rec["field"], rec["field"])
    return (f"{field} corrected {when}: was {rec['from'] or 'not given'}, now "
            f"{rec['to'] or 'not given'}")


def _measures_html(res: dict[str, Any], *, appendix: bool = True) -> str:
    """The main measures of each player, then of each pair, in plain words, and where the
    rest is (the appendix, or the report with it)."""
    parts = ["<h2>Measures</h2>" + _main_table(res)]
    for d in res.get("dialogue", []):
        parts.append(f"<h3>Playing together: {esc(' & '.join(d['pair']))}</h3>"
                     + _dialogue_table(d))
    parts.append("<p class=small>Every measure of every input, how the leader is named, and "
                 "the figure of the playing together are in the technical appendix"
                 + ("" if appendix else " (a report with it: tick “with the technical "
                    "appendix” beside the Report buttons on the session's page in improv)")
                 + ".</p>")
    return "".join(parts)


def _writing_html(session, anns: list[dict[str, Any]], waiting: list[dict[str, Any]], *,
                  appendix: bool = True, notes: bool = True) -> str:
    """The therapist's writing: their annotations (``anns``) and verbal notes, said once
    when there are neither, and how many role suggestions wait for review (``waiting``). It
    comes before the curves: the curves then end the therapist's part, and no page holds only
    a line or two of it. Without ``notes`` the notes are not read, and the report says that
    they are left out, not whether there are any."""
    from sessions.notes import notes_with_links

    text = notes_with_links(session.folder, duration_s=session.duration_s)["text"] if notes \
        else ""
    parts = []
    if not anns and not text and notes:  # said once, not as two sections of "None."
        parts.append("<h2>Annotations and notes</h2><p>No annotations or notes.</p>")
    else:
        parts.append("<h2>Annotations</h2>" + (
            "<table><tr><th>no.</th><th>time</th><th>player</th><th>tags</th><th>text</th>"
            "<th>by</th></tr>"
            + _annotation_rows(anns, len(session.manifest["players"])) + "</table>" if anns
            else "<p>No annotations.</p>"))
        parts.append("<h2>Verbal notes</h2>" + (
            f"<pre>{esc(text)}</pre>" if text else "<p>No notes.</p>" if notes
            else "<p>The therapist's verbal notes are left out of this report.</p>"))
    if waiting:
        parts.append(f"<p class=small>{esc(_waiting_text(len(waiting), appendix=appendix))}</p>")
    return "".join(parts)


def _figures_html(res: dict[str, Any], folder: Path, *, anns: list[dict[str, Any]],
                  title: str, session_id: str, appendix: bool = True) -> dict[str, str]:
    """The report's figures as HTML, drawn into ``folder``: ``curves`` (the therapist's part:
    each player's first input, two players a row of figures), ``dialogue`` and ``others``
    (the appendix: the playing together, the players' other inputs). Each figure is kept
    whole on a page, and a heading stays with the figure under it."""
    from improv.reports import plots

    columns = [(p, s) for p, e in res["players"].items() for s in _primary(e)]
    first = [c for c in columns if c[1] == _primary(res["players"][c[0]])[0]]
    others = [c for c in columns if c not in first]
    figs = [f for k, cols in enumerate(_pairs_of(first))
            for f in _curve_figures(res, folder, columns=cols, anns=anns, title=title,
                                    name=f"p{k}")]
    said = (" Above the top panels: each annotation's first tag, or, where the tags would "
            "crowd, its number in the Annotations table." if anns else "")
    curves = _kept_with("<h2>Curves</h2><p class=small>Red lines: markers; grey dashed "
                        "lines: annotations; shaded: annotated stretches (the therapist's "
                        f"own, and roles the therapist confirmed).{said}</p>", figs)
    if not appendix:  # the appendix's figures are not drawn for a report without it
        return {"curves": curves, "dialogue": "", "others": ""}
    dialogue = ""
    if res.get("dialogue"):
        chosen = [(gs, roles) for gs, roles in DIALOGUE_FIGURES
                  if roles or plots.dialogue_groups(res, groups=gs)]
        dialogue = _kept_with("<h3>The playing together, over the session</h3>", [img_tag(
            plots.plot_dialogue(res, folder / f"d{k}.png", annotations=anns,
                                session_id=session_id, groups=gs, roles=roles,
                                title=f"{title}: playing together"), "page")
            for k, (gs, roles) in enumerate(chosen)])
    other = "".join(_kept_with("<h3>Curves of the other inputs</h3>", _curve_figures(
        res, folder, columns=cols, anns=anns, title=title, name=f"o{k}"))
        for k, cols in enumerate(_pairs_of(others)) if cols)
    return {"curves": curves, "dialogue": dialogue, "others": other}


def _kept_with(heading: str, figures: list[str]) -> str:
    """``figures`` each kept whole on a page, ``heading`` with the first of them."""
    if not figures:
        return ""
    return (f"<div class=curves>{heading}{figures[0]}</div>"
            + "".join(f"<div class=curves>{f}</div>" for f in figures[1:]))


def _curve_figures(res: dict[str, Any], folder: Path, *, columns: list[tuple[str, str]],
                   anns: list[dict[str, Any]], title: str, name: str) -> list[str]:
    """The curves of ``columns`` (at most two inputs) as figures of :data:`CURVE_FIGURES`
    (a figure whose groups hold no curve is left out; the first is drawn with "no curve"
    where no group has one), as ``<img>`` tags, each titled ``title`` and its groups ("Session
    3 (Nov 16): dynamics, density and register")."""
    from improv.reports import plots
    from improv.reports.wording import sessions_named  # names joined as people list them

    chosen = [g for g in (plots.curve_groups(res, columns=columns, groups=gs)
                          for gs in CURVE_FIGURES) if g] or [list(CURVE_FIGURES[0])]
    return [img_tag(plots.plot_players(
        res, folder / f"{name}-{k}.png", annotations=anns, portrait=True, columns=columns,
        groups=groups, title=f"{title}: {sessions_named(groups)}"), "page")
        for k, groups in enumerate(chosen)]


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
                 "input and pair, with its meaning; the labels and units are those improv "
                 "shows wherever it lists these measures. Abbreviations and methods named "
                 "below:</p>"
                 "<table class=small><tr><th>abbreviation</th><th>meaning</th></tr>"
                 + "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in ABBREVIATIONS)
                 + "</table>")
    rows = [f"<tr><td>{esc(p['name'])}</td><td>{esc('; '.join(_inputs(m, p['name'])) or '–')}"
            "</td></tr>" for p in m["players"]]
    parts.append("<h3>Players and inputs</h3><table><tr><th>player</th><th>inputs</th></tr>"
                 + "".join(rows) + "</table>")
    inputs = []
    for player, entry in res["players"].items():
        for source in _primary(entry):
            summ = entry["sources"][source]["summary"]
            status = summ.get("status")  # said only when something kept it from measuring
            inputs.append((f"{player} ({input_name(source, list(entry['sources']))})"
                           f"{': ' + status if status and status != 'ok' else ''}", summ))
    if inputs:
        parts.append("<h3>Measures of each input</h3>" + _measures_table(inputs))
    pairs = [(" & ".join(d["pair"]), d["summary"]) for d in res.get("dialogue", [])]
    if pairs:
        parts.append(f"<h3>Dialogue: {'each pair' if len(pairs) > 1 else esc(pairs[0][0])}"
                     f"</h3><p class=small>{esc(LEADER_METHOD)}</p>" + _measures_table(pairs))
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


def _waiting_text(n: int, *, appendix: bool = True) -> str:
    """The therapist's part on role suggestions not yet reviewed."""
    said = "One role suggestion of the analysis is" if n == 1 else \
        f"{n} role suggestions of the analysis are"
    return (f"{said} waiting for review on the session page (“Roles the analysis suggests”). "
            + ("They are listed in the technical appendix, and are not drawn on the curves."
               if appendix else "They are not drawn on the curves."))


#: The heading of the session report's technical appendix.
APPENDIX = "Technical appendix (for research and supervision)"


def _pairs_of(items: list) -> list[list]:
    """``items`` two at a time (two columns of curves a page)."""
    return [items[k:k + 2] for k in range(0, len(items), 2)]
