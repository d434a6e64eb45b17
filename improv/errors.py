"""One error hierarchy for improv.

Every error a user can cause derives from :class:`ImprovError`, from
``sessions.errors.StoreError`` or from ``analysis.errors.AnalysisError``
(:func:`user_facing_errors`); the command line prints its message as
``error: ...`` and exits with status 1.  Errors of the session store and of the
analysis are re-exported here so the CLI boundary can catch them in one place
while those packages stay free of imports from ``improv``.  There is one
:class:`ParameterError`: the analysis's (an ``AnalysisError`` and a
``ValueError``), which improv raises for its own parameters too.
"""

from __future__ import annotations

from analysis.errors import (  # noqa: F401  (re-exported)
    AnalysisError,
    ParameterError,
    ParameterTypeError,
)
from sessions.errors import (  # noqa: F401  (re-exported)
    SessionFormatError,
    StoreError,
    UnknownSessionError,
)


class ImprovError(Exception):
    """Base class of errors that carry a message meant for the user.

    Parameters
    ----------
    *args
        The message: it names the parameter, the rule and the value, never a command-line
        option (the command line adds its option in its error boundary).
    parameter : str, optional
        The name of the parameter the error is about (``"window"``), kept as
        :attr:`parameter` for the error boundaries.
    """

    def __init__(self, *args: object, parameter: str | None = None) -> None:
        super().__init__(*args)
        self.parameter = parameter


class UnknownNameError(ParameterError, LookupError):
    """Nothing of that name (a saved setup): the web API answers 404."""

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0]) if self.args else ""


class DeviceError(ImprovError, OSError):
    """An audio or MIDI device cannot be found, opened or used."""


class NoDevicesError(DeviceError):
    """No device of the requested kind exists."""


class AmbiguousDeviceError(DeviceError):
    """A device name matches more than one device."""


def user_facing_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message is shown to the user without a traceback."""
    return (ImprovError, StoreError, AnalysisError)
