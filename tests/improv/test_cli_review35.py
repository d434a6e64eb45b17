"""Review 35, command-line findings: each bad input is refused in one line that says what is
wrong and how to put it right, with exit status 1 and the store unchanged; what was dropped
silently (a second ``--player`` rename, ``--json`` beside ``--csv``) is made or refused."""

from __future__ import annotations

import json
import re

import pytest

from sessions.revisions import read_revisions
from tests.sessions.helpers import tree_snapshot, write_midi


def _demo(store, *, duration: float = 3.0) -> str:
    from improv.demo import create_demo_session

    return create_demo_session(store, duration=duration)["id"]


def _solo(run_cli, tmp_path) -> str:
    """A session of one player (``piano``), imported from a one-track MIDI file."""
    r = run_cli("sessions", "import", write_midi(tmp_path / "solo.mid"), "--client", "C07",
                "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()["id"]


def _refused(r, message: str, *, as_json: bool = False) -> None:
    """Exit 1, nothing on stdout, one line on stderr: ``error: MESSAGE``, or with ``--json``
    the JSON object of the error."""
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert r.stdout == "" and r.stderr.count("\n") == 1, (r.stdout, r.stderr)
    if as_json:
        assert json.loads(r.stderr)["message"] == message
    else:
        assert r.stderr == f"error: {message}\n", r.stderr


# ----------------------------------------------------------------- 1: analyze --all --scheduler
@pytest.mark.parametrize("address", ["foo", "tcp://127.0.0.1", "127.0.0.1:abc",
                                     "tcp://127.0.0.1:99999", ":8786", "tls://10.0.0.2:8786"])
@pytest.mark.parametrize("force", [True, False])
def test_a_scheduler_address_without_a_port_is_refused_before_the_store(
        run_cli, store, store_path, address, force):
    """Was a traceback (Dask's "ValueError: missing port number in address 'foo'") with
    --force, and exit 0 without it when every session was current."""
    _demo(store)
    store.close()
    before = tree_snapshot(store_path)
    r = run_cli("analyze", "--all", "--scheduler", address, "--include-demo",
                *(["--force"] if force else []))
    _refused(r, "--scheduler must be a Dask scheduler address [tcp://]HOST:PORT with a port of "
                f"1-65535, e.g. tcp://192.168.1.20:8786, got {address!r}")
    assert tree_snapshot(store_path) == before


def test_a_bad_scheduler_address_makes_no_store(run_cli, tmp_path):
    missing = tmp_path / "no-store"
    r = run_cli("--store", missing, "analyze", "--all", "--scheduler", "foo")
    assert r.exit_code == 1 and "--scheduler must be a Dask scheduler address" in r.stderr
    assert not missing.exists()


@pytest.mark.parametrize("address", ["127.0.0.1:8786", "tcp://scheduler-1.local:8786",
                                     "tcp://[::1]:8786"])
def test_scheduler_address_forms_accepted(address):
    from improv.cli.archive import check_scheduler

    assert check_scheduler(f" {address}") == address


def test_dask_refusing_an_address_is_a_parameter_error():
    """The library's own guard, where the client is made: Dask's ValueError is said as a
    ParameterError naming the address, not passed on as a traceback."""
    pytest.importorskip("distributed")
    from improv.archive.batch import _client
    from improv.errors import ParameterError

    with pytest.raises(ParameterError, match=r"'foo' is not a Dask scheduler address: "
                                             r".*missing port.*tcp://HOST:PORT"):
        with _client(workers=None, scheduler="foo"):
            pass


# ----------------------------------------------------------------- 2: sessions correct --player
def test_correct_makes_every_player_rename_in_turn(run_cli, store):
    """Was: click kept the last --player only, and the first rename was dropped (exit 0)."""
    sid = _demo(store)
    r = run_cli("sessions", "correct", sid, "--player", "client=A", "--player", "therapist=B",
                "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["players"] == ["A", "B"]
    assert [(v["from"], v["to"]) for v in out["revisions"]] == [("client", "A"),
                                                                ("therapist", "B")]
    # in turn: a swap through a third name, and the history says each step
    r = run_cli("sessions", "correct", sid, "--player", "A=tmp", "--player", "B=A",
                "--player", "tmp=B")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.count("Player ") == 3
    revs = read_revisions(store.folder(sid))
    assert [(v["from"], v["to"]) for v in revs] == [
        ("client", "A"), ("therapist", "B"), ("A", "tmp"), ("B", "A"), ("tmp", "B")]
    assert store.session(sid).manifest["player_names"] == {"client": "B", "therapist": "A"}
    assert run_cli("sessions", "verify", sid).exit_code == 0


@pytest.mark.parametrize("renames, message", [
    (["client=A", "client=B"],
     "--player client=B: 'client' is renamed already by --player client=A; give one --player "
     "per player"),
    (["client=A", "cello=B"], "session {sid} has no player 'cello' (players: client, therapist)"),
    (["client=A", "therapist=a"], "'A' is another player of session {sid}; players are not "
                                  "merged: choose another name"),
    (["client=A", "therapist=Dr.K"], "the new player name must be 1-32 letters"),
])
def test_a_refused_later_rename_leaves_the_earlier_unmade(run_cli, store, store_path, renames,
                                                          message):
    sid = _demo(store)
    store.close()
    before = tree_snapshot(store_path)
    r = run_cli("sessions", "correct", sid, *[w for x in renames for w in ("--player", x)])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert message.format(sid=sid) in r.stderr
    assert tree_snapshot(store_path) == before


# ----------------------------------------------------------------- 3: analyze --dialogue, no pair
@pytest.mark.parametrize("out", [[], ["--json"], ["--csv"]])
def test_dialogue_without_a_pair_is_refused(run_cli, store, store_path, tmp_path, out):
    """Was: the title line alone, exit 0 (--json: an empty "dialogue" list)."""
    duet = _demo(store)
    solo = _solo(run_cli, tmp_path)
    store.close()
    before = tree_snapshot(store_path)
    r = run_cli("analyze", solo, "--dialogue", *out)
    _refused(r, "no pair of players: --dialogue needs two players (this session has 1: piano)",
             as_json=out == ["--json"])
    r = run_cli("analyze", duet, "--dialogue", "--players", "Client", *out)
    _refused(r, "no pair of players: --dialogue needs two players (--players names 1: client; "
                "this session has client, therapist)", as_json=out == ["--json"])
    assert tree_snapshot(store_path) == before  # nothing analysed, nothing cached


def test_dialogue_of_two_chosen_players_still_runs(run_cli, store):
    sid = _demo(store)
    r = run_cli("analyze", sid, "--dialogue", "--players", "client,therapist", "--json")
    assert r.exit_code == 0, r.stderr
    assert [d["pair"] for d in r.json()["dialogue"]] == [["client", "therapist"]]


# ----------------------------------------------------------------- 4: import --started
@pytest.mark.parametrize("typed", ["2026-10-01", "2026-10-01T10:00", "2026-10-01 10:00:30"])
def test_started_without_a_zone_suggests_a_form_that_is_accepted(run_cli, store_path, tmp_path,
                                                                  typed):
    """Was: "e.g. 2026-10-01+01:00" for a day alone, itself refused."""
    mid = write_midi(tmp_path / "a.mid")
    r = run_cli("sessions", "import", mid, "--client", "C07", "--started", typed)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "--started needs a time" in r.stderr
    (example,) = re.findall(r"\(e\.g\. (\S+)\)$", r.stderr.strip())
    assert not (store_path / "sessions").exists() or not any((store_path / "sessions").iterdir())
    r = run_cli("sessions", "import", mid, "--client", "C07", "--started", example, "--json")
    assert r.exit_code == 0, (example, r.stderr)


# ----------------------------------------------------------------- 5: annotations, no session
@pytest.mark.parametrize("command", ["delete", "restore", "history", "edit"])
def test_an_annotation_id_alone_says_the_session_id_is_missing(run_cli, command):
    r = run_cli("annotations", command, "a-3991c3233e")
    _refused(r, f"improv annotations {command} needs the session ID before the annotation ID: "
                f"improv annotations {command} SESSION a-3991c3233e ('improv sessions list' "
                "shows session IDs)")


def test_a_session_id_alone_still_asks_for_the_annotation_id(run_cli):
    r = run_cli("annotations", "delete", "20261207-170130-7f17")
    _refused(r, "improv annotations delete needs an annotation ID: 'improv annotations list "
                "SESSION' shows them")


# ----------------------------------------------------------------- 6: verify ID --all
def test_verify_with_an_id_and_all_says_they_exclude_each_other(run_cli, store):
    sid = _demo(store)
    r = run_cli("sessions", "verify", sid, "--all")
    assert r.exit_code == 1
    assert r.stderr.startswith("error: give a session ID or --all, not both"), r.stderr
    assert r.stderr.count("\n") == 1


# ----------------------------------------------------------------- 7-8: compare
@pytest.mark.parametrize("segments, message", [
    ("1:00-0:30", "--segments: 1:00-0:30 ends before it starts; write the start first: "
                  "0:30-1:00"),
    ("0:00-0:10, 2:00-1:30", "--segments: 2:00-1:30 ends before it starts; write the start "
                             "first: 1:30-2:00"),
    ("0:20-0:20,0:00-0:10", "--segments: 0:20-0:20 ends where it starts; give an end after "
                            "the start, e.g. 0:00-10:00"),
])
def test_a_segment_that_ends_before_it_starts_is_named(run_cli, store, segments, message):
    """Was: "--segments needs at least two segments" for a reversed one."""
    sid = _demo(store)
    _refused(run_cli("compare", sid, "--segments", segments), message)


def test_compare_refuses_csv_with_json(run_cli, store):
    """Was: CSV printed, --json dropped silently (analyze refused the pair already)."""
    _demo(store)
    for order in (["--csv", "--json"], ["--json", "--csv"]):
        _refused(run_cli("compare", "--client", "DEMO", *order),
                 "--json and --csv exclude each other; use --json with --export DIR for the "
                 "table as a CSV file", as_json=True)
