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
    (["sessions", "list", "--bogus", "--json"], 2, "usage"),
    (["annotations", "export", "{sid}", "--json"], 2, "usage"),  # missing --format
    (["sessions", "show", "20260101-000000-abcd", "--json"], 1, "UnknownSessionError"),
    (["annotate", "{sid}", "--at", "abc", "x", "--json"], 1, "ParameterError"),
])
def test_json_errors_are_one_object_on_stderr(run_cli, sid, args, status, kind):
    r = run_cli(*[a.format(sid=sid) for a in args])
    assert r.exit_code == status and r.stdout == ""
    error = json.loads(r.stderr)
    assert error["kind"] == kind and error["exit_code"] == status and error["message"]
    assert r.stderr.count("\n") == 1


def test_usage_errors_exit_2_others_1(run_cli, sid):
    r = run_cli("annotations", "edit", sid, "a-0000000000")
    assert r.exit_code == 2 and r.stderr.startswith("error: nothing to change")
    r = run_cli("annotations", "edit", sid, "a-0000000000", "--text", "x")
    assert r.exit_code == 1 and "no annotation" in r.stderr


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
    from improv.reports import report

    monkeypatch.setattr(report.os, "geteuid", lambda: euid)
    assert report.chromium_sandbox_flags() == flags


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
