"""Musical dialogue between two players: turn-taking, leading/following, synchrony, imitation,
roles.

Entry point: :func:`analyze_dialogue` (two :class:`PlayerEvents` in, a :class:`DialogueAnalysis`
out). Each measure is also callable on its own from its module: :mod:`.activity`,
:mod:`.leadership`, :mod:`.synchrony`, :mod:`.imitation`, :mod:`.roles`. Pure: no I/O, nothing
from ``improv`` or ``sessions``. Definitions and references: docs/features.md, "## Dialogue".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _validate
from ..windows import DEFAULT_HOP, DEFAULT_WINDOW, window_starts
from ._grid import Curve, num
from .activity import analyze_activity
from .events import PlayerEvents
from .imitation import analyze_imitation
from .leadership import MAX_LAG, analyze_leadership
from .roles import ROLES, suggest_roles
from .synchrony import analyze_synchrony

__all__ = ["PlayerEvents", "DialogueAnalysis", "analyze_dialogue", "ROLES", "DIALOGUE_VERSION"]

#: Bump when a dialogue measure's definition or default changes (for feature caches).
DIALOGUE_VERSION = "1.11.0"


@dataclass(frozen=True)
class DialogueAnalysis:
    """Dialogue measures of a pair of players.

    Attributes
    ----------
    names : (str, str)
    curves : dict[str, (times [s], values)] — window centres; see docs/features.md
    summary : dict[str, float | str | None] — flat, JSON-safe, units in the names
    roles : list of dict — ``{t, end, player, role, confidence, status}`` per window and player
    turns : list of dict — ``{player, start, end}``
    transitions : list of dict — gaps, overlaps, pauses, within-player overlaps
    imitations : list of dict — imitation episodes
    pairs : np.ndarray [shape=(k, 2), seconds] — paired near-coincident onsets (a, b)
    """

    names: tuple[str, str]
    curves: dict[str, Curve]
    summary: dict[str, Any]
    roles: list[dict] = field(default_factory=list)
    turns: list[dict] = field(default_factory=list)
    transitions: list[dict] = field(default_factory=list)
    imitations: list[dict] = field(default_factory=list)
    pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (NaN -> None); pairs are left out (they can be long)."""
        return {
            "names": list(self.names),
            "summary": dict(self.summary),
            "curves": {k: {"times": [round(float(x), 6) for x in t], "values": [num(x) for x in v]}
                       for k, (t, v) in self.curves.items()},
            "roles": [dict(r) for r in self.roles],
            "turns": [dict(t) for t in self.turns],
            "transitions": [dict(t) for t in self.transitions],
            "imitations": [dict(e) for e in self.imitations],
        }


def analyze_dialogue(
    a: PlayerEvents,
    b: PlayerEvents,
    *,
    duration: float,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    names: tuple[str, str] = ("client", "therapist"),
    tempo: bool = True,
) -> DialogueAnalysis:
    """All dialogue measures of two players: curves over time, session summary, role suggestions.

    Parameters
    ----------
    a, b : PlayerEvents
        The two players (``a`` is the client by default). Events at or after ``duration`` are
        dropped.
    duration : float [seconds]
        Session length.
    window, hop : float [seconds]
        Analysis window and hop; MTTB default 6 s / 1 s.
    names : (str, str)
        Distinct player names, used in curve and summary keys (e.g. ``client_solo_share``).
    tempo : bool
        Compute tempo curves for tempo coupling and shared pulse (the slowest part).

    Returns
    -------
    DialogueAnalysis
        ``summary["status"]`` is ``"ok"``, ``"empty"`` (nobody played), ``"one player"`` (one
        of them played nothing) or ``"too short"`` (shorter than one window: no curves, no
        roles). No exception for silence or empty players.

    Raises
    ------
    ParameterError
        Bad ``duration``, ``window``, ``hop`` or ``names``.
    TypeError
        ``a`` or ``b`` not :class:`PlayerEvents`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> lead = np.cumsum(rng.choice([0.25, 0.5, 0.75], 80))
    >>> d = analyze_dialogue(PlayerEvents(lead), PlayerEvents(lead + 0.3), duration=40.0,
    ...                      tempo=False)
    >>> round(d.summary["lead_lag_s"], 2), d.summary["therapist_imitates_client_lag_median_s"]
    (0.3, 0.3)
    """
    from ..errors import ParameterError, ParameterTypeError

    for name, p in (("a", a), ("b", b)):
        if not isinstance(p, PlayerEvents):
            raise ParameterTypeError(f"{name} must be PlayerEvents, got {type(p).__name__}")
    duration = _validate.nonnegative("duration", duration)
    window, hop = _validate.analysis_window(window, hop)
    if (not isinstance(names, (tuple, list)) or len(names) != 2
            or not all(isinstance(n, str) and n for n in names) or names[0] == names[1]):
        raise ParameterError(f"names must be two distinct non-empty strings, got {names!r}")
    names = (str(names[0]), str(names[1]))
    a, b = a.clipped(duration), b.clipped(duration)
    kw = dict(duration=duration, window=window, hop=hop, names=names)
    act = analyze_activity(a, b, **kw)
    lead = analyze_leadership(a, b, **kw, max_lag=min(MAX_LAG, 0.5 * window))
    syn = analyze_synchrony(a, b, **kw, tempo=tempo)
    imi = analyze_imitation(a, b, **kw)

    if len(a) == 0 and len(b) == 0:
        status = "empty"
    elif len(a) == 0 or len(b) == 0:
        status = "one player"
    elif duration < window:
        status = "too short"
    else:
        status = "ok"
    starts = window_starts(duration, window=window, hop=hop)
    # no role in a window without time in which both are recorded (since 1.8): the silence of
    # one and the "solo" of the other would be a missing recording's
    apart = ~np.isfinite(act.curves["silent"][1])
    roles = suggest_roles(
        (a, b), names=names, starts=starts, window=window,
        active=tuple(np.where(apart, np.nan, act.curves[f"{n}_active"][1]) for n in names),
        leader=lead.leader, lead_confidence=lead.confidence, locking=syn.curves["phase_locking"][1],
        locking_p=syn.curves["phase_locking_p"][1], episodes=imi.episodes,
        joint=act.curves["joint"][1], silent=act.curves["silent"][1],
        transfers=act.transitions, turns=act.turns)

    summary: dict[str, Any] = {"status": status, "duration_s": duration, "window_s": window,
                               "hop_s": hop, f"{names[0]}_n_events": float(len(a)),
                               f"{names[1]}_n_events": float(len(b))}
    for part in (act.summary, lead.summary, syn.summary, imi.summary):
        summary.update(part)
    for who in names:
        mine = [r for r in roles if r["player"] == who]
        for role in ROLES:
            summary[f"{who}_role_{role}_share"] = (
                (sum(r["role"] == role for r in mine) / len(mine)) if mine else None)
    curves: dict[str, Curve] = {}
    for part in (act.curves, lead.curves, syn.curves, imi.curves):
        curves.update(part)
    return DialogueAnalysis(names, curves, summary, roles, act.turns, act.transitions,
                            imi.episodes, syn.pairs)
