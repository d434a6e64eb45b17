"""Exceptions raised by :mod:`analysis`.

The shape (a package base class plus a stdlib mixin) follows ``improv/errors.py``:
callers can catch :class:`AnalysisError` at one boundary, or ``ValueError`` as usual.
"""

from __future__ import annotations

__all__ = ["AnalysisError", "ParameterError", "ParameterTypeError"]


class AnalysisError(Exception):
    """Base class of every error raised by :mod:`analysis`."""


class ParameterError(AnalysisError, ValueError):
    """A parameter or an input array is invalid, or there is too little data for an estimate.

    Messages name the parameter, the rule and the value, e.g.
    ``"window must be a finite float > 0 [seconds], got -1.0"``. The optional keyword
    ``parameter`` names the parameter (stored as ``.parameter``), so that a command line or a
    web page can add its own wording for it (an option, a form field).
    """

    def __init__(self, *args: object, parameter: str | None = None) -> None:
        super().__init__(*args)
        self.parameter = parameter


class ParameterTypeError(ParameterError, TypeError):
    """A parameter of the wrong type (a string for a duration): a :class:`ParameterError`
    for the one error boundary, and a ``TypeError`` for callers who catch that."""
