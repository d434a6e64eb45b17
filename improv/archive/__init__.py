"""A research archive beyond one machine: batch analysis on Dask, tidy tables for researchers.

- :mod:`improv.archive.batch`: ``improv analyze --all`` — every session of a store whose
  analysis is missing or of another version, computed on ``dask.distributed`` workers (a local
  cluster of processes, or a running scheduler), stored by the coordinating process;
- :mod:`improv.archive.dataset`: ``improv export-dataset`` — sessions, summaries, dialogue,
  curves, dialogue curves, annotations and goals as Parquet or CSV tables with a generated
  data dictionary (:mod:`improv.archive.dictionary`; the dialogue's measure names without
  player names and the curves' per-window definitions: :mod:`improv.archive.measures`; the
  stable ``session_key``: :mod:`improv.archive.session_keys`).

Generated demo sessions are left out of both unless asked for (``include_demo``).
docs/research.md is the researcher's guide.

Both need the optional extra ``archive`` (``dask[distributed]``, ``pyarrow``); nothing here
imports them at module level, and :func:`require` turns their absence into one line that
names the extra.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from improv.errors import ImprovError

__all__ = ["EXTRA", "JSON_VERSION", "MissingExtraError", "require"]

#: The optional dependencies of the archive commands, as pip installs them.
EXTRA = "improv-therapy[archive]"

#: The shape of the ``--json`` output of ``improv analyze --all``, ``improv export-dataset``
#: and ``improv compare`` (key ``json_version``), raised when a key is renamed or a value
#: changes its type. 2: one convention for the three (``docs/research.md``, "JSON output");
#: the outputs before it had no version (1). Not the dataset's format
#: (:data:`improv.archive.dictionary.FORMAT_VERSION`: the tables' columns).
JSON_VERSION = 2


class MissingExtraError(ImprovError):
    """An optional dependency of a command is not installed."""


def require(module: str, *, what: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra.

    Parameters
    ----------
    module : str
        e.g. ``"distributed"`` or ``"pyarrow.parquet"``.
    what : str
        What needs it, for the message (``"improv analyze --all"``).

    Raises
    ------
    MissingExtraError
        "``<what>`` needs <package> from the optional extra archive: pip install '...'".
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        package = {"distributed": "dask[distributed]", "dask": "dask[distributed]"}.get(top, top)
        raise MissingExtraError(
            f"{what} needs {package}, from the optional extra 'archive': "
            f"pip install '{EXTRA}'") from None
