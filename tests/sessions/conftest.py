"""Fixtures shared by the session store's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def fsynced(monkeypatch):
    """The paths of every file and folder fsynced (read from /proc/self/fd: Linux)."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd")
    done: list[str] = []
    real = os.fsync

    def recording(fd):
        done.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)
    monkeypatch.setattr(os, "fsync", recording)
    return done
