"""A change that would make a goal repeat another active goal of its client (the same
measures, each with its player, and tags, each the same way; a goal without either by its
text) is refused as a repeated new goal is (0175d56): one line naming that goal and saying
to change or end it instead, exit status 1, the goal log as it was. And the check reads the
goal log under its lock: two adds at the same instant cannot both pass."""

from __future__ import annotations

import threading

import pytest

from tests.improv.goal_stores import client_store_fixtures, refusal

built, store = client_store_fixtures(folder="edit-repeat")


def _add(run_cli, *args: str) -> str:
    r = run_cli("goals", "add", "--client", "C07", "--since", "2026-01-05", *args, "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()["id"]


def _refused(first: str) -> str:
    return ("error: this change would make the goal repeat “Dares to lead”, active since Jan "
            "5, 2026, which follows the same measures the same way; change or end that goal "
            f"instead (improv goals edit {first}; to end it, improv goals reach {first} or drop "
            f"{first})")


@pytest.mark.parametrize("args", [
    ["--indicator", "leads_share@client:up"],
    # named as the pair's column, with a new text besides: the same course all the same
    ["Takes the lead", "--indicator", "client_leads_share@client|therapist:up"],
    # from a later day on, or as a correction of the day it was agreed
    ["--since", "2026-02-02", "--indicator", "leads_share@client:up"],
    ["--agreed-on", "2026-01-12", "--indicator", "leads_share@client:up"],
])
def test_a_change_that_repeats_an_active_goal_is_refused(store, run_cli, args):
    first = _add(run_cli, "Dares to lead", "--indicator", "leads_share@client:up")
    second = _add(run_cli, "Lets the therapist lead", "--indicator", "leads_share@client:down")
    said = refusal(run_cli, store, "goals", "edit", second, *args)  # the goal log as it was
    assert said == _refused(first), said


def test_goals_without_measures_repeat_only_by_their_text(store, run_cli):
    first = _add(run_cli, "Comes on time")
    second = _add(run_cli, "Says hello")
    said = refusal(run_cli, store, "goals", "edit", second, "  comes ON time ")
    assert said == (
        "error: this change would make the goal repeat “Comes on time”, active since Jan 5, "
        "2026, which has the same text; change or end that goal instead (improv goals edit "
        f"{first}; to end it, improv goals reach {first} or drop {first})"), said
    # a measure besides makes it another goal
    r = run_cli("goals", "edit", second, "Comes on time", "--indicator",
                "leads_share@client:up")
    assert r.exit_code == 0, r.stderr


def test_changes_that_repeat_no_active_goal_are_kept(store, run_cli):
    first = _add(run_cli, "Dares to lead", "--indicator", "leads_share@client:up")
    second = _add(run_cli, "Plays more", "--indicator", "notes_per_s@client:up")
    # a goal changed in its own words, with its own measures, repeats nothing
    assert run_cli("goals", "edit", first, "Dares to lead, more often").exit_code == 0
    # once the first goal is dropped, the second may become what it was
    assert run_cli("goals", "drop", first).exit_code == 0
    r = run_cli("goals", "edit", second, "--indicator", "leads_share@client:up")
    assert r.exit_code == 0, r.stderr


def test_goals_kept_twice_before_repeats_were_refused_may_be_changed(store, run_cli):
    """Two goals alike written before 0175d56 (straight into the log): each can still get new
    words; only a change into a repeat is refused, not one of a repeat."""
    from sessions import goals as gl
    from sessions.store import Store

    ind = [{"measure": "leads_share", "direction": "up", "player": "client"}]
    with Store(store) as s:
        ids = [gl.add_goal(s, "C07", text=t, since="2026-01-05", indicators=ind)["id"]
               for t in ("Dares to lead", "Takes the lead")]
    r = run_cli("goals", "edit", ids[1], "Takes the lead in the first minutes")
    assert r.exit_code == 0, r.stderr


def _held_apart(monkeypatch):
    """Make two threads' goal changes meet at the goal log's lock: thread "first" takes it
    and waits, while holding it, until thread "second" is about to take it too; the second
    waits until the first holds it. A check made before the lock is then made by the second
    before the first has written; one made under it, after."""
    import contextlib

    from sessions import locks

    real = locks.folder_lock
    holds, coming = threading.Event(), threading.Event()

    @contextlib.contextmanager
    def lock(folder, **kw):
        if threading.current_thread().name == "second":
            assert holds.wait(60), "the first change never took the lock"
            coming.set()
            with real(folder, **kw):
                yield
            return
        with real(folder, **kw):
            if threading.current_thread().name == "first":
                holds.set()
                assert coming.wait(60), "the second change never came to the lock"
            yield

    monkeypatch.setattr(locks, "folder_lock", lock)


def _race(store, first, second) -> list:
    """``first(s)`` and ``second(s)`` at once, each with a store of its own (its own catalog
    connection); each one's result or the error it raised."""
    from sessions.store import Store

    out: list = [None, None]

    def run(k, call):
        with Store(store) as s:
            try:
                out[k] = call(s)
            except Exception as exc:  # noqa: BLE001 - the test reads what each one got
                out[k] = exc

    threads = [threading.Thread(target=run, args=(k, c), name=n)
               for k, (c, n) in enumerate([(first, "first"), (second, "second")])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive()
    return out


def test_two_adds_at_the_same_instant_cannot_both_pass(store, run_cli, monkeypatch):
    from improv.reports.goal_indicators import DuplicateGoalError, add_goal

    _add(run_cli, "Plays more", "--indicator", "notes_per_s@client:up")  # the log exists

    def new(text):
        return lambda s: add_goal(s, "C07", text=text, since="2026-01-05", indicators=[
            {"measure": "leads_share", "direction": "up", "player": "client"}])

    _held_apart(monkeypatch)
    got = _race(store, new("Dares to lead"), new("Takes the lead"))
    assert got[0]["text"] == "Dares to lead", got
    assert isinstance(got[1], DuplicateGoalError), got
    assert str(got[1]).startswith("this goal exists already: “Dares to lead”")
    listed = run_cli("goals", "list", "--client", "C07", "--json").json()
    assert [g["text"] for g in listed["goals"]] == ["Plays more", "Dares to lead"]


def test_an_add_and_a_change_at_the_same_instant_cannot_both_pass(store, run_cli,
                                                                     monkeypatch):
    from improv.reports.goal_indicators import DuplicateGoalError, add_goal, edit_goal

    second = _add(run_cli, "Plays more", "--indicator", "notes_per_s@client:up")
    leads = [{"measure": "leads_share", "direction": "up", "player": "client"}]
    _held_apart(monkeypatch)
    got = _race(store, lambda s: add_goal(s, "C07", text="Dares to lead", since="2026-01-05",
                                          indicators=leads),
                lambda s: edit_goal(s, second, indicators=leads))
    assert got[0]["text"] == "Dares to lead", got
    assert isinstance(got[1], DuplicateGoalError) and got[1].change, got
    listed = run_cli("goals", "list", "--client", "C07", "--json").json()
    assert [len(g["versions"]) for g in listed["goals"]] == [1, 1]
