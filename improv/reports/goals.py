"""Progress towards a client's treatment goals, per goal and per indicator.

The goals are stored by :mod:`sessions.goals`.  For each version of a goal, the client's
sessions while it was active (from its start day to the day before the next version, or to
the day it was reached or dropped) give each indicator a course: a measure's value per
session from the catalog (as :func:`improv.compare.compare_client` compares them; sessions not
analysed yet are analysed first), or the number of the session's annotations with a tag.  Of
that course:

- the **baseline band**: mean ± 2 SD of the first :data:`BASELINE_SESSIONS` sessions of the
  period (:func:`analysis.trends.baseline_band`); an indicator that a change of the goal kept
  (:func:`same_indicator`) keeps the band of the first sessions it was followed in, so that
  rewording a goal, or adding a measure to it, never sets the yardstick of the others anew,
- the **trend**: the Theil–Sen slope and the exact Mann–Kendall test of "no trend"
  (:func:`analysis.trends.trend`),
- the **verdict**: ``too few sessions to judge`` below :data:`MIN_SESSIONS_TO_JUDGE` sessions
  with a value (the exact test cannot reject "no trend" with four: its smallest p-value is
  0.083), ``rising`` or ``falling`` when the test rejects "no trend" at 5 %, else
  ``no clear change``; and whether a clear trend goes ``towards`` the goal (the direction the
  therapist gave) or away from it. A clear trend that moved the measure by less than the
  smallest change that matters over the sessions (:func:`improv.reports.compare.too_small`,
  the course's "too small to matter") is no change either: :data:`TOO_SMALL`, towards
  neither.

The reading in plain words says only that: "rose"/"fell" only for a clear trend large enough
to matter, with the values of the trend line at the first and last session of the period;
"no change that matters" for one too small. The goal's reading
follows each indicator of its latest version over every session since it was first followed
(across the changes that kept it) and, for a goal that was changed, says so: "over 10
sessions since Jan 8, 2026", "over 6 sessions since the goal was changed on Feb 26, 2026".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from improv.reports.goal_indicators import (
    distinct_columns,
    indicator_label,
    matching_columns,
    measure_owner,
    measure_words,
    owner_problem,
    pair_value,
    reversed_pair,
    same_pair_reversed,
)

#: Sessions with a value below which no verdict is given (see the module docstring).
MIN_SESSIONS_TO_JUDGE = 5
#: Sessions at the start of a goal's period whose mean ± BAND_SD SD is the baseline band.
BASELINE_SESSIONS = 3
BAND_SD = 2.0
TOO_FEW = "too few sessions to judge"
#: The verdict on a clear trend too small to matter: the client page's and reports' word
#: (:data:`improv.reports.wording.TOO_SMALL`).
TOO_SMALL = "too small to matter"


# -- progress ------------------------------------------------------------------------------

def _in_period(day: str, since: str, until: str | None) -> bool:
    return since <= day and (until is None or day <= until)


def indicator_heading(ind: dict[str, Any]) -> str:
    """An indicator's label with the unit its values are shown in (:func:`shown_values`):
    ``client leads (%)``, ``client (MIDI) · Silence (%)``, a tag count without one."""
    from improv.reports.labels import shown_unit

    unit = shown_unit(ind["column"]) if ind.get("column") else ""
    return f"{ind['label']} ({unit})" if unit else ind["label"]


def _count(v: float, *, sign: bool = False) -> str:
    """A number of annotations per session to one decimal (none when it is whole), with a
    true minus sign; ``sign``: a plus sign before a positive one.

    >>> _count(0.04), _count(-0.2, sign=True), _count(0.25, sign=True), _count(2.0)
    ('0', '−0.2', '+0.3', '2')
    """
    import math

    r = math.floor(abs(v) * 10 + 0.5) / 10  # half away from zero: 0.25 is 0.3
    text = f"{r:.1f}".removesuffix(".0")
    if r == 0:
        return "0"
    return ("−" if v < 0 else "+" if sign else "") + text


def count_trend_words(trend: dict[str, Any] | None) -> str:
    """The trend of a count (annotations with a tag, per session) in words a therapist reads
    at sight, not as a signed slope with its interval ("+0 per session [+0, +0]"):

    - ``no change`` when the slope and its whole 95 % interval are zero (the count stayed
      where it was, apart from single sessions);
    - else the verdict's word, ``rising`` or ``falling`` for a clear trend (the Mann–Kendall
      test, as the verdict), ``too few sessions to judge`` below
      :data:`~improv.reports.wording.MIN_SESSIONS_TO_JUDGE` sessions (as the "changes"
      column), ``no clear trend`` otherwise; then how many more (fewer) annotations a session
      has than the one before, typically (the Theil–Sen slope), and its interval:
      ``no clear trend: 0 more per session (between −0.2 and +0.3)``. Before, 0, 1, 2 and 3
      annotations in four sessions read "about the same: 1 more per session".

    >>> count_trend_words({"slope_per_session": 0.0, "ci_low": 0.0, "ci_high": 0.0,
    ...                    "distinguishable": False})
    'no change'
    >>> count_trend_words({"slope_per_session": 0.04, "ci_low": -0.2, "ci_high": 0.31,
    ...                    "distinguishable": False, "n": 8})
    'no clear trend: 0 more per session (between −0.2 and +0.3)'
    >>> count_trend_words({"slope_per_session": 1.0, "ci_low": 1.0, "ci_high": 1.0,
    ...                    "distinguishable": True})
    'rising: 1 more per session (between +1 and +1)'
    >>> count_trend_words(None)
    '–'
    """
    if not trend:
        return "–"
    slope, low, high = trend["slope_per_session"], trend["ci_low"], trend["ci_high"]
    if slope == 0 and low == 0 and high == 0:
        return "no change"
    from improv.reports.wording import MIN_SESSIONS_TO_JUDGE

    if trend.get("distinguishable"):
        word = "rising" if slope > 0 else "falling" if slope < 0 else "no clear trend"
    elif trend.get("n", MIN_SESSIONS_TO_JUDGE) < MIN_SESSIONS_TO_JUDGE:
        word = "too few sessions to judge"
    else:
        word = "no clear trend"
    more = f"{_count(slope)} more" if slope >= 0 else f"{_count(-slope)} fewer"
    return (f"{word}: {more} per session (between {_count(low, sign=True)} and "
            f"{_count(high, sign=True)})")


def shown_values(ind: dict[str, Any]) -> dict[str, Any]:
    """An indicator's values, band and trend in the unit of :func:`indicator_heading` (shares
    as percentages, notes as names), as the compare tables and the web page show them:
    ``{"values": [str], "band": "7 ± 2" | "–", "trend": "+2" | None, "ci": "[+1, +3]" |
    None, "trend_text"}`` (trend per session); a band kept from an earlier version of the goal
    says which: ``7 ± 2 from version 1``. ``trend_text`` is the whole trend as a line
    says it: ``+2 per session [+1, +3]`` for a measure, in words for a tag count
    (:func:`count_trend_words`), ``–`` without one."""
    from improv.reports.labels import scale, shown, shown_band

    col = ind.get("column")
    k = scale(col) if col else 1.0
    values = [shown(col, v) if col else ("–" if v is None else f"{v:.3g}")
              for v in ind["values"]]
    b, t = ind.get("band"), ind.get("trend")
    band = (shown_band(col, b) if col else
            "–" if not b else f"{b['mean']:.3g} ± {b['sd']:.3g}")
    if b and ind.get("baseline_from"):  # kept from the goal's version it was first followed in
        band += f" from version {ind['baseline_from']['version']}"
    trend = None if not t else f"{k * t['slope_per_session']:+.3g}"
    ci = None if not t else f"[{k * t['ci_low']:+.3g}, {k * t['ci_high']:+.3g}]"
    if ind.get("kind") == "tag" or (not col and ind.get("unit") == "count"):
        text = count_trend_words(t)
    else:
        text = "–" if not t else f"{trend} per session {ci}"
    return {"values": values, "band": band, "trend": trend, "ci": ci, "trend_text": text}


def _fmt(v: float, unit: str = "") -> str:
    """A value of a reading as the screen shows it: a share in per cent, a MIDI note by its
    name, else three digits with the unit (none for counts and 0-1 scales)."""
    from improv.reports.labels import note_name

    if unit == "fraction":
        return f"{100 * v:.0f} %"
    if unit == "MIDI note":
        return note_name(v)
    text = f"{v:.3g}"
    return f"{text} {unit}" if unit and unit not in ("count", "0/1", "0-1") else text


def _smallest(unit: str) -> str:
    """The smallest change that matters for ``unit`` (:data:`improv.reports.compare.
    MIN_BAND_HALF_WIDTH`) in the reading's words: "2 percentage points", "3 BPM", "half a
    semitone"."""
    from improv.reports.compare import MIN_BAND_HALF_WIDTH

    floor = MIN_BAND_HALF_WIDTH[unit]
    if unit == "fraction":
        return f"{100 * floor:g} percentage points"
    if unit in ("MIDI note", "semitones"):
        return "half a semitone" if floor == 0.5 else f"{floor:g} semitones"
    return _fmt(floor, unit)


def course(values: Sequence[float | None], days: Sequence[float], *, direction: str,
           label: str, unit: str = "", earlier: Sequence[float | None] = (),
           span: str = "") -> dict[str, Any]:
    """Band, trend, verdict and reading of one indicator's values over a goal's sessions
    (``unit``: the values' unit in the feature list, for the reading's numbers); ``outside``:
    the positions of the values outside the band (:func:`improv.reports.compare.
    outside_band`).

    ``earlier``: the values of the sessions before these that the indicator was followed in
    without a break (a measure a goal's earlier versions had too): the baseline band is that
    of the first :data:`BASELINE_SESSIONS` of them all, the one agreed at the start, not one
    set anew from the sessions after a change of the goal; the trend and the verdict are of
    ``values`` alone. ``span``: which sessions the reading covers, said after their number
    ("since the goal was changed on Feb 26, 2026").

    >>> c = course([0.85, 0.51, 0.44], [0, 14, 28], direction="up", label="x", unit="0-1",
    ...            earlier=[0.98, 0.99, 0.78, 0.17])
    >>> round(c["band"]["mean"], 2), c["outside"]
    (0.92, [1, 2])
    >>> course([0.5] * 3, [0, 7, 14], direction="up", label="x",
    ...        span="since Jan 8, 2026")["reading"]
    'x: 3 sessions since Jan 8, 2026, too few sessions to judge (5 are needed)'
    >>> c = course([0.0778 - 0.0002 * i for i in range(8)], range(0, 56, 7), direction="down",
    ...            label="Silence", unit="fraction")
    >>> c["verdict"], c["towards"], c["trend"]["distinguishable"]
    ('too small to matter', None, True)
    >>> c["reading"].split(" (")
    ['Silence: no change that matters over 8 sessions', 'a clear trend, but smaller than 2 \
percentage points, the smallest change that matters)']
    """
    from analysis import trends

    v = np.array([np.nan if x is None else float(x) for x in values], dtype=float)
    ref = np.array([np.nan if x is None else float(x) for x in [*earlier, *values]],
                   dtype=float)
    n = int(np.isfinite(v).sum())
    base = list(range(min(BASELINE_SESSIONS, len(ref))))
    from improv.reports.compare import (
        MIN_BAND_HALF_WIDTH,
        floored_band,
        outside_band,
        too_small,
    )

    # a baseline without spread (a client who never led) has a band too where the band is
    # widened to the smallest change that matters
    band = trends.baseline_band(ref, baseline=base, k=BAND_SD,
                                without_spread=unit in MIN_BAND_HALF_WIDTH) if len(ref) else None
    tr = trends.trend(v, days=np.asarray(days, float)) if len(v) else None

    # never narrower than the smallest change that matters (compare.MIN_BAND_HALF_WIDTH)
    band = floored_band(band, unit)
    # the sessions outside it, by the trend charts' rule (improv.reports.compare)
    out = {"n": n, "band": band, "outside": outside_band(v, band),
           "trend": tr.to_dict() if tr else None, "towards": None}
    sessions = f"{n} session{'s' if n != 1 else ''}" + (f" {span}" if span else "")
    if n < MIN_SESSIONS_TO_JUDGE or tr is None:
        out["verdict"] = TOO_FEW
        out["reading"] = (f"{label}: {sessions}{'' if span else ' so far'}, {TOO_FEW} "
                          f"({MIN_SESSIONS_TO_JUDGE} are needed)")
        return out
    sign = np.sign(tr.slope_per_session) or np.sign(tr.ols_slope_per_session)
    if not tr.distinguishable or sign == 0:
        out["verdict"] = "no clear change"
        out["reading"] = f"{label}: no clear change over {sessions}"
        return out
    if too_small(out["trend"], v, unit):  # as the course's "too small to matter"
        out["verdict"] = TOO_SMALL
        out["reading"] = (f"{label}: no change that matters over {sessions} (a clear trend, "
                          f"but smaller than {_smallest(unit)}, the smallest change that "
                          "matters)")
        return out
    x = np.flatnonzero(np.isfinite(v)).astype(float)
    intercept = float(np.median(v[np.isfinite(v)] - tr.slope_per_session * x))
    a, b = intercept + tr.slope_per_session * x[0], intercept + tr.slope_per_session * x[-1]
    rising = bool(sign > 0)
    out["verdict"] = "rising" if rising else "falling"
    out["towards"] = rising == (direction == "up")
    out["reading"] = (f"{label} {'rose' if rising else 'fell'} from {_fmt(a, unit)} to "
                      f"{_fmt(b, unit)} over {sessions}; the trend is clear "
                      f"({'towards the goal' if out['towards'] else 'away from the goal'})")
    return out


def _tag_counts(store, tag: str, session_ids: Sequence[str]) -> list[int]:
    """Per session, the therapist's own annotations tagged ``tag`` (unconfirmed suggestions of
    the analysis are not counted: a goal does not move because the analysis guessed)."""
    counts = store.catalog.own_annotation_counts(session_ids, tag=tag)
    return [counts[sid] for sid in session_ids]


def follows_text(ind: dict[str, Any]) -> str:
    """What an indicator follows, in words, from the day its goal is added (before any
    session too): the measure, whose it is, and which way is progress.

    >>> follows_text({"measure": "floor_transfers_per_min", "player": "client|therapist",
    ...               "direction": "up"})
    'Turn changes per minute of client & therapist, progress when it goes up'
    >>> follows_text({"measure": "leads_share", "player": "client", "direction": "up"})
    'client leads, progress when it goes up'
    >>> follows_text({"tag": "autonomy:leader", "direction": "down"})
    'annotations tagged autonomy:leader per session, progress when it goes down'
    """
    from analysis.features import source_name

    way = f"progress when it goes {ind['direction']}"
    if "tag" in ind:
        return f"annotations tagged {ind['tag']} per session, {way}"
    measure, player = ind["measure"], ind.get("player")
    what = measure_words(measure, player)
    source = measure.rsplit(".", 1)[0] if "." in measure else ""
    if source:  # "midi.tempo_bpm": the player's input named
        what = f"{what} ({source_name(source)})"
    if measure_owner(measure) == "player of a pair" or not player:
        return f"{what}, {way}"  # "client leads" names its player already
    return f"{what} of {player.replace('|', ' & ')}, {way}"


#: The reading of a goal of a client without sessions yet (agreed at intake).
NO_SESSIONS_YET = "no sessions yet to measure it against"


def same_indicator(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two indicators of a goal's versions (:func:`_version_progress`'s) follow the
    same thing the same way: the same tag, or the same measure of the same player or pair
    (however it was named: ``leads_share@client`` and ``client_leads_share@client|therapist``
    read one column), each the same way up or down.

    >>> a = {"kind": "measure", "measure": "tempo_stability", "player": "client",
    ...      "direction": "up", "column": "client.midi.tempo_stability"}
    >>> same_indicator(a, dict(a, measure="midi.tempo_stability")), same_indicator(
    ...     a, dict(a, direction="down"))
    (True, False)
    """
    if a.get("kind") != b.get("kind") or a["direction"] != b["direction"]:
        return False
    if a.get("kind") == "tag":
        return a["tag"] == b["tag"]
    if (a["measure"], a.get("player")) == (b["measure"], b.get("player")):
        return True
    return a.get("column") is not None and a.get("column") == b.get("column")


def _version_progress(store, version: dict[str, Any], rows: list[dict[str, Any]],
                      values: Callable[[str], dict[str, float]], *,
                      any_sessions: bool = True, number: int = 1,
                      before: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The course of each indicator of one version over its sessions (``rows``);
    ``any_sessions``: whether the client has sessions at all (without: the reading says there
    are none yet to measure the goal against). ``number``: the version's number (1 for the
    first); ``before``: the indicators of the goal's version in use before this one, whose
    baseline an indicator kept unchanged (:func:`same_indicator`) keeps: its band is that of
    the first sessions it was followed in, and ``baseline_from`` says of which version
    (``version``, its number, and ``since``; None for an indicator new in this version)."""
    from analysis.features import describe, split_column

    ids = [r["id"] for r in rows]
    days = [r["days"] for r in rows]

    def kept(item: dict[str, Any], vals: list, unit: str) -> dict[str, Any]:
        """The indicator's course, with the baseline of the run of versions it was kept in
        (``_run``: its sessions, days and values since it was first followed, for the goal's
        reading)."""
        prev = next((b for b in before if same_indicator(b, item)), None)
        if prev and item["column"] is None and prev["column"]:
            # no session of this version has it yet: named as its earlier sessions name it
            # ("client (MIDI) · Velocity (mean)", not "client · Velocity (mean)")
            item.update(column=prev["column"], label=prev["label"], unit=prev["unit"])
            unit = prev["unit"]
        run = prev["_run"] if prev else {"ids": [], "days": [], "values": [],
                                         "version": number, "since": version["since"]}
        item.update(course(vals, days, direction=item["direction"], label=item["label"],
                           unit=unit, earlier=run["values"]))
        # the version whose first sessions gave the band, where an earlier one did
        item["baseline_from"] = ({"version": run["version"], "since": run["since"]}
                                 if prev else None)
        item["_run"] = {**run, "ids": run["ids"] + ids, "days": run["days"] + days,
                        "values": run["values"] + list(vals)}
        return item
    per_session = {sid: values(sid) for sid in ids} if version["indicators"] else {}
    columns = set().union(*per_session.values()) if per_session else set()
    out = []
    for ind in version["indicators"]:
        found = matching_columns(columns, ind["measure"], ind.get("player"))
        # the pair in the order the goal names it first: sessions that name it the other way
        # round give their values in this order (pair_turn)
        found.sort(key=lambda c: split_column(c)[0] != ind.get("player"))
        hits = distinct_columns(found)
        if len(hits) > 1:  # the client's own role first, else the first by name
            hits = [c for c in hits if c.split(".")[0] == "client"] or hits
        col = hits[0] if hits else None
        player = ind.get("player") or ""
        if col and "|" in player and split_column(col)[0] == reversed_pair(player):
            # sessions that name the pair the other way round: the values and the label in
            # the goal's own order ("client & therapist", as it was agreed)
            col = player + col[len(split_column(col)[0]):]
        twins = [c for c in found if c != col and same_pair_reversed(col, c)] if col else []
        vals = ([pair_value(per_session[sid], col, twins) for sid in ids] if col
                else [None] * len(ids))
        label = indicator_label(ind, col)
        unit = describe(col)[0] if col else _unit_of(ind)
        item = kept({"kind": "measure", **ind, "column": col, "label": label,
                     "follows": follows_text(ind), "unit": unit, "values": vals}, vals, unit)
        never = owner_problem(ind["measure"], ind.get("player"))
        if never and item["column"] is None:  # added before this was refused: say why
            item["reading"] = item["_never"] = (
                f"{label}: never measured, as {never}; change the goal to name whom it can "
                "be measured for")
        out.append(item)
    for t in version["tags"]:
        vals = _tag_counts(store, t["tag"], ids)
        label = indicator_label(t, None)
        out.append(kept({"kind": "tag", **t, "column": None, "label": label,
                         "follows": follows_text(t), "unit": "count", "values": vals},
                        vals, ""))
    for i in out:  # the sessions outside the band, by ID as compare_client names them
        i["outside_band"] = [ids[k] for k in i.pop("outside")]
    if not any_sessions:
        reading = NO_SESSIONS_YET
    elif not out:
        reading = "no indicators: progress is not measured"
    elif not ids:
        reading = "no sessions in this period yet"
    else:
        reading = "; ".join(i["reading"] for i in out)
    return {**version, "sessions": ids, "indicators": out, "reading": reading}


def _goal_reading(used: Sequence[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The reading of a goal (its versions in use, ``used``, by :func:`_version_progress`):
    each indicator of its latest version over every session it was followed in without a
    break (a measure the goal's changes kept, since it was first followed), against the
    baseline of its first sessions; and those courses (``reading_courses`` of
    :func:`goals_progress`: ``label``, ``since``, ``since_change`` (whether the indicator was
    first followed from a change of the goal), ``sessions``, ``n``, ``band``,
    ``outside_band``, ``verdict``, ``towards``, ``reading``).

    A goal that was changed says of each indicator which sessions it covers: "over 10
    sessions since Jan 8, 2026" for one kept since the goal was agreed, "over 6 sessions since
    the goal was changed on Feb 26, 2026" for one the change added. Where the trend is not
    clear, the sessions outside the band are counted: "no clear change over 10 sessions since
    Jan 8, 2026 (5 of them below the baseline band)"."""
    if not used:
        return "", []
    latest = used[-1]
    inds = latest["indicators"]
    if not inds or not any(i["_run"]["ids"] for i in inds):
        return latest["reading"], []  # no indicators, no sessions (yet): said as the version says
    first = used[0]["since"]
    readings, courses = [], []
    for i in inds:
        run = i["_run"]
        span = ""
        if len(used) > 1:  # a goal that was changed: which sessions the reading covers
            span = (f"since {goal_day(run['since'])}" if run["since"] == first
                    else f"since the goal was changed on {goal_day(run['since'])}")
        c = course(run["values"], run["days"], direction=i["direction"], label=i["label"],
                   unit="" if i["kind"] == "tag" else i["unit"], span=span)
        outside = c["outside"]
        if c["verdict"] == "no clear change" and outside and c["band"]:
            c["reading"] += f" ({_outside_words([run['values'][k] for k in outside], c['band'])})"
        text = i.get("_never") or c["reading"]
        readings.append(text)
        courses.append({"label": i["label"], "since": run["since"],
                        "since_change": run["since"] != first, "sessions": run["ids"],
                        "n": c["n"], "band": c["band"],
                        "outside_band": [run["ids"][k] for k in outside],
                        "verdict": c["verdict"], "towards": c["towards"], "reading": text})
    return "; ".join(readings), courses


def _outside_words(values: Sequence[float], band: dict[str, Any]) -> str:
    """How many of ``values`` (those outside ``band``) lie above it and how many below.

    >>> band = {"low": 0.68, "high": 1.0}
    >>> _outside_words([0.17, 0.51, 0.44], band), _outside_words([1.2, 0.1, 0.2], band)
    ('3 of them below the baseline band', '1 of them above and 2 below the baseline band')
    """
    above = sum(v > band["high"] for v in values)
    parts = [f"{n} {way}" for n, way in ((above, "above"), (len(values) - above, "below")) if n]
    parts[0] = parts[0].replace(" ", " of them ", 1)
    return f"{' and '.join(parts)} the baseline band"


def _unit_of(ind: dict[str, Any]) -> str:
    """The unit of an indicator's measure before any session has a value of it (its chart and
    reading then say "%" for a share, as later): from the feature list, a player's measure
    (``leads_share`` of ``client``) by its name with the player's.

    >>> _unit_of({"measure": "leads_share", "player": "client"}), _unit_of({"measure": "x"})
    ('fraction', '')
    """
    from analysis.features import lookup

    player = (ind.get("player") or "").split("|")[0]
    for name in (ind["measure"], f"{player}_{ind['measure']}" if player else None):
        found = lookup(name) if name else None
        if found is not None:
            return found[0].unit
    return ""


def goals_progress(store, client: str, *, analyse: bool = True,
                   progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Every goal of ``client`` with the progress of each of its versions.

    Sessions of a goal's period that were not analysed (default analysis, this version) are
    analysed first; with ``analyse=False`` they are gaps in the course (the web app, whose
    client page has them analysed in the background first).

    Returns
    -------
    dict
        ``client``, ``plan`` (planned length or None), ``sessions`` (oldest first: ``id``,
        ``started_utc``, ``number``, ``goals``: IDs of the goals active then) and ``goals``
        (:func:`sessions.goals.fold` plus per version ``sessions``, ``indicators`` with
        ``values`` per session, ``band``, ``outside_band`` (the IDs of the sessions outside
        it, as :func:`improv.reports.compare.compare_client` gives them), ``trend``,
        ``verdict``, ``towards``, ``reading``, ``baseline_from``; and the goal's ``reading``
        (:func:`_goal_reading`: each indicator of its latest version in use over every session
        since it was first followed) and ``reading_courses``, the courses it reads).
    """
    from datetime import datetime

    from improv.reports.compare import (
        ensure_analysed,
        session_values,
        unreadable_errors,
        why_left_out,
    )
    from sessions import goals as gl
    from sessions.timefmt import local_day

    state = gl.client_goals(store, client)
    rows = sorted(store.list(client=client), key=lambda r: r["started_utc"])
    t0 = datetime.fromisoformat(rows[0]["started_utc"]) if rows else None
    for k, r in enumerate(rows, 1):
        r["day"], r["number"] = local_day(r["started_utc"]), k
        r["days"] = (datetime.fromisoformat(r["started_utc"]) - t0).total_seconds() / 86400.0
    analysed: set[str] = set()

    left_out: dict[str, str | None] = {}

    def values(sid: str) -> dict[str, float]:
        # a session that cannot be read, or whose recording was damaged since it was measured:
        # a gap, as in the client's course, not the measures the catalog still holds
        if sid not in left_out:
            left_out[sid] = why_left_out(store, sid)
        if left_out[sid] is not None:
            return {}
        if analyse and sid not in analysed:
            analysed.add(sid)
            try:
                ensure_analysed(store, sid, progress=progress)
            except unreadable_errors():  # a damaged session: no values (a gap), not the end
                return {}
        return session_values(store, sid)

    marks: dict[str, list[str]] = {r["id"]: [] for r in rows}
    goals_out = []
    for g in state["goals"]:
        versions: list[dict[str, Any]] = []
        for k, v in enumerate(g["versions"], 1):
            period = [r for r in rows if v["used"] and _in_period(r["day"], v["since"],
                                                                 v["until"])]
            # an indicator the version before kept unchanged keeps its baseline
            before = next((p["indicators"] for p in reversed(versions) if p["used"]), [])
            versions.append(_version_progress(store, v, period, values, number=k,
                                              any_sessions=bool(rows),
                                              before=before if v["used"] else ()))
            for r in period:
                marks[r["id"]].append(g["id"])
        used = [v for v in versions if v["used"]]
        reading, courses = _goal_reading(used)
        for v in versions:
            for i in v["indicators"]:
                i.pop("_run", None)
                i.pop("_never", None)
        goals_out.append({**g, "versions": versions, "reading": reading,
                          "reading_courses": courses})
    sessions = [{"id": r["id"], "started_utc": r["started_utc"], "number": r["number"],
                 "goals": marks[r["id"]]} for r in rows]
    return {"client": client, "plan": state["plan"], "sessions": sessions, "goals": goals_out}


def goal_day(day: str | None, *, open_end: str = "now") -> str:
    """A goal's day (``YYYY-MM-DD``) as the app writes days, ``Nov 2, 2026``
    (:func:`sessions.timefmt.day_words`); ``open_end`` for None (a period still open).

    >>> goal_day("2026-11-02"), goal_day(None)
    ('Nov 2, 2026', 'now')
    """
    from sessions.timefmt import day_words

    return open_end if not day else day_words(day)


def version_words(versions: Sequence[dict[str, Any]], k: int, *,
                  day: Callable[[str | None], str] = goal_day) -> str:
    r"""The heading of a goal's version ``k`` (1 for the first) as the client page, the client
    report and ``improv goals show`` write it: its period, or why it covers no day.

    ``day`` writes a day (``None``: ``now``, a period still open).

    >>> vs = [{"since": "2026-12-07", "until": None, "used": False},
    ...       {"since": "2026-12-07", "until": None, "used": True}]
    >>> version_words(vs, 1), version_words(vs, 2)
    ('Version 1 (replaced the same day by version 2; not used)', 'Version 2, Dec 7, 2026 to now')
    >>> vs[1].update(since="2026-11-02", corrects_agreed=True)
    >>> print(version_words(vs, 1).replace("; ", ";\n"))
    Version 1 (agreed on Dec 7, 2026 as first entered;
    corrected to Nov 2, 2026 by version 2;
    not used)
    """
    v = versions[k - 1]
    if v["used"] or k == len(versions):
        return f"Version {k}, {day(v['since'])} to {day(v['until'])}"
    nxt = versions[k]
    if nxt.get("corrects_agreed"):
        return (f"Version {k} (agreed on {day(v['since'])} as first entered; corrected to "
                f"{day(nxt['since'])} by version {k + 1}; not used)")
    return f"Version {k} (replaced the same day by version {k + 1}; not used)"


def goal_line(goal: dict[str, Any]) -> str:
    """The goal's one line in plain words: its text, its state (its days as the app writes
    them: "since Nov 2, 2026") and its reading."""
    since, end = goal_day(goal["since"]), goal_day(goal["end"])
    state = {"active": f"since {since}",
             "reached": f"{since} to {end}, reached",
             "dropped": f"{since} to {end}, dropped"}[goal["status"]]
    return f"“{goal['text']}” ({state}): {goal['reading']}."


def plan_text(plan: dict[str, Any] | None, n_sessions: int) -> str:
    if not plan:
        return "no planned length of the therapy given yet"
    parts = []
    if plan.get("sessions"):
        parts.append(f"{plan['sessions']} sessions (session {n_sessions} so far)" if n_sessions
                     else f"{plan['sessions']} sessions (none recorded yet)")
    if plan.get("months"):
        parts.append(f"{plan['months']:g} months")
    return "planned: " + " or ".join(parts)



#: Columns of :func:`goals_csv`, in order.
CSV_COLUMNS = ("client", "goal_id", "goal", "status", "goal_since", "goal_end", "version",
               "version_since", "version_until", "kind", "indicator", "player", "column",
               "direction", "sessions", "slope_per_session", "mk_p", "verdict", "towards")


def goals_csv(result: dict[str, Any]) -> str:
    """The goals table of the researcher export: one row per indicator of each version in
    use (a version without indicators: one row with an empty indicator).

    The goal texts are left out: they are the therapist's own words and may identify the
    client (the export is pseudonymised); ``improv goals export`` copies the whole log.
    """
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for k, g in enumerate(result["goals"], 1):
        for n, v in enumerate(g["versions"], 1):
            if not v["used"]:
                continue
            head = [result["client"], g["id"], k, g["status"], g["since"], g["end"] or "", n,
                    v["since"], v["until"] or ""]
            for i in v["indicators"] or [None]:
                if i is None:
                    w.writerow(head + [""] * (len(CSV_COLUMNS) - len(head)))
                    continue
                t = i["trend"] or {}
                w.writerow(head + [i["kind"], i.get("measure") or i.get("tag"),
                                   i.get("player") or "", i["column"] or "", i["direction"],
                                   i["n"], "" if t.get("slope_per_session") is None
                                   else repr(t["slope_per_session"]),
                                   "" if t.get("mk_p") is None else repr(t["mk_p"]),
                                   i["verdict"], "" if i["towards"] is None
                                   else int(i["towards"])])
    return buf.getvalue()
