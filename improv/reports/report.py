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
import os
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from analysis.features import describe
from improv import __version__
from improv.errors import ImprovError, ParameterError
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
.curves { break-before: page; break-inside: avoid; } .last { break-inside: avoid; }
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
    from sessions.timefmt import local_datetime

    # times in this computer's zone, as the web app and `improv sessions list` show them
    stamp = local_datetime(datetime.now(timezone.utc).isoformat())
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
            value = _e(shown(k, v))
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


def session_report_html(store, session_id: str) -> str:
    """The HTML report of one session."""
    from improv.analyze import analyze_session
    from improv.reports import plots
    from sessions.notes import notes_with_links
    from sessions.timefmt import format_time, local_datetime

    session = store.session(session_id)
    m = session.manifest
    from improv.reports.labels import source_name
    from improv.reports.summary_text import summary_sentences

    res = analyze_session(store, session_id, dialogue=len(session.players) >= 2)
    from sessions.revisions import read_revisions, session_label

    anns = session.annotations()
    label = session_label(store.catalog.session_number(session_id), m["id"], m.get("title"))
    parts = [f"<h1>{_e(label)}</h1>",
             f"<p class=meta>Client <b>{_e(m.get('client') or '–')}</b> · therapist "
             f"{_e(m.get('therapist') or '–')} · started "
             f"{_e(local_datetime(m['started_utc']))}"
             f" · length {format_time(session.duration_s, decimals=0)}"
             f"{' · DEMO (generated, not a real session)' if m.get('demo') else ''}</p>"]
    for r in read_revisions(session.folder):  # corrections keep the original visible
        parts.append(f"<p class=meta>{_e(r['field'])} corrected {_e(local_datetime(r['at_utc']))}"
                     f"{' by ' + _e(r['by']) if r.get('by') else ''}: was "
                     f"{_e(r['from'] or '–')}, now {_e(r['to'] or '–')}</p>")
    parts.append("<h2>Summary</h2><p class=summary>"
                 + _e(" ".join(x["text"] for x in summary_sentences(res, annotations=anns)))
                 + "</p>")
    rows = []
    for p in m["players"]:
        ins = [f"MIDI {port['name']}" for port in m["midi"]["ports"] if port["player"] == p["name"]]
        ins += [f"audio {a['name']} ch {','.join(map(str, a['players'][p['name']]))}"
                for a in m["audio"] if p["name"] in a.get("players", {})]
        rows.append(f"<tr><td>{_e(p['name'])}</td><td>{_e('; '.join(ins) or '–')}</td></tr>")
    parts.append("<h2>Players and inputs</h2><table><tr><th>player</th><th>inputs</th></tr>"
                 + "".join(rows) + "</table>")
    parts.append("<h2>Measures</h2>")
    for player, entry in res["players"].items():
        for source, r in entry["sources"].items():
            summ = r["summary"]
            status = summ.get("status")  # said only when something kept it from measuring
            parts.append(f"<h3>{_e(player)} ({_e(source_name(source))})"
                         f"{': ' + _e(status) if status and status != 'ok' else ''}</h3>"
                         + _measures_table(summ))
    for d in res.get("dialogue", []):
        nums = {k: v for k, v in d["summary"].items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)}
        parts.append(f"<h3>Dialogue: {_e(' & '.join(d['pair']))}</h3>" + _measures_table(nums))
    with tempfile.TemporaryDirectory() as tmp:
        try:
            # a page of its own at full width (not a landscape figure shrunk to half a page)
            parts.append("<div class=curves><h2>Curves</h2><p class=small>Red lines: markers; "
                         "grey dashed lines: annotations; shaded: annotated stretches.</p>"
                         + _img(plots.plot_players(res, Path(tmp) / "p.png", annotations=anns,
                                                   portrait=True), "page") + "</div>")
            if res.get("dialogue"):
                parts.append(_img(plots.plot_dialogue(res, Path(tmp) / "d.png",
                                                      annotations=anns), "page"))
        except Exception as exc:  # noqa: BLE001 - a report without a plot is still a report
            parts.append(f"<p class=small>(no plot: {_e(exc)})</p>")
    parts.append("<h2>Annotations</h2>")
    if anns:
        trs = [f"<tr><td>{format_time(a['t'])}"
               f"{'–' + format_time(a['end']) if a.get('end') is not None else ''}"
               f"</td><td>{_e(a.get('player') or everyone(len(m['players'])))}</td>"
               f"<td>{_e(' '.join(a['tags']))}</td>"
               f"<td>{_e(a.get('text'))}</td><td class=small>{_e(a.get('by') or '')}"
               f"{' (edited ' + _e(a['edited_utc'][:16]) + ')' if a.get('edited_utc') else ''}"
               "</td></tr>"
               for a in anns]
        parts.append("<table><tr><th>time</th><th>player</th><th>tags</th><th>text</th><th>by</th></tr>"
                     + "".join(trs) + "</table>")
    else:
        parts.append("<p>None.</p>")
    notes = notes_with_links(session.folder, duration_s=session.duration_s)
    last = "<h2>Verbal notes</h2>" + (f"<pre>{_e(notes['text'])}</pre>" if notes["text"]
                                       else "<p>None.</p>")
    return _page(f"improv session {m['id']}", "".join(parts), last=last)


def client_report_html(store, *, client: str, result: dict[str, Any] | None = None) -> str:
    """The HTML report of a client's course (see :func:`improv.reports.compare.compare_client`).

    The treatment goals come first; then the trends (the charts, then the table), the
    therapist's tags, each session's writing, and an appendix of each session's values. Every
    value is in the unit its heading names (a share in per cent), with the measure's own
    decimals; the field names of the CSV export are left to its data dictionary.
    """
    from improv.reports.client_sections import session_writing_html, tag_trend_html
    from improv.reports.compare import compare_client
    from improv.reports.labels import column_title, meaning, shown_fixed, shown_slope, shown_unit
    from improv.reports.trend_plots import plot_client
    from improv.reports.wording import change_word
    from sessions.revisions import session_label
    from sessions.timefmt import local_day

    result = result or compare_client(store, client=client)
    sess = result["sessions"]
    parts = [f"<h1>Client {_e(client)}</h1>",
             f"<p class=meta>{counted(len(sess), 'session')} from "
             f"{_e(local_day(sess[0]['started_utc']))} to "
             f"{_e(local_day(sess[-1]['started_utc']))} · baseline: "
             f"{counted(len(result['baseline']), 'session')}, "
             f"band ±{result['band_sd']:g} SD</p>"]
    parts.append(_goals_section(store, client))  # before the trends
    parts.append("<h2>Trends</h2>")
    cols = result["columns"]
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(0, len(cols), 8):  # at most 8 panels a figure: one page each
            chunk = cols[k:k + 8]
            who = ", ".join(dict.fromkeys(c.split(".")[0].replace("|", " & ") for c in chunk))
            parts.append('<div style="page-break-inside: avoid">' + _img(plot_client(
                result, to=Path(tmp) / f"c{k}.png", columns=chunk,
                title=f"Client {client}: {who}")) + "</div>")
    # sessions are named by their date, as on the client page (the IDs are in the table below)
    day = {x["id"]: local_day(x["started_utc"]) for x in sess}

    def dates(ids) -> str:  # a date is never broken over two lines ("2026-11-" / "23")
        return ", ".join(f"<span class=nowrap>{_e(day.get(i, i))}</span>" for i in ids) or "–"

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
                   f"<td>{_band_text(c, f['band'])}</td>"
                   f"<td>{dates(f['outside_band'])}</td>"
                   f"<td>{dates(f['outliers'])}</td></tr>")
    parts.append("<p class=small>Theil–Sen slope with its 95 % interval, in the unit of the "
                 "measure; “changes” when the Mann–Kendall test rejects “no trend” at 5 % "
                 "(exact; never with fewer than five sessions).</p>"
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
        trs = [f"<tr><td class=nowrap>{_e(local_day(s['started_utc']))}</td>"
               f"<td>{_e(session_label(store.catalog.session_number(s['id']), s['id']))}</td>"
               f"<td class=num>{s['annotations']}</td>"
               + "".join(f"<td class=num>{_e(shown_fixed(c, s['values'].get(c)))}</td>"
                         for c in chunk) + "</tr>"
               for s in sess]
        parts.append("<table class=appendix><tr><th>date</th><th>session</th><th>annotations</th>"
                     f"{ths}</tr>" + "".join(trs) + "</table>")
    defs = "".join(f"<tr><td>{_e(column_title(c))}</td><td>{_e(shown_unit(c) or '–')}</td>"
                   f"<td>{_e(meaning(c))}</td></tr>" for c in cols)
    parts.append("<h3>Definitions</h3><table class=definitions><tr><th>measure</th><th>unit</th>"
                 "<th>meaning</th></tr>" + defs + "</table>")
    return _page(f"improv client {client}", "".join(parts))


def _goals_section(store, client: str) -> str:
    from improv.reports.goals import goals_progress
    from improv.reports.goals_report import goals_section_html

    return goals_section_html(goals_progress(store, client))


def _band_text(column: str, band: dict | None) -> str:
    """Baseline mean ± SD in the unit of the measure's heading, with its decimals (a share in
    per cent to one decimal, a tempo in whole BPM, a pitch by its note name); an SD too small
    for those decimals keeps one significant digit, not "± 0"."""
    from improv.reports.labels import decimals, scale, shown_band, shown_fixed

    if not band:
        return "–"
    if describe(column)[0] == "MIDI note":
        return _e(shown_band(column, band))
    sd = scale(column) * band["sd"]
    if abs(sd) < 1e-9 * max(1.0, abs(scale(column) * band["mean"])):
        sd = 0.0
    places = decimals(column)
    sd_text = f"{sd:.{places}f}" if sd == 0 or round(sd, places) else f"{sd:.1g}"
    return f"{_e(shown_fixed(column, band['mean']))} ± {sd_text}"


#: Where Chrome and Chromium are installed outside the PATH (macOS, Windows).
CHROMIUM_PLACES = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
)


def chromium_sandbox_flags() -> list[str]:
    """``--no-sandbox`` only for root: Chromium refuses to start its sandbox as root (a
    container, CI); as any other user the page is printed inside the sandbox."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


def find_chromium() -> str | None:
    """``$IMPROV_CHROMIUM``, a Chromium or Chrome on the PATH, or one where macOS and Windows
    install it."""
    given = os.environ.get("IMPROV_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return next((p for p in CHROMIUM_PLACES if Path(p).is_file()), None)


def write_report(text: str, to: Path) -> Path:
    """Write ``text`` (HTML) to ``to``: ``.html`` as is, ``.pdf`` through headless Chromium."""
    to = Path(to)
    suffix = to.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ParameterError(f"report file must end in .html or .pdf, got {to.name!r}",
                             parameter="to")
    if not to.parent.is_dir():
        raise ParameterError(f"folder {to.parent} does not exist", parameter="to")
    from sessions.fsutil import atomic_write_bytes

    if suffix != ".pdf":
        atomic_write_bytes(to, text.encode("utf-8"))
        return to
    chromium = find_chromium()
    if chromium is None:
        raise ImprovError(
            "a PDF needs Chromium or Chrome (apt-get install chromium; elsewhere install "
            "Chrome or set IMPROV_CHROMIUM to its program); or write an HTML report "
            "(FILE.html)", parameter="to")
    with tempfile.TemporaryDirectory(prefix="improv-report-") as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(text, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        # the page is self-contained (data: URIs): no name is resolved and every connection
        # goes to a dead proxy, so nothing leaves the machine (Chromium otherwise looks up
        # Google's update and account servers even with background networking disabled)
        cmd = [chromium, "--headless", *chromium_sandbox_flags(), "--disable-gpu",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
               "--no-pings", "--disable-domain-reliability",
               f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", src.as_uri()]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if not out.exists():
            raise ImprovError(
                f"Chromium could not print the PDF: {(r.stderr or '').strip()[-300:]}")
        os.chmod(out, 0o600)
        atomic_write_bytes(to, out.read_bytes())
    return to
