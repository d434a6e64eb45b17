"""``improv export-dataset``: tables loaded with pandas and DuckDB, checked against
``improv analyze --json``; owner-only files; no free text unless asked for."""

from __future__ import annotations

import math
import stat

import pytest

pd = pytest.importorskip("pandas")
duckdb = pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

TABLES = ("sessions", "summaries", "dialogue", "curves", "dialogue_curves", "annotations",
          "goals")


@pytest.fixture
def analysed(run_cli, store):
    """Two demo sessions (10 s), analysed one at a time with --dialogue; their JSON."""
    return analysed_demos(run_cli, store, n=2, duration=10.0)


def analysed_demos(run_cli, store, *, n: int, duration: float) -> list[dict]:
    """``n`` demo sessions of ``duration`` seconds (two players, MIDI and audio), analysed
    one at a time with --dialogue, in the order they were made (DEMO-001 ...); their
    ``analyze --json``."""
    from improv.demo import create_demo_session

    out = []
    for _ in range(n):
        sid = create_demo_session(store, duration=duration)["id"]
        r = run_cli("analyze", sid, "--dialogue", "--json")
        assert r.exit_code == 0, r.stderr
        out.append(r.json())
    return out


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_tables_load_and_match_analyze_json(run_cli, analysed, tmp_path, fmt):
    from improv.archive.dataset import TABLES as COLUMNS

    to = tmp_path / "ds"
    r = run_cli("export-dataset", "--to", str(to), "--format", fmt, "--json", "--include-demo")
    assert r.exit_code == 0, r.stderr
    assert r.json()["not_analysed"] == []
    # {rows, file} objects, not positional pairs (review 29, finding 12)
    assert r.json()["tables"]["sessions"] == {"rows": 2, "file": f"sessions.{fmt}"}
    assert r.json()["json_version"] == 2
    assert stat.S_IMODE(to.stat().st_mode) == 0o700
    assert sorted(p.name for p in to.iterdir()) == sorted(
        [f"{t}.{fmt}" for t in TABLES] + ["README.md"])
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in to.iterdir())

    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    frames = {t: read(to / f"{t}.{fmt}") for t in TABLES}
    for t, df in frames.items():
        assert list(df.columns) == list(COLUMNS[t]), t
    sessions = frames["sessions"]
    assert list(sessions["session"]) == ["DEMO-001", "DEMO-002"]
    assert sessions["analysed"].all() and (sessions["duration_s"] == 10.0).all()

    first = analysed[0]  # the oldest: DEMO-001
    summ = frames["summaries"]
    row = summ[(summ.session == "DEMO-001") & (summ.player == "client")
               & (summ.source == "midi") & (summ.measure == "notes_per_s")]
    expected = first["players"]["client"]["sources"]["midi"]["summary"]["notes_per_s"]
    assert len(row) == 1 and math.isclose(row.value.iloc[0], expected, rel_tol=1e-12)
    assert row.unit.iloc[0] == "notes/s"

    dlg = frames["dialogue"]
    d = first["dialogue"][0]
    row = dlg[(dlg.session == "DEMO-001") & (dlg.measure == "joint_share")]
    assert math.isclose(row.value.iloc[0], d["summary"]["joint_share"], rel_tol=1e-12)

    curves = frames["curves"]
    c = first["players"]["therapist"]["sources"]["audio"]["curves"]["level_dbfs"]
    got = curves[(curves.session == "DEMO-001") & (curves.player == "therapist")
                 & (curves.source == "audio") & (curves.measure == "level_dbfs")]
    assert list(got.t) == c["times"]
    assert [None if pd.isna(v) else v for v in got.value] == c["values"]

    # DuckDB reads the same files in place
    con = duckdb.connect()
    src = (f"'{to}/summaries.parquet'" if fmt == "parquet"
           else f"read_csv_auto('{to}/summaries.csv')")
    value = con.execute(f"SELECT value FROM {src} WHERE session = 'DEMO-002' AND player = "
                        "'therapist' AND source = 'audio' AND measure = 'onsets_per_s'"
                        ).fetchone()[0]
    expected = analysed[1]["players"]["therapist"]["sources"]["audio"]["summary"]["onsets_per_s"]
    assert math.isclose(value, expected, rel_tol=1e-12)
    n = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
    assert n == len(summ)

    readme = (to / "README.md").read_text()
    assert "| notes_per_s | notes/s | MIDI note onsets per second over the session |" in readme
    assert "| joint_share | fraction |" in readme



def test_sessions_without_their_dialogue_say_so(run_cli, store, tmp_path):
    """A session analysed without --dialogue had ``analysed = true`` and simply no rows in
    ``dialogue``: a mean over sessions lost it silently. It is flagged
    (``dialogue_analysed = false``), listed and warned about; a one-player session has no
    dialogue to miss (null)."""
    from improv.demo import create_demo_session

    both = create_demo_session(store, duration=10.0)["id"]
    players_only = create_demo_session(store, duration=10.0)["id"]
    w = store.create_session(client="C03", players=["client"])
    w.add_midi_input("keys", player="client")
    for k in range(12):
        w.midi(0.5 + 0.5 * k, player="client", port="keys", data=bytes([0x90, 60, 80]))
        w.midi(0.7 + 0.5 * k, player="client", port="keys", data=bytes([0x80, 60, 0]))
    solo = w.finalize(duration_s=8.0)["id"]
    for sid, extra in ((both, ["--dialogue"]), (players_only, []), (solo, [])):
        assert run_cli("analyze", sid, *extra, "--json").exit_code == 0
    r = run_cli("export-dataset", "--to", str(tmp_path / "ds"), "--format", "csv", "--json",
                "--include-demo")
    assert r.exit_code == 0, r.stderr
    assert r.json()["no_dialogue"] == [{"code": "DEMO-002", "session_id": players_only}]
    assert r.json()["not_analysed"] == []
    assert "1 session has no current dialogue analysis" in r.stderr
    sessions = pd.read_csv(tmp_path / "ds" / "sessions.csv").set_index("session")
    assert sessions.analysed.all()
    assert sessions.dialogue_analysed["DEMO-001"] == True  # noqa: E712 - numpy bool
    assert sessions.dialogue_analysed["DEMO-002"] == False  # noqa: E712
    assert pd.isna(sessions.dialogue_analysed["C03-001"])
    assert set(pd.read_csv(tmp_path / "ds" / "dialogue.csv").session) == {"DEMO-001"}
    assert "| dialogue_analysed | bool |" in (tmp_path / "ds" / "README.md").read_text()


def test_no_free_text_unless_asked(run_cli, store, tmp_path):
    """Titles, annotation texts and names entered as players stay out; --with-text adds the
    texts and names."""
    from improv.archive.dataset import player_label

    w = store.create_session(client="C02", players=["Anna", "therapist"], title="Anna's day")
    for i, player in enumerate(("Anna", "therapist")):
        w.add_midi_input(f"keys{i}", player=player)
        for k in range(12):
            t = 0.5 + k * 0.6 + i * 0.3
            w.midi(t, player=player, port=f"keys{i}", data=bytes([0x90, 60 + k, 80]))
            w.midi(t + 0.2, player=player, port=f"keys{i}", data=bytes([0x80, 60 + k, 0]))
    sid = w.finalize(duration_s=8.0)["id"]
    r = run_cli("annotate", sid, "Anna cried", "--at", "2", "--tag", "silence",
                "--player", "Anna")
    assert r.exit_code == 0, r.stderr
    assert run_cli("analyze", sid, "--dialogue", "--json").exit_code == 0
    assert run_cli("export-dataset", "--to", str(tmp_path / "a")).exit_code == 0
    blob = b"".join(p.read_bytes() for p in (tmp_path / "a").iterdir())
    assert b"Anna" not in blob and b"cried" not in blob and sid.encode() not in blob
    dlg = pd.read_parquet(tmp_path / "a" / "dialogue.parquet")
    assert set(dlg.player.dropna()) == {"player1", "therapist"}
    assert {"active_share"} <= set(dlg[dlg.player == "player1"].measure)
    ann = pd.read_parquet(tmp_path / "a" / "annotations.parquet")
    assert list(ann.tags) == ["silence"] and ann.text.isna().all()
    assert list(ann.player) == ["player1"]

    assert run_cli("export-dataset", "--to", str(tmp_path / "b"), "--with-text").exit_code == 0
    ann = pd.read_parquet(tmp_path / "b" / "annotations.parquet")
    assert list(ann.text) == ["Anna cried"]
    assert player_label("therapist2", 1, with_text=False) == "therapist2"


def test_refuses_a_folder_with_files(run_cli, analysed, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "mine.txt").write_text("keep")
    r = run_cli("export-dataset", "--to", str(tmp_path / "x"))
    assert r.exit_code == 1 and "not an empty folder" in r.stderr


def test_a_failed_export_leaves_no_partial_files(analysed, store_path, tmp_path):
    """A real write failure (the file-size limit: EFBIG, as a full disk gives ENOSPC) half way:
    one line, exit 1, and neither the target nor a temporary folder is left."""
    import resource
    import signal
    import subprocess
    import sys

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

    out = tmp_path / "exports"
    out.mkdir()
    r = subprocess.run([sys.executable, "-m", "improv", "--store", str(store_path),
                        "export-dataset", "--to", str(out / "ds"), "--format", "csv",
                        "--include-demo"],
                       capture_output=True, text=True, preexec_fn=small_files, timeout=120)
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert list(out.iterdir()) == []


def test_goals_table_one_row_per_version_and_text_only_when_asked(run_cli, store, tmp_path):
    """Each version of a goal is a row with the days it held; the goal's text and a drop's
    reason only with --with-text; a client whose goals log is broken is left out with a
    warning, and the other clients' goals are exported."""
    from datetime import datetime, timedelta, timezone

    started = datetime.now(timezone.utc) - timedelta(days=30)
    for client in ("C02", "C03"):
        w = store.create_session(client=client, players=["client"], started=started)
        w.add_midi_input("keys", player="client")
        w.midi(0.5, player="client", port="keys", data=bytes([0x90, 60, 80]))
        w.finalize(duration_s=2.0)
    first = started.date().isoformat()
    later = (started + timedelta(days=14)).date().isoformat()
    r = run_cli("goals", "add", "--client", "C02", "Plays softer with Anna", "--json",
                "--since", first, "--indicator", "velocity_mean:down@client", "--tag", "silence:up")
    assert r.exit_code == 0, r.stderr
    gid = r.json()["id"]
    r = run_cli("goals", "edit", gid, "Plays softer", "--since", later,
                "--indicator", "velocity_mean:down@client")
    assert r.exit_code == 0, r.stderr
    assert run_cli("goals", "drop", gid, "--on", later, "--reason", "moved away").exit_code == 0
    assert run_cli("goals", "add", "--client", "C03", "Starts a phrase", "--since",
                   first).exit_code == 0
    (store.root / "clients" / "C03" / "goals.jsonl").write_bytes(b'{"op": "create"}\n')

    r = run_cli("export-dataset", "--to", str(tmp_path / "a"), "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["goals_unreadable"] == ["C03"]
    assert "goals of 1 client could not be read" in r.stderr
    goals = pd.read_parquet(tmp_path / "a" / "goals.parquet")
    assert list(goals.goal) == ["C02-G1", "C02-G1"] and list(goals.version) == [1, 2]
    assert list(goals.since) == [first, later]
    day_before = (started + timedelta(days=13)).date().isoformat()
    assert list(goals.until) == [day_before, later]
    assert set(goals.status) == {"dropped"} and set(goals.end) == {later}
    assert goals.indicators.iloc[0] == "velocity_mean down client"
    assert list(goals.tags) == ["silence up", "silence up"]  # an edit keeps what it does not name
    assert goals.text.isna().all() and goals.reason.isna().all()
    blob = b"".join(p.read_bytes() for p in (tmp_path / "a").iterdir())
    assert b"softer" not in blob and b"moved away" not in blob and gid.encode() not in blob

    r = run_cli("export-dataset", "--to", str(tmp_path / "b"), "--with-text")
    assert r.exit_code == 0, r.stderr
    goals = pd.read_parquet(tmp_path / "b" / "goals.parquet")
    assert list(goals.text) == ["Plays softer with Anna", "Plays softer"]
    assert list(goals.reason) == ["moved away", "moved away"]


def test_sessions_table_counts_the_times_jack_fell_behind(run_cli, store, tmp_path):
    """A researcher weighing a session's timing sees its JACK xruns (journaled as
    ``jack_xruns`` events while recording) beside its dropouts."""
    from improv.demo import create_demo_session

    w = store.create_session(client="C07", players=["client"])
    w.report("jack_xruns", t=1.0, end=1.5, n=2, period_s=1024 / 48000)
    w.report("jack_xruns", t=3.0, end=3.0, n=1, period_s=1024 / 48000)
    w.finalize(duration_s=5.0)
    create_demo_session(store, duration=10.0)
    to = tmp_path / "ds"
    r = run_cli("export-dataset", "--to", str(to), "--format", "csv", "--include-demo")
    assert r.exit_code == 0, r.stderr
    sessions = pd.read_csv(to / "sessions.csv")
    assert dict(zip(sessions.client, sessions.jack_xruns, strict=True)) == {"C07": 3, "DEMO": 0}
    assert "jack_xruns" in (to / "README.md").read_text()
