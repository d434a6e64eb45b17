"""The client store of the goals tests (:func:`tests.improv.test_goals.build_client_store`),
built once a test module and copied for each test to the store the command line uses; and a
refused command that must leave that store as it was.

Shared by ``test_goals_duplicate.py`` and ``test_goals_edit_repeat.py``.
"""

from __future__ import annotations

import shutil

import pytest

from tests.improv.test_goals import build_client_store
from tests.sessions.helpers import tree_snapshot


def client_store_fixtures(*, folder: str):
    """The fixtures ``built`` and ``store`` of one test module.

    Bind them under those names in the module (``built, store =
    client_store_fixtures(folder=...)``): ``store`` asks for ``built`` by name.

    Parameters
    ----------
    folder : str
        Name of the module's temporary folder the store is built in.

    Returns
    -------
    built : fixture
        Module-scoped: :func:`~tests.improv.test_goals.build_client_store`'s (store path,
        session IDs oldest first).
    store : fixture
        A copy of ``built``'s store at the CLI's store (``store_path``, IMPROV_STORE); its path.
    """

    @pytest.fixture(scope="module")
    def built(tmp_path_factory):
        return build_client_store(tmp_path_factory.mktemp(folder))

    @pytest.fixture
    def store(built, store_path):
        shutil.rmtree(store_path)
        shutil.copytree(built[0], store_path)
        return store_path

    return built, store


def refusal(run_cli, store, *args: str) -> str:
    """Run ``improv ARGS``, which must be refused and change nothing.

    Parameters
    ----------
    run_cli : callable
        The ``run_cli`` fixture.
    store : Path
        The CLI's store: every file of it (the catalog by its rows) must be as it was.
    *args : str
        The command line after ``improv``.

    Returns
    -------
    str
        What the command said on stderr, stripped (the test compares it whole).
    """
    before = tree_snapshot(store)
    r = run_cli(*args)
    assert r.exit_code == 1, r.stdout
    assert tree_snapshot(store) == before
    return r.stderr.strip()
