"""The research export's shape (dataset format 2): tidy dialogue measures with a ``player``
column, per-window definitions and units of the curves, demo sessions left out unless asked
for (also by ``improv analyze --all``), and a ``session_key`` that survives renumbering."""

from __future__ import annotations

import errno
import logging
import math
import os
import re
import stat

import pytest

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")


def _duet(store, *, client: str, players=("client", "therapist"), started=None) -> str:
    """A MIDI duet of 12 s: the second player answers the first's phrase 0.4 s later."""
    w = store.create_session(client=client, players=list(players), started=started)
    for i, player in enumerate(players):
        w.add_midi_input(f"keys{i}", player=player)
        for k in range(16):
            t = 0.5 + k * 0.7 + i * 0.4
            pitch = 60 + (k * 5) % 12
            w.midi(t, player=player, port=f"keys{i}", data=bytes([0x90, pitch, 70 + k]))
            w.midi(t + 0.3, player=player, port=f"keys{i}", data=bytes([0x80, pitch, 0]))
    return w.finalize(duration_s=12.0)["id"]


def _demos(store, n: int) -> list[str]:
    from improv.demo import create_demo_session

    return [create_demo_session(store, duration=10.0)["id"] for _ in range(n)]


def _export(run_cli, to, *args: str) -> dict:
    r = run_cli("export-dataset", "--to", str(to), "--json", *args)
    assert r.exit_code == 0, r.stderr
    return r.json()


# ----------------------------------------------------------------------------- #11 tidy dialogue
def test_dialogue_measures_have_no_player_names_and_a_player_column(run_cli, store, tmp_path):
    """The same quantity has one measure name in every session, whatever the players are
    called: ``client_leads_share`` is ``leads_share`` with player ``client``, and the players
    of another session (``Anna``, exported as ``player1``) give the same names. Values are
    those of ``improv analyze --json``; the pair's own measures have no player."""
    first = _duet(store, client="C01")
    other = _duet(store, client="C02", players=("Anna", "therapist"))
    res = {}
    for sid in (first, other):
        r = run_cli("analyze", sid, "--dialogue", "--json")
        assert r.exit_code == 0, r.stderr
        res[sid] = r.json()["dialogue"][0]
    out = _export(run_cli, tmp_path / "ds")
    assert out["format_version"] == 3
    dlg = pd.read_parquet(tmp_path / "ds" / "dialogue.parquet")
    c01, c02 = dlg[dlg.session == "C01-001"], dlg[dlg.session == "C02-001"]

    names = set(c01.measure)
    assert not any(re.search(r"client|therapist|player1|Anna", m) for m in names), names
    assert names == set(c02.measure)  # one vocabulary over sessions
    assert {"leads_share", "imitates_per_min", "alpha", "role_leader_share",
            "active_share", "joint_share", "lead_lag_s"} <= names

    summ = res[first]["summary"]
    for raw, player, measure in [("client_leads_share", "client", "leads_share"),
                                 ("therapist_alpha", "therapist", "alpha"),
                                 ("therapist_imitates_client_per_min", "therapist",
                                  "imitates_per_min"),
                                 ("client_role_leader_share", "client", "role_leader_share")]:
        row = c01[(c01.player == player) & (c01.measure == measure)]
        assert len(row) == 1, (raw, row)
        want = summ[raw]
        got = row.value.iloc[0]
        assert (want is None and pd.isna(got)) or math.isclose(got, want, rel_tol=1e-12), raw
    pair = c01[c01.measure == "joint_share"]
    assert len(pair) == 1 and pd.isna(pair.player.iloc[0])
    assert math.isclose(pair.value.iloc[0], summ["joint_share"], rel_tol=1e-12)
    assert set(c02.player.dropna()) == {"player1", "therapist"}
    assert (c01.player.isna() | c01.player.isin(["client", "therapist"])).all()
    # a pivot needs no parsing of names: one row per session and player, a column per measure
    wide = dlg.dropna(subset=["player"]).pivot_table(index=["session", "player"],
                                                     columns="measure", values="value")
    assert len(wide) == 4 and "leads_share" in wide.columns

    # the dialogue's curves, in their own table, the same way
    assert "dialogue" not in set(pd.read_parquet(tmp_path / "ds" / "curves.parquet").source)
    dc = pd.read_parquet(tmp_path / "ds" / "dialogue_curves.parquet")
    got = dc[(dc.session == "C01-001") & (dc.player == "client") & (dc.measure == "imitates")]
    want = res[first]["curves"]["client_imitates_therapist"]
    assert list(got.t) == want["times"] and set(got.unit) == {"1/min"}
    assert [None if pd.isna(v) else v for v in got.value] == want["values"]
    tempo = dc[(dc.session == "C02-001") & (dc.player == "player1")
               & (dc.measure == "synchrony_tempo_bpm")]
    assert len(tempo) == len(res[other]["curves"]["Anna_tempo_bpm"]["times"])
    joint = dc[(dc.session == "C01-001") & (dc.measure == "joint")]
    assert len(joint) and joint.player.isna().all()
    assert set(joint.player_a) == {"client"} and set(joint.player_b) == {"therapist"}
    assert not any("client" in m or "therapist" in m for m in set(dc.measure))


def test_tidy_names_are_unique_and_every_per_player_template_splits():
    """No two measures of a pair (or a pair's measure and a per-player one) get one tidy
    name, and every per-player template of the feature list is split back to itself."""
    from analysis.features import FEATURES
    from improv.archive.measures import split_dialogue, tidy_name

    dialogue = [f for f in FEATURES if f.group.startswith("dialogue") or f.group == "analysis"]
    per_player = [f.name for f in dialogue if "{x}" in f.name]
    assert per_player, "the feature list has per-player dialogue templates"
    tidy = [tidy_name(f.name) for f in dialogue]
    assert len(tidy) == len(set(tidy)), sorted(t for t in tidy if tidy.count(t) > 1)
    assert all("{x}" not in t and "{y}" not in t for t in tidy)
    # player names with '_' and with a template's words in them
    pair = ("client_2", "leads")
    for template in per_player:
        for x, y in (pair, pair[::-1]):
            name = template.format(x=x, y=y, role="leader")
            assert split_dialogue(name, pair) == (
                tidy_name(template).format(role="leader"), x), name
    assert split_dialogue("joint_share", pair) == ("joint_share", None)
    assert split_dialogue("not_a_measure", pair) == ("not_a_measure", None)


# ----------------------------------------------------------------------------- #24 curves
def test_curves_have_units_and_per_window_definitions(run_cli, store, tmp_path):
    """The curves' dictionary defines one window's value (not "global tempo" or the session's
    median), states the window and hop, and every curve row has its unit."""
    from analysis.features import FEATURES, describe

    sid = _duet(store, client="C01")
    assert run_cli("analyze", sid, "--dialogue", "--json").exit_code == 0
    _export(run_cli, tmp_path / "ds")
    curves = pd.read_parquet(tmp_path / "ds" / "curves.parquet")
    units = curves.groupby("measure").unit.unique()
    for measure, u in units.items():
        assert list(u) == [describe(measure)[0]], measure
    readme = (tmp_path / "ds" / "README.md").read_text()
    section = readme.split("### curves\n\nOne value", 1)[1].split("\n### ", 1)[0]
    assert "analysis window of 6 s, one window every 1 s" in section
    rows = dict(re.findall(r"^\| (\w+) \| [^|]* \| (.*) \|$", section, re.M))
    assert rows["tempo_bpm"].startswith("tempo of the playing in the window")
    assert "global" not in rows["tempo_bpm"] and "session" not in rows["pulse_clarity"]
    assert rows["notes_per_s"] == "MIDI note onsets per second in the window"
    dsection = readme.split("### dialogue_curves\n\n", 1)[1].split("\n## ", 1)[0]
    assert "| alpha | 0-1 | phase-correction gain of the player around the window" in dsection
    # a feature that is a curve and a session value has a per-window definition here
    from improv.archive.measures import PER_WINDOW

    both = {f.name for f in FEATURES if set(f.kinds) == {"curve", "summary"}}
    assert both <= set(PER_WINDOW), sorted(both - set(PER_WINDOW))


# ----------------------------------------------------------------------------- #12 demos
def test_export_leaves_demo_sessions_out_unless_asked(run_cli, store, tmp_path):
    _duet(store, client="C01")
    _demos(store, 2)
    r = run_cli("export-dataset", "--to", str(tmp_path / "a"), "--format", "csv")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == (
        f"exported 1 session to {tmp_path / 'a'}; 2 demo sessions left out "
        "(--include-demo exports them)")
    sessions = pd.read_csv(tmp_path / "a" / "sessions.csv")
    assert list(sessions.session) == ["C01-001"] and not sessions.demo.any()
    assert "demo sessions are left out (2 in" in (tmp_path / "a" / "README.md").read_text()

    out = _export(run_cli, tmp_path / "b", "--include-demo")
    assert out["sessions"] == 3 and out["demos_left_out"] == 0
    sessions = pd.read_parquet(tmp_path / "b" / "sessions.parquet")
    assert sorted(sessions.session) == ["C01-001", "DEMO-001", "DEMO-002"]
    assert "included (--include-demo)" in (tmp_path / "b" / "README.md").read_text()


def test_analyze_all_leaves_demo_sessions_out_and_says_so(run_cli, store):
    """Only demo sessions: nothing to analyse (no cluster is started), and the summary line
    says how many were left out; --include-demo plans them."""
    pytest.importorskip("distributed")
    from improv.archive.batch import plan_batch

    demos = _demos(store, 2)
    real = _duet(store, client="C01")
    plan = plan_batch(store)
    assert [r["id"] for r in plan["todo"]] == [real] and plan["demos_left_out"] == 2
    plan = plan_batch(store, include_demo=True)
    assert sorted(r["id"] for r in plan["todo"]) == sorted([*demos, real])
    assert plan["demos_left_out"] == 0

    r = run_cli("analyze", "--all", "--client", "DEMO")
    assert r.exit_code == 0, r.stderr
    # nothing to analyse: one plain line that says why (the demos), not "analysed 0 sessions"
    assert r.stdout.strip() == ("no sessions to analyse of client DEMO; 2 demo sessions left "
                                "out (--include-demo analyses them)"), r.stdout
    r = run_cli("analyze", "--all", "--client", "DEMO", "--json")
    assert r.json()["demos_left_out"] == 2 and r.json()["done"] == []
    # no cluster was started: no number of workers (was 0) nor a start time (was 0.0)
    assert r.json()["workers"] is None and r.json()["cluster_start_s"] is None
    assert r.json()["json_version"] == 2 and "seconds" not in r.json()


# ----------------------------------------------------------------------------- #13 keys, help
def test_session_key_stays_when_session_codes_renumber(run_cli, store, store_path, tmp_path):
    """Deleting the client's first session renumbers the second (C07-002 -> C07-001) and
    correcting a client code moves a session to another client's numbers; its session_key
    stays. The key is not a plain hash of the ID, and the secret is owner-only."""
    import hashlib
    from datetime import datetime, timedelta, timezone

    from sessions.revisions import correct_session

    t0 = datetime.now(timezone.utc) - timedelta(days=3)
    ids = [_duet(store, client="C07", started=t0 + timedelta(days=k)) for k in range(3)]
    _export(run_cli, tmp_path / "a")
    before = pd.read_parquet(tmp_path / "a" / "sessions.parquet").set_index("session")
    assert list(before.index) == ["C07-001", "C07-002", "C07-003"]
    keys = list(before.session_key)
    assert len(set(keys)) == 3 and all(re.fullmatch(r"[0-9a-f]{16}", k) for k in keys)
    assert not any(hashlib.sha256(sid.encode()).hexdigest().startswith(k)
                   for sid, k in zip(ids, keys, strict=True))
    secret = store_path / "dataset-key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600

    store.delete(ids[0])
    correct_session(store, ids[2], client="C08")
    _export(run_cli, tmp_path / "b")
    after = pd.read_parquet(tmp_path / "b" / "sessions.parquet").set_index("session_key")
    assert after.session[keys[1]] == "C07-001"  # was C07-002
    assert after.session[keys[2]] == "C08-001"  # was C07-003
    assert keys[0] not in after.index
    readme = (tmp_path / "b" / "README.md").read_text()
    assert "**Session codes can change between exports**" in readme
    assert pq_format(tmp_path / "b" / "dialogue.parquet") == "3"
    assert "Dataset format 3" in readme


def pq_format(path) -> str:
    import pyarrow.parquet as pq

    return pq.read_schema(path).metadata[b"improv.dataset_format"].decode()


@pytest.mark.parametrize("damage", ["short", "link"])
def test_a_damaged_dataset_key_is_an_error_not_a_new_key(run_cli, store, store_path, tmp_path,
                                                         damage):
    _duet(store, client="C01")
    _export(run_cli, tmp_path / "a")
    secret = store_path / "dataset-key"
    if damage == "short":
        secret.write_text("abc\n")
    else:
        (tmp_path / "elsewhere").write_bytes(secret.read_bytes())
        secret.unlink()
        secret.symlink_to(tmp_path / "elsewhere")
    r = run_cli("export-dataset", "--to", str(tmp_path / "b"))
    assert r.exit_code == 1 and r.stderr.startswith("error: ")
    assert ("damaged" if damage == "short" else "symbolic link") in r.stderr, r.stderr
    assert not (tmp_path / "b").exists()
    if damage == "short":
        assert secret.read_text() == "abc\n"  # kept for the owner to restore


def test_a_read_only_store_without_a_key_exports_empty_keys_and_warns(
        run_cli, store, store_path, tmp_path, monkeypatch):
    from sessions.store import Store

    _duet(store, client="C01")
    monkeypatch.setattr(Store, "writable", property(lambda self: False))
    r = run_cli("export-dataset", "--to", str(tmp_path / "a"), "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["session_keys"] is False
    assert "warning: session_key is empty" in r.stderr
    assert pd.read_parquet(tmp_path / "a" / "sessions.parquet").session_key.isna().all()
    assert "`session_key` is empty" in (tmp_path / "a" / "README.md").read_text()
    assert not (store_path / "dataset-key").exists()


def test_making_the_key_without_hard_links_and_when_writing_fails(store, store_path,
                                                                  monkeypatch, caplog):
    """A file system without hard links gets the key by a rename; one that fails to write
    gets no key (None, a warning), and no temporary file is left."""
    from improv.archive import session_keys

    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    secret = session_keys.store_secret(store)
    assert len(secret) == 32 and session_keys.store_secret(store) == secret
    (store_path / "dataset-key").unlink()

    def broken(src, dst):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "link", broken)
    with caplog.at_level(logging.WARNING, logger="improv.archive.session_keys"):
        assert session_keys.store_secret(store) is None
    assert "could not be made: Input/output error" in caplog.text
    assert sorted(p.name for p in store_path.iterdir() if "dataset-key" in p.name) == []


def test_export_help_names_the_dialogue_analysis_and_demo_option(run_cli):
    text = run_cli("export-dataset", "--help").stdout
    flat = " ".join(text.split())
    assert "improv analyze --all --dialogue" in flat and "--include-demo" in flat
    assert "docs/research.md" in flat
    assert "--include-demo" in " ".join(run_cli("analyze", "--help").stdout.split())
