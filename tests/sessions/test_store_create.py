"""A new store is reported as created; a store in missing folders is refused on request
(review 28 "first", finding 8: a mistyped path made a second store silently)."""

from __future__ import annotations

import pytest

from sessions.errors import StoreError
from sessions.store import Store


def test_a_new_store_says_it_was_created_and_an_existing_one_does_not(tmp_path):
    with Store(tmp_path / "store") as store:
        assert store.created
    with Store(tmp_path / "store") as store:
        assert not store.created


def test_missing_parent_folders_are_refused_without_parents(tmp_path):
    path = tmp_path / "nope" / "deeper" / "store"
    with pytest.raises(StoreError, match=r"no folder .*deeper to make the new store 'store'"):
        Store(path, parents=False)
    assert not (tmp_path / "nope").exists()


def test_parents_false_still_makes_a_store_in_an_existing_folder(tmp_path):
    with Store(tmp_path / "store", parents=False) as store:
        assert store.created and (tmp_path / "store" / "sessions").is_dir()


def test_parents_true_makes_the_missing_folders(tmp_path):
    with Store(tmp_path / "a" / "b" / "store") as store:
        assert store.created
    assert (tmp_path / "a" / "b" / "store").is_dir()
