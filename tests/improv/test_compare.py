"""Comparison over time and reports, on a client whose course is known by construction."""

import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from sessions.annotation_edits import add_annotation
from sessions.importer import import_files
from tests.cli_status import Usage, exit_status
from tests.sessions.helpers import import_weekly_session, write_midi

N_SESSIONS = 12
RISE = 0.25  # notes per second, per session
OUTLIER = 7  # this session is played 3 notes/s denser than the course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A client with twelve weekly 60 s sessions: density 1 + 0.25·i notes/s, one outlier."""
    from sessions.store import Store

    tmp = tmp_path_factory.mktemp("course")
    store = Store(tmp / "store")
    rng = np.random.default_rng(5)
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    ids = []
    for i in range(N_SESSIONS):
        rate = 1.0 + RISE * i + (3.0 if i == OUTLIER else 0.0)
        ids.append(import_weekly_session(store, tmp, week=i, notes=int(rate * 60), duration=60.0,
                                         rng=rng, start=start))
    add_annotation(store, ids[3], t=10.0, tags=["autonomy:leader"], text="first lead")
    store.close()
    return tmp / "store", ids


@pytest.mark.slow
def test_trend_band_and_outlier_as_built(course, run_cli, monkeypatch, tmp_path):
    store_root, ids = course
    monkeypatch.setenv("IMPROV_STORE", str(store_root))
    r = run_cli("compare", "--client", "C07", "--features", "notes_per_s", "--json",
                "--plot", tmp_path / "plots", "--export", tmp_path / "export")
    assert r.exit_code == 0, r.stderr
    res = r.json()
    assert res["json_version"] == 2
    assert [s["session_id"] for s in res["sessions"]] == ids
    f = res["features"]["client.midi.notes_per_s"]
    # the notes are uniformly random, so each session's density is within a few % of the plan
    planned = [1.0 + RISE * i + (3.0 if i == OUTLIER else 0.0) for i in range(N_SESSIONS)]
    np.testing.assert_allclose(f["values"], planned, rtol=0.05)
    t = f["trend"]
    assert t["slope_per_session"] == pytest.approx(RISE, abs=0.04)
    assert t["slope_per_30_days"] == pytest.approx(RISE * 30 / 7, rel=0.15)
    assert t["distinguishable"] and t["ci_low"] > 0
    assert f["outliers"] == [{"session_id": ids[OUTLIER]}]
    outside = [s["session_id"] for s in f["outside_band"]]
    assert f["band"]["mean"] == pytest.approx(np.mean(planned[:3]), rel=0.05)
    assert ids[OUTLIER] in outside and ids[-1] in outside
    assert ids[0] not in outside
    assert res["baseline"] == [{"session_id": i} for i in ids[:3]]
    assert res["sessions"][3]["annotations"] == 1
    png = tmp_path / "plots" / "C07-trends.png"
    assert (png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            and (tmp_path / "plots" / "C07-trends.svg").exists())
    csv_text = (tmp_path / "export" / "C07-sessions.csv").read_text()
    assert csv_text.splitlines()[0].startswith(
        "client,session_id,started_utc,days,duration_s,annotations,demo,analysis_version,")
    assert len(csv_text.splitlines()) == N_SESSIONS + 1
    # values as stored, not rounded to 6 digits; the version of every value on every row
    import csv
    import io

    from analysis import ANALYSIS_VERSION

    rows = list(csv.DictReader(io.StringIO(csv_text)))
    col = "client.midi.notes_per_s"
    assert [float(r[col]) for r in rows] == f["values"]
    assert {r["analysis_version"].split("/")[0] for r in rows} == {ANALYSIS_VERSION}
    assert {r["demo"] for r in rows} == {"false"}  # as export-dataset writes it, not 0/1
    assert res["analysis_version"] == ANALYSIS_VERSION
    dictionary = (tmp_path / "export" / "C07-data-dictionary.csv").read_text()
    assert "client.midi.notes_per_s,notes/s" in dictionary


@pytest.mark.slow
def test_two_sessions_and_segments(course, run_cli, monkeypatch):
    store_root, ids = course
    monkeypatch.setenv("IMPROV_STORE", str(store_root))
    r = run_cli("compare", ids[0], ids[-1], "--features", "notes_per_s", "--json")
    assert r.exit_code == 0, r.stderr
    (row,) = [x for x in r.json()["rows"] if x["feature"] == "client.midi.notes_per_s"]
    assert row["difference"] == pytest.approx(RISE * (N_SESSIONS - 1), rel=0.1)
    seg = run_cli("compare", ids[2], "--segments", "0:00-0:30,0:30-1:00", "--features",
                  "notes_per_s", "--json")
    assert seg.exit_code == 0, seg.stderr
    (srow,) = [x for x in seg.json()["rows"] if x["feature"] == "client.midi.notes_per_s"]
    assert all(v == pytest.approx(1.5, rel=0.35) for v in srow["values"])


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("pdftotext") is None,
                    reason="needs Debian's chromium and poppler-utils "
                           "(scripts/setup.sh installs them)")
def test_pdf_reports_carry_their_content(course, run_cli, monkeypatch, tmp_path):
    store_root, ids = course
    monkeypatch.setenv("IMPROV_STORE", str(store_root))
    pdf = tmp_path / "client.pdf"
    r = run_cli("report", "--client", "C07", "--to", pdf)
    assert r.exit_code == 0, r.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    flat = " ".join(text.split())  # labels may wrap in their table cells
    assert "Client C07" in flat and "Trends" in flat and "Notes per" in flat
    assert "notes_per_s" not in flat  # field names are in the CSV export's data dictionary
    # the outlier named as on the client page and in `improv compare` (2026-01-05 + 7 weeks)
    trends = flat[flat.index("Trends"):flat.index("tags across", flat.index("Trends"))]
    row = trends[trends.index("client (MIDI): Notes"):]  # the label may wrap after "Notes"
    assert "Session 8 (Feb 23)" in " ".join(row.split()[:40])
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.png"))
    assert page.read_bytes()[:4] == b"\x89PNG"
    shutil.copy(page, _artifacts() / "report-client-page1.png")
    spdf = tmp_path / "session.pdf"
    assert run_cli("report", ids[3], "--to", spdf).exit_code == 0
    stext = subprocess.run(["pdftotext", str(spdf), "-"], capture_output=True, text=True).stdout
    # the tag in words, as the reports word tags (improv.reports.tag_words), never its code
    assert f"Session 4 · {ids[3]}" in stext and "first lead" in stext
    assert "autonomy: leader" in " ".join(stext.split()) and "autonomy:leader" not in stext
    html = tmp_path / "session.html"
    assert run_cli("report", ids[3], "--to", html).exit_code == 0
    assert "<script" not in html.read_text() and "http://" not in html.read_text()


def _artifacts():
    from pathlib import Path

    p = Path(__file__).resolve().parents[2] / "artifacts" / "reports"
    p.mkdir(parents=True, exist_ok=True)
    return p


@pytest.mark.slow
@pytest.mark.parametrize("args, message", [
    (["compare"], Usage("give --client CODE")),
    (["compare", "--client", "NOBODY"], "has no sessions"),
    (["compare", "--client", "C07", "--baseline", "first:1"], "first:N needs N >= 2"),
    (["compare", "--client", "C07", "--baseline", "last:3"],
     ("baseline must be first:N", "(option --baseline)")),
    (["compare", "--client", "C07", "--since", "soon"], "--since must be a date"),
    (["compare", "20990101-000000-abcd", "--segments", "1-2"], "at least two segments"),
    (["report", "--to", "x.html"], Usage("give a session ID or --client")),
    (["report", "--client", "C07", "--to", "x.docx"], "must end in .html or .pdf"),
])
def test_compare_errors(course, run_cli, monkeypatch, args, message):
    monkeypatch.setenv("IMPROV_STORE", str(course[0]))
    r = run_cli(*args)
    parts = (message,) if isinstance(message, str) else message
    assert r.exit_code == exit_status(message) and r.stderr.startswith("error: "), r.stderr
    assert all(m in r.stderr for m in parts), r.stderr


def test_every_summary_name_of_the_tempo_has_a_definition():
    from improv.reports.compare import describe

    for name, unit in (("tempo_bpm", "BPM"), ("tempo_alt_bpm", "BPM"), ("tempo_alt_share", "0-1"),
                       ("pulse_clarity", "0-1"), ("tempo_stability", "0-1")):
        got_unit, text = describe(f"client.midi.{name}")
        assert got_unit == unit and text, name
    assert "runner-up" in describe("client.audio.tempo_alt_bpm")[1]  # not the global tempo's


def test_every_column_of_an_analysed_session_has_a_definition(store):
    """Every summary and curve the analysis gives (players and dialogue) has a unit and a
    definition in the data dictionary, with the player names filled in, and is a name that
    ``--features`` accepts before analysing, as is each of its endings after an underscore."""
    from analysis.features import check_features, describe
    from improv.analyze import analyze_session
    from improv.demo import create_demo_session

    sid = create_demo_session(store, duration=30.0)["id"]
    res = analyze_session(store, sid, dialogue=True)
    names = set()
    for entry in res["players"].values():
        for r in entry["sources"].values():
            names |= set(r["summary"]) | set(r.get("curves", {}))
    (d,) = res["dialogue"]
    names |= set(d["summary"]) | set(d.get("curves", {}))
    assert {"client_imitates_therapist_count", "therapist_role_leader_share",
            "client_active"} <= names
    missing = sorted(n for n in names if not describe(f"client|therapist.{n}")[1])
    assert not missing
    for n in names:
        parts = n.split("_")
        check_features(["_".join(parts[k:]) for k in range(len(parts))],  # raises if unknown
                       columns=["client", "therapist"])
    assert describe("client|therapist.therapist_role_solo_share") == (
        "fraction", "share of the windows in which therapist was suggested the role solo "
                    "(Bruscia's autonomy profile)")
    assert describe("a|b.b_imitates_a_per_min")[1] == "imitation episodes of a by b per minute"


def test_feature_names_are_checked_without_any_analysis():
    from analysis.features import check_features
    from improv.errors import ParameterError

    check_features(["notes_per_s", "client.midi.tempo_bpm", "role_leader_share", "bpm",
                    "imitates_therapist_count"])
    check_features(["therapist"], columns=["therapist"])  # a player's name ends pair measures
    for bad in (["therapist"], ["tempo"], ["notes_per_s", "velocity_avg"]):
        with pytest.raises(ParameterError, match="unknown feature"):
            check_features(bad)
    with pytest.raises(ParameterError, match="did you mean velocity_mean"):
        check_features(["velocity_mena"])


def _pulse_then_free(path, *, seed: int, free: tuple[float, float] | None, dur: float = 60.0,
                     rate: float = 3.0):
    """Notes every 0.5 s (120 BPM) over ``dur`` seconds, except in ``free`` (start, end), where
    they fall at random (Poisson, ``rate`` per second): no clear pulse there."""
    rng = np.random.default_rng(seed)
    beat = np.arange(0.25, dur - 0.5, 0.5)
    t = beat if free is None else beat[(beat < free[0]) | (beat >= free[1])]
    if free is not None:
        n = rng.poisson(rate * (free[1] - free[0]))
        t = np.sort(np.concatenate([t, rng.uniform(free[0], free[1], n)]))
    notes = [(float(x), 0, 60, 90) for x in t]
    return write_midi(path, tracks={"client": notes})


def test_pulse_less_stretches_are_no_tempo_in_comparisons(run_cli, monkeypatch, tmp_path):
    """Windows without a clear pulse hold tempo 0; a segment's tempo is the mean over its
    pulsed windows, and a session without any pulse has no tempo in the client's course."""
    from sessions.store import Store

    store = Store(tmp_path / "store")
    start = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    ids = []
    # the third session is a few scattered notes (0.3 per second): no pulse anywhere
    for i, free in enumerate([(20.0, 40.0), None, (0.0, 60.0), None]):
        path = _pulse_then_free(tmp_path / f"p{i}.mid", seed=i, free=free,
                                rate=0.3 if i == 2 else 3.0)
        ids.append(import_files(store, [path], client="C09", players=[f"client=p{i}.mid:2"],
                                started=start + timedelta(days=7 * i))["id"])
    store.close()
    monkeypatch.setenv("IMPROV_STORE", str(tmp_path / "store"))
    seg = run_cli("compare", ids[0], "--segments", "0:00-0:30,0:30-0:59", "--features",
                  "client.midi.tempo_bpm", "--json")
    assert seg.exit_code == 0, seg.stderr
    (row,) = seg.json()["rows"]
    # each segment is a third free playing: counted as 0 BPM, its mean would be ~80
    assert row["values"] == [pytest.approx(120.0, rel=0.04)] * 2
    r = run_cli("compare", "--client", "C09", "--features", "client.midi.tempo_bpm", "--json")
    assert r.exit_code == 0, r.stderr
    values = r.json()["features"]["client.midi.tempo_bpm"]["values"]
    assert values[2] is None  # all free playing: no tempo, not 0 BPM
    # a third free playing: the pulse is "intermittent" (under analysis.beats.CLEAR_SHARE of
    # the windows), and an intermittent pulse gives no session tempo (since 1.7)
    assert values[0] is None
    assert [values[1], values[3]] == [pytest.approx(120.0, rel=0.04)] * 2


@pytest.fixture
def two_weeks(tmp_path, monkeypatch):
    """Client C07 with two 20 s MIDI sessions a week apart, not analysed yet."""
    from sessions.store import Store

    start = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    ids = []
    with Store(tmp_path / "store") as store:
        for i in range(2):
            notes = [(0.5 * k + 0.1, 0, 60 + k % 5, 80) for k in range(38)]
            path = write_midi(tmp_path / f"w{i}.mid", tracks={"client": notes})
            ids.append(import_files(store, [path], client="C07", players=[f"client=w{i}.mid:2"],
                                    started=start + timedelta(days=7 * i))["id"])
    monkeypatch.setenv("IMPROV_STORE", str(tmp_path / "store"))
    return tmp_path / "store", ids


@pytest.mark.parametrize("args, message", [
    (["compare"], Usage("give --client CODE, two session IDs, or one ID with --segments")),
    (["compare", "--client", "C07", "{a}"],
     Usage("give either --client or session IDs, not both")),
    (["compare", "--client", "NOBODY"], "no sessions (see 'improv sessions list')"),
    (["compare", "--client", "C07", "--since", "soon"], "--since must be a date like 2026-03-01"),
    (["compare", "--client", "C07", "--since", "2030-01-01"], "has no sessions since 2030-01-01"),
    (["compare", "--client", "C07", "--baseline", "first:1"], "first:N needs N >= 2"),
    (["compare", "--client", "C07", "--baseline", "last:3"], "must be first:N or sessions:ID,ID"),
    (["compare", "--client", "C07", "--baseline", "sessions:{a}"], "two or more of this client"),
    (["compare", "--client", "C07", "--band-sd", "0"],
     Usage("--band-sd must be between 0.1 and 10 standard deviations, got 0")),
    (["compare", "{a}", "--segments", "0:00-0:10"], "at least two segments, e.g. 0:00-10:00"),
    (["compare", "{a}", "--segments", "abc"], "--segments must look like 0:00-10:00,50:00-60:00"),
    (["compare", "{a}", "--segments", "0-10,10-99"], "not inside the session (0 to 18.7 s)"),
    (["compare", "{a}", "--segments", "0:10-0:05,0:05-0:10"],
     "--segments: 0:10-0:05 ends before it starts; write the start first: 0:05-0:10"),
    (["compare", "{a}", "{a}"], "the same session is given twice"),
    # options of a client's course are refused, not ignored, with session IDs or segments
    (["compare", "{a}", "{b}", "--csv", "--plot", "{tmp}/p", "--export", "{tmp}/e"],
     Usage("--plot, --csv, --export only work with --client CODE")),
    (["compare", "{a}", "--segments", "0-5,5-10", "--baseline", "first:3"],
     Usage("--baseline only works with --client CODE")),
    (["compare", "--client", "C07", "--baseline", "sessions:{a}"],
     "needs two or more of this client's sessions in the compared period, got 1: {a}"),
    # a misspelt feature is refused before minutes of analysis, with the names it resembles
    (["compare", "--client", "C07", "--features", "notes_per_sec"],
     "unknown feature 'notes_per_sec': did you mean notes_per_s"),
    (["compare", "{a}", "{b}", "--features", "notes_per_s,tempo_bmp"],
     "unknown feature 'tempo_bmp': did you mean"),
    (["compare", "{a}", "--segments", "0-5,5-10", "--features", "loudnes"],
     "unknown feature 'loudnes'"),
    (["report", "--to", "{tmp}/r.html"], Usage("give a session ID or --client CODE")),
    (["report", "--client", "C07", "--no-appendix", "--to", "{tmp}/r.html"],
     Usage("--no-appendix goes with a session's report")),
    (["report", "{a}", "--to", "{tmp}/r.docx"], "--to must end in .html or .pdf"),
    (["report", "{a}", "--to", "{tmp}/taken.html"], "exists already; choose another name"),
    (["report", "{a}", "--to", "{tmp}/no/such/r.html"],
     "folder {tmp}/no/such does not exist; create it"),
    (["report", "--client", "C07", "--to", "{tmp}/no/such/r.pdf"], "folder {tmp}/no/such does"),
    (["report", "--client", "NOBODY", "--to", "{tmp}/r.html"], "client 'NOBODY' has no sessions"),
])
def test_bad_compare_and_report_options_change_nothing(two_weeks, run_cli, tmp_path, args,
                                                       message):
    """Refused with one line before any session is analysed: no cache, no catalog row, no file."""
    from tests.sessions.helpers import tree_snapshot

    store_root, ids = two_weeks
    (tmp_path / "taken.html").write_text("mine")
    before = tree_snapshot(store_root)
    r = run_cli(*[a.format(a=ids[0], b=ids[1], tmp=tmp_path) for a in args])
    assert r.exit_code == exit_status(message)
    message = message.format(tmp=tmp_path, a=ids[0])
    assert r.stderr.startswith("error: ") and message in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and r.stdout == ""
    assert tree_snapshot(store_root) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".html", ".pdf",
                                                                     ".docx")) == ["taken.html"]



@pytest.mark.parametrize("option, taken", [
    ("--export", "C07-sessions.csv"), ("--export", "C07-data-dictionary.csv"),
    ("--export", "C07-goals.csv"), ("--plot", "C07-trends.png"), ("--plot", "C07-trends.svg"),
])
def test_compare_files_are_new_and_refused_before_any_analysis(two_weeks, run_cli, tmp_path,
                                                                option, taken):
    """An earlier export or plot in the folder is never overwritten (before, --export replaced
    C07-sessions.csv silently, perhaps one of an older analysis version, and --plot failed
    after the analysis with "cannot write ...: File exists"); refused with one line before
    any session is analysed, the folder as it was."""
    from tests.sessions.helpers import tree_snapshot

    store_root, _ = two_weeks
    out = tmp_path / "out"
    out.mkdir()
    (out / taken).write_text("mine")
    before = tree_snapshot(store_root)
    r = run_cli("compare", "--client", "C07", option, out)
    assert r.exit_code == 1
    assert r.stderr == f"error: {option}: {out / taken} exists already; choose another folder " \
                       "or remove it (nothing is overwritten)\n", r.stderr
    assert tree_snapshot(store_root) == before  # nothing analysed
    assert [p.name for p in out.iterdir()] == [taken] and (out / taken).read_text() == "mine"


def test_compare_json_has_measures_only_and_whole_counts(two_weeks, run_cli):
    """The settings of the analysis (window, hop, analysed length) are no rows to compare
    sessions by, and a count reads as a whole number."""
    _, ids = two_weeks
    got = run_cli("compare", "--client", "C07", "--json").json()
    for s in got["sessions"]:
        assert s["values"] and not [k for k in s["values"]
                                    if k.rsplit(".", 1)[-1] in ("window_s", "hop_s", "duration_s")]
        assert type(s["values"]["client.midi.n_notes"]) is int
    assert type(got["sessions"][0]["duration_s"]) is float  # the session's length stays
    two = run_cli("compare", *ids, "--features", "n_notes", "--json").json()
    assert [type(v) for v in two["rows"][0]["values"]] == [int, int]


def test_compare_export_writes_new_owner_only_files(two_weeks, run_cli, tmp_path):
    """--export makes its folder and three new files (0600); a second export into the same
    folder is refused and leaves the first one's files as they were."""
    out = tmp_path / "new" / "export"
    r = run_cli("compare", "--client", "C07", "--export", out)
    assert r.exit_code == 0, r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["C07-data-dictionary.csv", "C07-goals.csv", "C07-sessions.csv"]
    assert all((out / n).stat().st_mode & 0o777 == 0o600 for n in names)
    first = {n: (out / n).read_bytes() for n in names}
    again = run_cli("compare", "--client", "C07", "--export", out)
    assert again.exit_code == 1 and "exists already" in again.stderr
    assert {n: (out / n).read_bytes() for n in names} == first


def test_session_report_shows_no_tempo_without_a_pulse(store, tmp_path):
    """The report gives a pulse-less player no tempo ("–") and marks a rare pulse's tempo,
    and every summary line it prints has a meaning."""
    from improv.analyze import analyze_session
    from improv.reports.compare import describe
    from improv.reports.report import session_report_html

    rng = np.random.default_rng(2)
    steady = [(0.25 + 0.5 * k, 0, 60 + k % 5, 90) for k in range(110)]  # 120 BPM for 55 s
    scattered = [(float(t), 0, int(rng.integers(50, 70)), 80)
                 for t in np.sort(rng.uniform(0.2, 55.0, 12))]  # a dozen notes: no pulse
    path = write_midi(tmp_path / "d.mid", tracks={"client": steady, "therapist": scattered})
    sid = import_files(store, [path], client="C07",
                       players=["client=d.mid:2", "therapist=d.mid:3"])["id"]
    res = analyze_session(store, sid)
    summ = {p: res["players"][p]["sources"]["midi"]["summary"] for p in ("client", "therapist")}
    assert summ["therapist"]["pulse"] == "none" and summ["therapist"]["tempo_bpm"] is None
    text = session_report_html(store, sid)
    rows = [r for r in text.split("<tr>") if r.startswith("<td>Tempo (BPM)</td>")]
    assert len(rows) == 1  # one table, a column per input (client, therapist)
    shown = [c.split("</td>")[0] for c in rows[0].split("<td class=num>")[1:]]
    assert shown == ["120", "–"]  # the therapist has no tempo, not "0 BPM"
    for k in summ["client"]:
        assert describe(f"client.midi.{k}")[1], k  # every line says what it means
    # names are matched whole: "shared_pulse" is not "pulse", "monkey" no "key"
    assert describe("a|b.shared_pulse")[0] == "0/1" and describe("x.monkey") == ("", "")


def test_segments_compare_audio_dynamics_and_name_the_segments(run_cli, store, tmp_path,
                                                             monkeypatch):
    """Segments of a session with audio: the level and loudness curves are compared by
    default, like the other core measures, and the segments are named as they were given."""
    from tests.sessions.helpers import write_audio

    wav = tmp_path / "room.wav"
    write_audio(wav, seconds=21.5, channels=1)
    sid = import_files(store, [wav], client="C07", players=["client=room.wav"])["id"]
    monkeypatch.setenv("IMPROV_STORE", str(store.root))
    r = run_cli("compare", sid, "--segments", "0-10,10-21.5")
    assert r.exit_code == 0, r.stderr
    assert "0:00.0-0:10.0" in r.stdout and "0:10.0-0:21.5" in r.stdout
    got = run_cli("compare", sid, "--segments", "0-10,10-21.5", "--json").json()
    # the JSON conventions of docs/research.md: session_id, segments as objects in seconds
    assert got["session_id"] == sid and got["json_version"] == 2
    assert got["segments"] == [{"start_s": 0.0, "end_s": 10.0}, {"start_s": 10.0, "end_s": 21.5}]
    features = {x["feature"]: x for x in got["rows"]}
    assert "client.audio.level_dbfs" in features and "client.audio.loudness_lufs" in features
    assert features["client.audio.level_dbfs"]["unit"] == "dBFS"


def test_one_session_is_one_session(run_cli, store, tmp_path, monkeypatch):
    path = write_midi(tmp_path / "one.mid", tracks={"client": [(0.5 * k, 0, 60, 90)
                                                            for k in range(40)]})
    import_files(store, [path], client="C11")
    monkeypatch.setenv("IMPROV_STORE", str(store.root))
    r = run_cli("compare", "--client", "C11", "--features", "notes_per_s")
    assert r.exit_code == 0, r.stderr
    assert "client C11: 1 session; baseline: Session 1\n" in r.stdout + r.stderr
    assert "the default baseline (first:3), but the client has 1 session" in r.stderr
    r = run_cli("compare", "--client", "../../C11", "--plot", tmp_path)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "client must be a pseudonym code" in r.stderr and "(option --client)" in r.stderr
    assert not list(tmp_path.glob("*.png"))
    r = run_cli("compare", "--client", "C11", "--baseline", "sessions:a,b")
    assert r.exit_code == 1 and "'a' is not a session ID" in r.stderr  # looked up first


def test_compare_uses_only_default_analyses_of_this_version(run_cli, store, tmp_path,
                                                             monkeypatch):
    """The catalog is what sessions are compared by: an analysis with another window stays
    out of it; a session analysed without its dialogue, or by an older version, is analysed
    (with the default parameters) before it is compared."""
    from improv.analyze import analyze_session
    from improv.reports.compare import ensure_analysed, is_analysed

    rng = np.random.default_rng(3)
    ids = []
    for week in range(2):
        notes = {p: [(t, 0, pitch, 80) for t in np.sort(rng.uniform(0, 40, 60))]
                 for p, pitch in (("client", 60), ("therapist", 48))}
        mid = write_midi(tmp_path / f"w{week}.mid", tracks=notes)
        ids.append(import_files(store, [mid], client="C31",
                                started=datetime(2026, 3, 2 + 7 * week, 9,
                                                 tzinfo=timezone.utc))["id"])
    first, second = ids

    def catalog(sid):
        return {(r["player"], r["name"]): (r["analysis_key"], r["value"])
                for r in store.catalog.features(session_id=sid)}

    analyze_session(store, first)  # players only, default window: no dialogue yet
    rows = catalog(first)
    assert not is_analysed(store, first)  # the pair client|therapist is missing
    analyze_session(store, first, window=12.0, hop=2.0)
    assert catalog(first) == rows  # another window leaves the catalog as it was
    asked = []
    ensure_analysed(store, first, progress=asked.append)
    assert asked == [first] and is_analysed(store, first)
    assert ("client|therapist", "joint_share") in catalog(first)
    ensure_analysed(store, first, progress=asked.append)
    assert asked == [first]  # nothing to do the second time
    # a row of an older analysis version (another key) is not compared: analysed again
    analyze_session(store, second, dialogue=True)
    assert is_analysed(store, second)
    with store.catalog.db:
        store.catalog.db.execute("UPDATE features SET analysis_key = 'older-version' "
                                 "WHERE session_id = ? AND player = 'client'", (second,))
    assert not is_analysed(store, second)
    monkeypatch.setenv("IMPROV_STORE", str(store.root))
    r = run_cli("compare", "--client", "C31", "--features", "notes_per_s,joint_share",
                "--json")
    assert r.exit_code == 0, r.stderr
    assert is_analysed(store, second)
    values = [s["values"] for s in r.json()["sessions"]]
    assert all("client|therapist.joint_share" in v for v in values), values


def test_reindex_restores_the_cached_analyses_into_the_catalog(run_cli, store, tmp_path,
                                                                monkeypatch):
    """A rebuilt catalog (reindex after damage) gets back every analysis the sessions' caches
    hold, so a comparison needs no analysis for them."""
    from improv.analyze import analyze_session
    from improv.reports.compare import is_analysed

    notes = {p: [(0.4 * k + d, 0, pitch, 80) for k in range(60)]
             for p, pitch, d in (("client", 60, 0.0), ("therapist", 48, 0.1))}
    sid = import_files(store, [write_midi(tmp_path / "d.mid", tracks=notes)],
                       client="C41")["id"]
    analyze_session(store, sid, dialogue=True)
    before = {(r["player"], r["name"]): (r["analysis_key"], r["value"], r["text"])
              for r in store.catalog.features(session_id=sid)}
    assert ("client|therapist", "joint_share") in before and is_analysed(store, sid)
    monkeypatch.setenv("IMPROV_STORE", str(store.root))
    r = run_cli("sessions", "reindex", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["analyses_restored"] == 3  # two players and their pair
    store.close()
    from sessions.store import Store

    with Store(store.root) as again:
        after = {(r["player"], r["name"]): (r["analysis_key"], r["value"], r["text"])
                 for r in again.catalog.features(session_id=sid)}
        assert after == before and is_analysed(again, sid)


def test_main_columns_take_each_players_first_measure_of_a_group_midi_first():
    """The client page's first look: per player one activity, silence, tempo and dynamics
    measure (MIDI before a microphone; a microphone-only player by its own onsets and
    loudness), per pair playing together and who leads; nothing else."""
    from improv.reports.compare import main_columns

    cols = ["client.audio.onsets_per_s", "client.midi.notes_per_s", "drum.audio.onsets_per_s",
            "client.audio.silence_share", "client.midi.silence_share",
            "drum.audio.silence_share", "client.midi.tempo_bpm", "client.midi.pulse_clarity",
            "client.midi.velocity_mean", "client.audio.loudness_lufs_integrated",
            "drum.audio.loudness_lufs_integrated", "client.midi.pitch_mean",
            "client|drum.joint_share", "client|drum.client_leads_share",
            "client|drum.drum_leads_share", "client|drum.floor_transfers_per_min"]
    assert main_columns(cols) == [
        "client.midi.notes_per_s", "drum.audio.onsets_per_s", "client.midi.silence_share",
        "drum.audio.silence_share", "client.midi.tempo_bpm", "client.midi.velocity_mean",
        "drum.audio.loudness_lufs_integrated", "client|drum.joint_share",
        "client|drum.client_leads_share", "client|drum.drum_leads_share"]
    # a player named with a dot stays whole; an empty comparison has no main columns
    assert main_columns(["Dr.K.midi.notes_per_s", "Dr.K.audio.onsets_per_s"]) == [
        "Dr.K.midi.notes_per_s"]
    assert main_columns([]) == []


def test_client_json_keeps_a_missing_value_as_null_and_names_sessions_by_objects():
    """Review 29, finding 12: a session's ``values`` left out a measure it had no value for,
    where ``features[...].values`` has null; the lists of sessions were bare IDs beside
    objects."""
    from improv.cli.compare import client_json

    result = {"client": "C07", "baseline": ["s1"], "band_sd": 2.0, "columns": ["c.midi.tempo_bpm"],
              "sessions": [{"id": "s1", "number": 1, "values": {"c.midi.tempo_bpm": 120.0,
                                                                "c.midi.n_notes": 3}},
                           {"id": "s2", "number": 2, "values": {"c.midi.n_notes": 4}}],
              "left_out": [{"id": "s3", "number": 3, "started_utc": "x", "reason": "why"}],
              "features": {"c.midi.tempo_bpm": {"values": [120.0, None], "outside_band": ["s2"],
                                                "outliers": []}}}
    got = client_json(result)
    assert got["json_version"] == 2
    assert [s["values"] for s in got["sessions"]] == [
        {"c.midi.n_notes": 3, "c.midi.tempo_bpm": 120.0},
        {"c.midi.n_notes": 4, "c.midi.tempo_bpm": None}]
    assert [s["session_id"] for s in got["sessions"]] == ["s1", "s2"]
    assert "id" not in got["sessions"][0] and got["sessions"][1]["number"] == 2
    assert got["left_out"] == [{"session_id": "s3", "number": 3, "started_utc": "x",
                                "reason": "why"}]
    assert got["baseline"] == [{"session_id": "s1"}]
    f = got["features"]["c.midi.tempo_bpm"]
    assert f["outside_band"] == [{"session_id": "s2"}] and f["outliers"] == []
    assert result["sessions"][0]["id"] == "s1"  # the result itself is left as it was


def test_the_csv_writes_demo_as_true_or_false():
    """``demo`` as ``export-dataset`` writes a bool (true/false), not 0/1, and the data
    dictionary says so."""
    import csv
    import io

    from improv.reports.compare import client_csv, data_dictionary_csv

    def session(sid, demo):
        return {"id": sid, "started_utc": f"2026-01-0{sid[-1]}T10:00:00+00:00", "days": 0.0,
                "duration_s": 60.0, "annotations": 0, "demo": demo, "values": {}}

    result = {"client": "C07", "columns": [], "analysis_version": "1", "dialogue_version": "1",
              "sessions": [session("s1", True), session("s2", False)]}
    rows = list(csv.DictReader(io.StringIO(client_csv(result))))
    assert [r["demo"] for r in rows] == ["true", "false"]
    meaning = {r["column"]: r for r in csv.DictReader(io.StringIO(data_dictionary_csv(result)))}
    assert meaning["demo"]["unit"] == "true/false"
