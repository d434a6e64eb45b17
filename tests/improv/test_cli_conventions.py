"""Exit statuses, JSON errors and shell completion of the ``improv`` command line."""

from __future__ import annotations

import json

import pytest
from click.shell_completion import BashComplete, FishComplete, ZshComplete

from tests.sessions.helpers import write_midi


@pytest.fixture
def sid(run_cli, tmp_path):
    mid = write_midi(tmp_path / "duet.mid", tracks={
        "client": [(0.0, 0, 60, 80)], "therapist": [(1.0, 9, 38, 90)]})
    r = run_cli("sessions", "import", mid, "--client", "C07", "--player", "client=duet.mid:2",
                "--player", "therapist=duet.mid:3", "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()["id"]


@pytest.mark.parametrize("args, status, kind", [
    (["sessions", "list", "--bogus", "--json"], 1, "usage"),
    (["annotations", "export", "{sid}", "--json"], 1, "usage"),  # missing --format
    (["sessions", "demo", "--duration", "5", "--json"], 1, "usage"),
    (["sessions", "show", "20260101-000000-abcd", "--json"], 1, "UnknownSessionError"),
    (["annotate", "{sid}", "--at", "abc", "x", "--json"], 1, "ParameterError"),
])
def test_json_errors_are_one_object_on_stderr(run_cli, sid, args, status, kind):
    r = run_cli(*[a.format(sid=sid) for a in args])
    assert r.exit_code == status and r.stdout == ""
    error = json.loads(r.stderr)
    assert error["kind"] == kind and error["exit_code"] == status and error["message"]
    assert r.stderr.count("\n") == 1


def test_usage_errors_exit_1_as_other_errors_do(run_cli, sid):
    """The project's standard: every error exits with 1 (click's usage errors exited with 2)."""
    r = run_cli("annotations", "edit", sid, "a-0000000000")
    assert r.exit_code == 1 and r.stderr.startswith("error: nothing to change")
    r = run_cli("annotations", "edit", sid, "a-0000000000", "--text", "x")
    assert r.exit_code == 1 and "no annotation" in r.stderr


def _commands():
    """Every command of ``improv`` as ``(words, command)``, groups left out."""
    import click

    from improv.cli import cli

    def walk(cmd, words):
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                yield from walk(sub, [*words, name])
        else:
            yield words, cmd

    return list(walk(cli, []))


#: click's own words, which a therapist should not meet: its type names, range notation and
#: the sentences its usage errors start with.
CLICK_WORDS = ("Invalid value", "is not a valid", "<=x", "x<=", "Choose from", "No such",
               "Missing option", "Missing argument", "requires an argument",
               "Got unexpected", "integer", "float", "Usage:")


def _one_plain_line(r) -> str:
    assert r.exit_code == 1, (r.exit_code, r.stderr)
    assert r.stdout == "" and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("error: "), r.stderr
    assert not [w for w in CLICK_WORDS if w in r.stderr], r.stderr
    return r.stderr.strip()


@pytest.mark.parametrize("words", [" ".join(w) for w, _ in _commands()])
def test_every_command_refuses_an_unknown_option_in_one_plain_line(run_cli, words):
    line = _one_plain_line(run_cli(*words.split(), "--zqx"))
    assert line.startswith(f"error: improv {words} has no option --zqx"), line
    assert line.endswith(f" (see 'improv {words} --help')"), line


def _bad_values(tmp_path):
    """Per parameter of every command: a value its type refuses, as ``(words, args, param)``."""
    import click

    from improv.cli.params import Choice, Number, PlainPath

    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-folder").mkdir()
    cases = []
    for words, cmd in _commands():
        for p in cmd.params:
            if isinstance(p, click.Option) and (p.is_flag or p.is_bool_flag):
                continue
            t = p.type
            if isinstance(t, (Number, Choice)):
                value = "abc"
            elif isinstance(t, PlainPath) and t.exists:
                value = str(tmp_path / "missing")
            elif isinstance(t, PlainPath) and not t.file_okay:
                value = str(tmp_path / "a-file")
            elif isinstance(t, PlainPath) and not t.dir_okay:
                value = str(tmp_path / "a-folder")
            else:
                assert isinstance(t, (click.types.StringParamType, PlainPath)), (
                    f"improv {' '.join(words)} {p.name}: {type(t).__name__} refuses values in "
                    "click's words; use a type of improv.cli.params")
                continue
            if isinstance(p, click.Option):
                args = [p.opts[0], value]
            else:  # the arguments before it, then it
                before = [q for q in cmd.params if isinstance(q, click.Argument)]
                args = ["x"] * before.index(p) + [value]
            cases.append((words, args, p))
    return cases


def test_every_bad_option_value_is_one_plain_line_that_names_the_option(run_cli, tmp_path):
    """Every option and argument with a type: its refusal is one line, exit 1, that names the
    option (or the path of an argument) and the value, in plain words."""
    import click

    cases = _bad_values(tmp_path)
    assert len(cases) >= 30  # every command's typed options (a walk that found none passes)
    for words, args, param in cases:
        line = _one_plain_line(run_cli(*words, *args))
        named = args[0] if isinstance(param, click.Option) else args[-1]
        assert named in line and args[-1] in line, line


@pytest.mark.parametrize("args, line", [
    (["analyze", "x", "--window", "abc"],
     "--window must be a number of seconds, e.g. 6, got 'abc'"),
    (["sessions", "demo", "--duration", "5"], "--duration must be between 10 and 3600 seconds, "
     "got 5"),
    (["sessions", "demo", "--duration", "nan"],
     "--duration must be a number of seconds, e.g. 90, got 'nan'"),
    (["goals", "plan", "--client", "C07", "--months", "0"],
     "--months must be more than 0 and at most 240 months, got 0"),
    (["record", "--client", "C07", "--samplerate", "44.1"],
     "--samplerate must be a whole number of Hz, e.g. 48000, got '44.1'"),
    (["beats", "export", "x", "--player", "p", "--clock", "wall"],
     "--clock must be session or file, got 'wall'"),
    (["annotations", "export", "x"],
     "improv annotations export needs --format audacity, elan, sv, csv or json"),
    (["sessions", "show"], "improv sessions show needs a session ID: 'improv sessions list' "
     "shows them"),
    (["sessions", "list", "--clent", "C07"], "improv sessions list has no option --clent; "
     "did you mean --client? (see 'improv sessions list --help')"),
    (["sessions", "list", "--client"],
     "--client needs a value after it (see 'improv sessions list --help')"),
    (["sesions", "list"],
     "improv has no command 'sesions'; did you mean sessions? (see 'improv --help')"),
    (["sessions", "show", "a", "b"],
     "too many words for improv sessions show: 'b' (see 'improv sessions show --help')"),
    (["annotate", "x", "--at", "1:00", "playful", "answer"],
     "too many words for improv annotate: 'answer' (a text with spaces goes in quotes) "
     "(see 'improv annotate --help')"),
    (["compare", "--client", "C07", "--plot", "{tmp}/a-file"],
     "--plot: {tmp}/a-file is a file; give a folder"),
    (["annotations", "import", "x", "{tmp}"], "{tmp} is a folder; give a file"),
    (["annotations", "import", "x", "{tmp}/gone.csv"],
     "{tmp}/gone.csv does not exist; check the name and the folder"),
])
def test_usage_errors_say_what_is_wrong_and_how_to_fix_it(run_cli, store_path, tmp_path,
                                                          args, line):
    (tmp_path / "a-file").write_text("x")
    r = run_cli(*[a.format(tmp=tmp_path) for a in args])
    assert _one_plain_line(r) == f"error: {line.format(tmp=tmp_path)}"
    assert list(store_path.iterdir()) == []  # refused before the store is opened


@pytest.mark.parametrize("args", [[], ["sessions"], ["--help"], ["goals", "add", "--help"]])
def test_help_exits_0_on_stdout(run_cli, args):
    """``--help``, and a command group given without a command, print the help and exit 0."""
    r = run_cli(*args)
    assert r.exit_code == 0 and r.stderr == "" and r.stdout.startswith("Usage: improv")


def test_help_says_the_exit_status():
    from click.testing import CliRunner

    from improv.cli import cli

    text = " ".join(CliRunner().invoke(cli, ["--help"]).output.split())
    assert "exits with status 1" in text


def _complete(shell, args, incomplete):
    from improv.cli import cli

    return [c.value for c in shell(cli, {}, "improv", "_IMPROV_COMPLETE").get_completions(
        args, incomplete)]


@pytest.mark.parametrize("shell", [BashComplete, ZshComplete, FishComplete])
def test_completion_of_sessions_clients_and_players(run_cli, sid, store_path, shell):
    # the store comes from IMPROV_STORE (set by the fixture) or --store
    assert _complete(shell, ["annotations", "list"], "") == [sid]
    assert _complete(shell, ["--store", str(store_path), "replay"], sid[:6]) == [sid]
    assert _complete(shell, ["sessions", "list", "--client"], "C") == ["C07"]
    assert _complete(shell, ["annotate", sid, "--player"], "") == ["client", "therapist"]
    assert _complete(shell, ["analyze", sid, "--players"], "client,") == ["client,therapist"]
    assert _complete(shell, ["annotations", "list"], "nope") == []


def test_completion_fails_silent(tmp_path, monkeypatch):
    """No store, or a file that is not a catalog: no suggestions, no error."""
    monkeypatch.setenv("IMPROV_STORE", str(tmp_path / "none"))
    assert _complete(BashComplete, ["annotations", "list"], "") == []
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "catalog.sqlite").write_bytes(b"not a database")
    assert _complete(BashComplete, ["--store", str(tmp_path / "bad"), "replay"], "") == []
    assert _complete(BashComplete, ["sessions", "list", "--client"], "") == []


def test_completion_scripts_are_generated(monkeypatch, capsys):
    """The README's set-up lines: ``_IMPROV_COMPLETE={bash,zsh,fish}_source improv``."""
    from improv.cli import main

    for shell in ("bash", "zsh", "fish"):
        monkeypatch.setenv("_IMPROV_COMPLETE", f"{shell}_source")
        with pytest.raises(SystemExit) as exc:
            main([])
        assert exc.value.code == 0
        assert "_IMPROV_COMPLETE" in capsys.readouterr().out


@pytest.mark.parametrize("euid, flags", [(0, ["--no-sandbox"]), (1000, [])])
def test_chromium_sandbox_is_left_on_unless_root(monkeypatch, euid, flags):
    from improv.reports import printing

    monkeypatch.setattr(printing.os, "geteuid", lambda: euid)
    assert printing.chromium_sandbox_flags() == flags


_FINISH_THEN_CTRL_C = '''
import os, signal, sys, threading, time
import click
from improv.cli import cli, main

def ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.2)  # a handler would run here (Python checks for signals between steps)

@cli.command("finish")
@click.argument("when")
@click.pass_context
def finish(ctx, when):
    click.echo("done")
    if when == "teardown":  # while the store closes, after the command returned
        ctx.call_on_close(ctrl_c)
    else:  # while Python shuts down: it joins this thread after main's exit
        closed = threading.Event()
        ctx.find_root().call_on_close(closed.set)
        threading.Thread(target=lambda: (closed.wait(), ctrl_c())).start()

sys.argv = ["improv", "finish", sys.argv[1]]
main()
'''


@pytest.mark.parametrize("when", ["teardown", "shutdown"])
def test_ctrl_c_after_a_command_has_its_result_keeps_that_result(tmp_path, when):
    """Before: "aborted" (exit 1) when Ctrl-C came while the store closed; a KeyboardInterrupt
    traceback, or death by SIGINT (exit 130), while Python shut down."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "IMPROV_STORE": str(tmp_path / "store"), "PYTHONPATH": str(repo)}
    run = subprocess.run([sys.executable, "-c", _FINISH_THEN_CTRL_C, when], env=env, cwd=repo,
                         capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (0, "done\n", "")


def test_ctrl_c_while_a_command_runs_still_interrupts_it(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    script = ("import os, signal, sys, time, click\n"
              "from improv.cli import cli, main\n"
              "@cli.command('wait')\n"
              "def wait():\n"
              "    print('waiting', flush=True)\n"
              "    time.sleep(60)\n"
              "sys.argv = ['improv', 'wait']\n"
              "main()\n")
    env = {**os.environ, "IMPROV_STORE": str(tmp_path / "store"), "PYTHONPATH": str(repo)}
    # as at a terminal: a shell without job control starts background jobs with SIGINT
    # ignored, which Python then leaves ignored (the suite run as `... &` hung here)
    run = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=repo, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert run.stdout.readline() == "waiting\n"
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 1 and err.strip() == "aborted"


def test_help_names_what_an_option_takes_not_its_python_type():
    """``--duration SECONDS``, not ``--duration FINITE FLOAT RANGE``: the help is read by
    therapists, who do not know click's type names."""
    import re

    import click

    from improv.cli import cli

    def walk(cmd, path):
        ctx = click.Context(cmd, info_name=" ".join(path))
        yield " ".join(path), cmd.get_help(ctx)
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), [*path, name])

    bad = [f"{where}: {line.strip()}" for where, text in walk(cli, ["improv"])
           for line in text.splitlines()
           if re.search(r"\b(RANGE|INTEGER|FLOAT)\b|--(player|tag|host) TEXT", line)]
    assert not bad, "\n".join(bad)
