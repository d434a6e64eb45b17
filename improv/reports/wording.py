"""Words shared by the reports and the command line."""

from __future__ import annotations


def counted(n: int, word: str) -> str:
    """``1 session``, ``3 sessions`` (English plural with -s)."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
