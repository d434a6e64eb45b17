"""Words shared by the reports and the command line."""

from __future__ import annotations


def counted(n: int, word: str) -> str:
    """``1 session``, ``3 sessions`` (English plural with -s)."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


#: Fewest sessions with a value for a trend test that can say "no change": the exact
#: Mann-Kendall test at 5 % never rejects "no trend" with fewer than five (analysis.trends).
MIN_SESSIONS_TO_JUDGE = 5


def change_word(trend: dict | None, n: int) -> str:
    """"yes" for a trend distinguishable from none, "no" for one that is not, "too few
    sessions to judge" below :data:`MIN_SESSIONS_TO_JUDGE` sessions, "–" without a trend."""
    if not trend:
        return "–"
    if trend["distinguishable"]:
        return "yes"
    return "too few sessions to judge" if n < MIN_SESSIONS_TO_JUDGE else "no"


def everyone(n_players: int) -> str:
    """Who an annotation about no one player is about: ``both players`` in a duet, else
    ``all players`` (as the web app says it)."""
    return "both players" if n_players == 2 else "all players"
