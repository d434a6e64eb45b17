"""``improv beats``: a player's tracked beats, for checking them in Sonic Visualiser.

A thin shell over :func:`improv.analyze.beats.player_beats` and
:func:`sessions.interop.to_sv_instants`.
"""

from __future__ import annotations

from pathlib import Path

import click

from improv.cli.output import info
from improv.cli.params import Choice, PlainPath


@click.group()
def beats():
    """A player's tracked beats (seconds from session start), for other tools."""


@beats.command("export")
@click.argument("session_id", metavar="SESSION")
@click.option("--player", required=True, metavar="NAME", help="The player whose beats to write.")
@click.option("--source", metavar="SOURCE",
              help="midi, audio or audio:INPUT (default: the first with beats, MIDI first).")
@click.option("--clock", type=Choice(["session", "file"]), default="session",
              show_default=True,
              help="Times in seconds from session start, or from the start of the source's "
                   "own file (the audio input's recording), to lay them over that recording.")
@click.option("--to", "to", type=PlainPath(dir_okay=False, path_type=Path), metavar="FILE.csv",
              help="A new file (default: standard output).")
@click.pass_obj
def export_(app, session_id, player, source, clock, to):
    """Write a player's beats as a Sonic Visualiser layer of time instants.

    In Sonic Visualiser: File > Import Annotation Layer, then choose the file; it reads the
    'time' column as seconds and numbers the beats. An audio recording that starts later than
    the session (an import with --offset) lies that much later on the session clock: with
    --clock file the beats are on the recording's own clock, as Sonic Visualiser shows it. The
    session is analysed first if it has not been (the analysis is kept, as by 'improv
    analyze').
    """
    from improv.analyze.beats import player_beats
    from improv.cli.params import new_output_file
    from sessions.interop import to_sv_instants

    if to is not None:
        new_output_file(to, "--to", suffixes=(".csv",))
    found = player_beats(app.store, session_id, player=player, source=source, clock=clock)
    text = to_sv_instants(found["beats"])
    if clock == "session" and abs(found["t0"]) >= 0.0005:
        info(f"note: {found['file']} starts {found['t0']:.3f} s into the session; these beats "
             "are on the session clock: give --clock file to lay them over that recording")
    if to is None:
        click.echo(text, nl=False)
        return
    from sessions.fsutil import open_new

    with open_new(to, "x", newline="", encoding="utf-8") as f:
        f.write(text)
    info(f"wrote {len(found['beats'])} beats of {player} ({found['source']}, pulse "
         f"{found['pulse']}) to {to}")


COMMANDS = [beats]
