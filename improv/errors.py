"""One error hierarchy for improv.

Every error a user can cause derives from :class:`ImprovError`; the command
line prints its message as ``error: ...`` and exits with status 1.  Errors of
the session store (``sessions.errors``) and of the analysis
(``analysis.errors``) are re-exported here so the CLI boundary can catch them
in one place while those packages stay free of imports from ``improv``.
"""

from __future__ import annotations

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


class ParameterError(ImprovError, ValueError):
    """A parameter is out of range or of the wrong form."""


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
    classes: list[type[BaseException]] = [ImprovError, StoreError]
    try:
        from analysis.errors import AnalysisError
    except ImportError:  # pragma: no cover - analysis is part of the distribution
        pass
    else:
        classes.append(AnalysisError)
    return tuple(classes)
