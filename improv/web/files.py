"""Serving a session's files: opened when the request is answered, not when it is sent.

Starlette's ``FileResponse`` opens its file by name only once it sends the body, after the
route has returned: a session deleted in between (a therapist deleting it while its audio
plays) made that a 500 and a traceback.  :class:`OpenFileResponse` opens the file in the
route, so the answer is the file as it was (an open file outlives its deletion on POSIX), and
opens it like every file in a session folder: a regular file, never through a link.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, AsyncIterator

import anyio
from fastapi.responses import FileResponse

from sessions.safeio import open_regular


class OpenFileResponse(FileResponse):
    """A ``FileResponse`` (Range requests too) of a file opened when it is made.

    Raises
    ------
    FileNotFoundError
        The file is gone already (the caller answers 404).
    sessions.errors.SessionFormatError
        It is a link or not a regular file.
    """

    def __init__(self, path: Path, **kwargs: Any) -> None:
        self._opened = open_regular(path, "rb")
        try:
            super().__init__(path, stat_result=os.fstat(self._opened.fileno()), **kwargs)
        except BaseException:
            self._opened.close()
            raise

    @contextlib.asynccontextmanager
    async def _open_file(self) -> AsyncIterator[Any]:
        yield anyio.wrap_file(self._opened)

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._opened.close()
