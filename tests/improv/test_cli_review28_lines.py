"""Review 28 (first), findings 19, 20 and 21: empty states, error lines that give the fix,
and help text for every option."""

from __future__ import annotations

import click
import pytest

from tests.sessions.helpers import write_midi


def _commands():
    from improv.cli import cli

    def walk(group, path):
        for name, command in group.commands.items():
            yield [*path, name], command
            if isinstance(command, click.Group):
                yield from walk(command, [*path, name])

    return list(walk(cli, []))


def test_every_option_says_what_it_does():
    """Finding 21: each option of each command has a line of help (was: notes --by,
    annotations edit --at, annotations search --tag/--client, setups list --json …)."""
    from improv.cli import cli

    commands = [([], cli), *_commands()]
    assert len(commands) > 40
    bare = [f"improv {' '.join(words)} {p.opts[0]}" for words, command in commands
            for p in command.params
            if isinstance(p, click.Option) and "--help" not in p.opts
            and not (p.help or "").strip()]
    assert bare == []


@pytest.fixture
def one_session(run_cli, tmp_path):
    a = write_midi(tmp_path / "a.mid")
    r = run_cli("sessions", "import", a, "--client", "C07", "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()["id"]


def test_export_to_a_zip_in_a_missing_folder_says_to_create_it(run_cli, one_session, tmp_path):
    r = run_cli("sessions", "export", one_session[-4:], "--to", tmp_path / "missing" / "s.zip")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == (f"error: folder {tmp_path / 'missing'} does not exist; create it first, "
                        "or choose another (option --to)\n")


def test_export_dataset_names_the_option_not_the_field(run_cli, one_session, tmp_path):
    pytest.importorskip("pyarrow")
    full = tmp_path / "full"
    full.mkdir()
    (full / "mine.txt").write_text("x")
    r = run_cli("export-dataset", "--to", full, "--format", "csv")
    assert r.exit_code == 1
    assert r.stderr == (f"error: {full} exists and is not an empty folder; choose a new folder "
                        "(nothing a user made is overwritten) (option --to)\n")
    r = run_cli("export-dataset", "--to", tmp_path / "no" / "ds", "--format", "csv")
    assert r.stderr == (f"error: folder {tmp_path / 'no'} does not exist; create it first "
                        "(option --to)\n")


def test_no_audio_input_device_names_the_player_and_the_fix(run_cli, monkeypatch):
    import improv.capture.plan as plan

    monkeypatch.setattr(plan, "init_portaudio", lambda **kw: None)
    monkeypatch.setattr(plan, "list_audio_devices", lambda **kw: [])
    r = run_cli("record", "--client", "C07", "--player", "client=audio:1", "--no-display")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == ("error: no audio input device found for player 'client' matching '1': "
                        "connect the audio interface or microphone, switch it on and try "
                        "again, or choose the audio API or JACK server it is on\n")


def test_analyze_all_with_nothing_to_do_says_so_in_one_line(run_cli, monkeypatch):
    pytest.importorskip("distributed")
    empty = run_cli("analyze", "--all")
    assert (empty.exit_code, empty.stderr) == (0, "")
    assert empty.stdout == ("no sessions to analyse (import files with 'improv sessions import' "
                            "or record one)\n")
    demo = run_cli("sessions", "demo", "--duration", "10", "--no-analyze")
    assert demo.exit_code == 0, demo.stderr
    only_demo = run_cli("analyze", "--all")
    assert only_demo.stdout == ("no sessions to analyse; 1 demo session left out "
                                "(--include-demo analyses it)\n")
    later = run_cli("analyze", "--all", "--since", "2099-01-01")
    assert later.stdout == "no sessions to analyse since 2099-01-01\n"
    demo_client = run_cli("analyze", "--all", "--client", "DEMO")
    assert demo_client.stdout == ("no sessions to analyse of client DEMO; 1 demo session left "
                                  "out (--include-demo analyses it)\n")


def test_analyze_all_when_everything_is_current_says_so(run_cli, one_session, monkeypatch):
    pytest.importorskip("distributed")
    import improv.archive.batch as batch

    plan = batch.plan_batch
    monkeypatch.setattr(batch, "plan_batch", lambda store, **kw: {
        **plan(store, **kw), "todo": [], "skipped": [one_session]})
    r = run_cli("analyze", "--all")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == ("nothing to analyse: the 1 session is analysed already (--force "
                        "analyses it again)\n")


def test_annotations_search_takes_the_words_after_it(run_cli, one_session):
    """Finding 10: 'improv annotations search lead' said "too many words"."""
    run_cli("annotate", one_session, "--at", "0.1", "client takes the lead")
    run_cli("annotate", one_session, "--at", "0.2", "the lead is given back")

    def texts(*args):
        r = run_cli("annotations", "search", *args, "--json")
        assert r.exit_code == 0, r.stderr
        return sorted(a["text"] for a in r.json())

    assert texts("lead") == ["client takes the lead", "the lead is given back"]
    assert texts("takes the lead") == ["client takes the lead"]  # quoted: one word
    assert texts("takes", "the", "lead") == ["client takes the lead"]  # unquoted: a phrase
    assert texts("TAKES") == texts("--text", "takes") == ["client takes the lead"]
    both = run_cli("annotations", "search", "lead", "--text", "lead")
    assert both.exit_code == 1 and both.stderr == (
        "error: give the words once: after 'search' or with --text, not both\n")
    help_ = run_cli("annotations", "search", "--help").stdout
    assert "--tag TAG      Only annotations with this tag" in help_
    assert "--client CODE  Only this client's sessions." in help_


def test_sessions_list_puts_the_client_first(run_cli, one_session):
    """Finding 18: "Session 1" of three clients read alike with CLIENT fourth."""
    header, _, row = run_cli("sessions", "list").stdout.splitlines()
    assert header.split()[:4] == ["CLIENT", "NAME", "ID", "STARTED"]
    assert row.split()[:4] == ["C07", "Session", "1", one_session]


def test_empty_store_says_so_in_list_and_verify(run_cli):
    """Finding 19: one plain line, the same sentence."""
    listed = run_cli("sessions", "list")
    verified = run_cli("sessions", "verify", "--all")
    assert (listed.exit_code, listed.stdout, verified.exit_code, verified.stdout) == (0, "", 0, "")
    assert listed.stderr == ("no sessions (import files with 'improv sessions import' or record "
                             "one)\n")
    assert verified.stderr == ("no sessions to verify (import files with 'improv sessions "
                               "import' or record one)\n")
    assert run_cli("sessions", "verify", "--all", "--json").stdout.strip() == "[]"


def test_demo_says_how_to_open_and_remove_it(run_cli):
    """Finding 19 (and 9): the next step after 'improv sessions demo'."""
    r = run_cli("sessions", "demo", "--duration", "10", "--no-analyze")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.endswith(" (0:10); open it with 'improv serve'; remove it with 'improv "
                             "sessions delete --client DEMO'\n"), r.stdout
    assert r.stdout.count("\n") == 1


@pytest.mark.parametrize("answer", ["n\n", "\n", ""])  # no, Enter (the default), no answer
def test_declining_a_delete_says_nothing_was_deleted(run_cli, one_session, store_path, answer):
    """Finding 20: was "aborted" (exit 1). Exit 1 stays: the command did not do what it was
    asked, and a script must not take it for done."""
    r = run_cli("sessions", "delete", one_session, input=answer)
    assert r.exit_code == 1
    assert r.stderr.strip() == "nothing deleted" and "aborted" not in r.stderr + r.stdout
    assert (store_path / "sessions" / one_session).is_dir()
    assert [s["id"] for s in run_cli("sessions", "list", "--json").json()] == [one_session]


def test_goals_for_a_misspelt_client_suggest_the_close_codes(run_cli, one_session, store_path):
    """Finding 23: 'improv goals add --client C7' said only that C7 has no sessions."""
    r = run_cli("goals", "add", "--client", "C7", "x")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == ("error: client 'C7' has no sessions and no goals yet; did you mean C07? "
                        "(to agree a goal before the client's first session, add --new-client)\n")
    assert not (store_path / "clients").exists() or not any((store_path / "clients").iterdir())
    listed = run_cli("goals", "list", "--client", "c7")
    assert listed.stderr == ("error: client 'c7' has no sessions and no goals; did you mean C07? "
                             "(see 'improv sessions list')\n")
    far = run_cli("goals", "add", "--client", "XYZ", "x")  # nothing close: no guess
    assert far.stderr == ("error: client 'XYZ' has no sessions and no goals yet (to agree a goal "
                          "before the client's first session, add --new-client)\n")


def test_goals_measures_of_demo_sessions_names_include_demo(run_cli):
    """Finding 23: 'improv analyze --all --client DEMO' leaves the demos out."""
    assert run_cli("sessions", "demo", "--duration", "10", "--no-analyze").exit_code == 0
    r = run_cli("goals", "measures", "--client", "DEMO")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ("client DEMO's sessions are not analysed yet: 'improv analyze --all "
                        "--client DEMO --include-demo' measures them\n")


def test_goals_measures_of_client_sessions_needs_no_include_demo(run_cli, one_session):
    r = run_cli("goals", "measures", "--client", "C07")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ("client C07's sessions are not analysed yet: 'improv analyze --all "
                        "--client C07' measures them\n")
