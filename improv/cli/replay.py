"""``improv replay`` and ``improv render``."""

from __future__ import annotations

import queue
from pathlib import Path

import click

from improv.cli.output import info
from improv.cli.params import Choice, Number, PlainPath, new_output_file
from improv.cli.params import list_option as _players
from improv.cli.params import time_option as _time
from improv.errors import ParameterError
from improv.reports.wording import counted


@click.command()
@click.argument("session_id", metavar="SESSION")
@click.option("--from", "from_", metavar="TIME", help="Start (SS, MM:SS or HH:MM:SS; default 0).")
@click.option("--to", "to", metavar="TIME", help="End (default: the end of the session).")
@click.option("--players", metavar="A,B",
              help="Hear only these players (default: all; the others are muted).")
@click.option("--midi-out", metavar="PORT",
              help="Send the MIDI to this output port (name or index) instead of rendering it.")
@click.option("--audio-out", metavar="DEVICE",
              help="Audio output device (name or index; default: the system's).")
@click.option("--audio-api", metavar="NAME",
              help="Only audio devices of this host API (name part, e.g. JACK, ALSA).")
@click.option("--midi-api", type=Choice(["auto", "alsa", "jack", "coremidi", "winmm"]),
              default=None,
              help="MIDI system of --midi-out (default: $IMPROV_MIDI_API or auto).")
@click.option("--jack-server", metavar="NAME",
              help="JACK server name (default: $JACK_DEFAULT_SERVER or 'default').")
@click.option("--no-audio", is_flag=True,
              help="Play neither recordings nor rendered MIDI (with --midi-out: MIDI only).")
@click.option("--soundfont", type=PlainPath(dir_okay=False),
              help="For the MIDI players (rendered with FluidSynth; default: the system's GM).")
@click.option("--lead-in", type=Number(unit="seconds", example="0.5", min=0, max=5),
              default=0.3, show_default=True, metavar="SECONDS",
              help="Seconds of silence before the start (0 to 5).")
@click.pass_obj
def replay(app, session_id, from_, to, players, midi_out, audio_out, audio_api, midi_api,
           jack_server, no_audio, soundfont, lead_in):
    """Replay a session: the recordings and the MIDI players together, in sync, printing
    annotations as they pass. The MIDI players are rendered with FluidSynth and mixed with the
    recordings, unless --midi-out sends their MIDI to a synthesizer.

    Keys on a terminal: space pauses, arrows jump (5 s left/right, 30 s up/down), q quits. The
    status line shows the position, playing or paused, and where the sound goes.
    """
    from improv.capture.devices import check_api_names
    from improv.cli.replay_display import ReplayDisplay
    from improv.playback.replay import (
        AudioMix,
        Replayer,
        close_midi_out,
        keyboard_controls,
        match_audio_output,
        open_midi_out,
    )
    from sessions.playlist import build_playlist
    from sessions.timefmt import format_time

    check_api_names(midi_api=midi_api, audio_api=audio_api)  # a typo, even if unused this time
    session = app.store.session(session_id)
    playlist = build_playlist(session, start=_time(from_, "--from") or 0.0, end=_time(to, "--to"),
                              players=_players(players))
    out = None
    midi_api_name = ""
    if midi_out:
        from improv.capture.devices import quiet_native_stderr

        quiet = not click.get_current_context().find_root().params.get("debug")
        with quiet_native_stderr(enabled=quiet):  # ALSA's and libjack's probing noise
            out, port_name, midi_api_name = open_midi_out(midi_out, api=midi_api,
                                                          jack_server_name=jack_server)
    if no_audio and out is None:
        info("warning: nothing will sound (--no-audio and no --midi-out); only the annotations "
             "are printed as the play head passes them")
    mix, device, hostapi, where = None, None, "", []
    if out is not None:
        where.append(f"MIDI to {port_name}")
    if not no_audio and (playlist.audio or (out is None and playlist.midi)):
        from improv.playback.mix import renderings

        # the output first: a wrong device is refused before anything is rendered
        device, channels, hostapi, device_name = _audio_output(
            match_audio_output, audio_out, audio_api=audio_api, jack_server=jack_server)
        audio_items = playlist.audio
        rendered = [] if out is not None else renderings(
            session, players=playlist.players, soundfont=soundfont,
            sr=audio_items[0][0].sr if audio_items else 48000)
        if rendered:
            info(f"playing the MIDI of {', '.join(p for r in rendered for p in r.players)} "
                 "rendered with "
                 "FluidSynth" + (", mixed with the recordings" if audio_items else ""))
        mix = AudioMix(audio_items, out_channels=channels, renderings=rendered)
        where.insert(0, f"sound to {device_name} ({hostapi})")
    in_jack = "jack" in hostapi.lower()
    blocksize = 1024
    controls: queue.SimpleQueue = queue.SimpleQueue()
    display = ReplayDisplay(end=playlist.end, output=", ".join(where) or "no output")

    info(f"playing {format_time(playlist.start)} to {format_time(playlist.end)} "
         f"({', '.join(playlist.players)}); {display.output}")
    try:
        with keyboard_controls(controls), display:  # the terminal is given back as it was
            player = Replayer(
                playlist, midi_out=out, audio=mix, audio_device=device, lead_in=lead_in,
                blocksize=blocksize, on_annotation=display.annotation, controls=controls,
                output_latency=0.0 if in_jack else None, on_state=display.state,
                audio_in_jack=in_jack,  # MIDI to JACK is then placed at the audio's frames
            )
            display.player = player
            results = player.run()
    except KeyboardInterrupt:
        results = []
    finally:
        if out is not None:
            close_midi_out(out)
    from improv.playback.jack_midi_out import JackMidiOut

    info(done_line(audio_sources=None if mix is None else len(mix.inputs),
                   midi_sent=None if out is None else sum(r.midi_sent for r in results),
                   underruns=sum(r.underruns for r in results),
                   midi_late=out.late if isinstance(out, JackMidiOut) else 0))


#: No audio output device and none given: what to type instead (replay's options).
NO_AUDIO_OUTPUT = ("no audio output device: give one with --audio-out (see 'improv devices'), "
                   "or use --no-audio (with --midi-out PORT: the MIDI alone)")


def _audio_output(match, audio_out: str | None, *, audio_api: str | None,
                  jack_server: str | None):
    """``match(audio_out, ...)`` (:func:`improv.playback.replay.match_audio_output`), its
    "no audio output device" said with the options of ``improv replay``
    (:data:`NO_AUDIO_OUTPUT`)."""
    from improv.errors import NoDevicesError

    try:
        return match(audio_out, hostapi=audio_api, jack_server_name=jack_server)
    except NoDevicesError as exc:
        if audio_out is None and exc.parameter == "audio_out":
            raise NoDevicesError(NO_AUDIO_OUTPUT) from None
        raise


def done_line(*, audio_sources: int | None, midi_sent: int | None, underruns: int,
              midi_late: int) -> str:
    """The replay's last line: what was heard, and what did not play as recorded.

    Parameters
    ----------
    audio_sources, midi_sent : int or None
        Audio sources mixed and MIDI messages sent (None: that output was not used).
    underruns : int
        Audio blocks the output ran out of.
    midi_late : int
        MIDI messages written to JACK after their frame (the computer was too busy to hand them
        over 0.25 s ahead), i.e. later than recorded.
    """
    heard = []
    if audio_sources is not None:
        heard.append(f"{counted(audio_sources, 'audio source')}")
    if midi_sent is not None:
        heard.append(f"{midi_sent} MIDI messages sent")
    line = "done: " + (", ".join(heard) or "nothing played")
    if underruns:
        line += f", {underruns} audio underruns"
    if midi_late:
        line += (f", {midi_late} MIDI messages later than recorded (the computer was busy; "
                 "close other programs)")
    return line


@click.command()
@click.argument("session_id", metavar="SESSION")
@click.option("--to", "to", required=True, type=PlainPath(dir_okay=False, path_type=Path),
              help="Output WAV file.")
@click.option("--players", metavar="A,B", help="Only these players.")
@click.option("--mix", is_flag=True,
              help="Mix the audio recordings in too (default: the MIDI players only).")
@click.option("--soundfont", type=PlainPath(dir_okay=False),
              help="A .sf2 (default: the system GM soundfont).")
@click.option("--sr", type=Number(unit="Hz", example="48000", min=8000, max=192000,
                                 whole=True), metavar="HZ",
              help="Sample rate [Hz], 8000 to 192000 (default: 48000; with --mix, the "
                   "recordings').")
@click.pass_obj
def render(app, session_id, to, players, mix, soundfont, sr):
    """Render a session's MIDI players to a WAV file with FluidSynth, and with --mix its
    recordings too. The file is as long as the session, with at most 2 s of the last notes'
    release after it."""
    from sessions.playlist import select_audio, validate_players

    session = app.store.session(session_id)
    chosen = _players(players)
    validate_players(session, chosen)
    new_output_file(to, "--to", suffixes=(".wav",))  # FluidSynth writes WAV
    if not mix:
        from improv.playback.render import render_session

        render_session(session, to=to, players=chosen, sr=sr or 48000, soundfont=soundfont)
        click.echo(f"rendered {session_id} to {to}")
        return
    from improv.playback.mix import check_audible, mix_length, session_mix, write_mix

    recorded = select_audio(session, chosen or session.players)
    if sr is not None and recorded and sr != recorded[0][0].sr:  # before anything is rendered
        raise ParameterError(f"sr must be the recordings' rate ({recorded[0][0].sr} Hz) when "
                             f"they are mixed in, got {sr}", parameter="sr")
    m = session_mix(session, players=chosen, soundfont=soundfont)
    check_audible(m, players=chosen or session.players)
    write_mix(m, to=to, duration=mix_length(m, duration=session.duration_s))
    click.echo(f"rendered {session_id} to {to} ({', '.join(a.name for a, _ in m.inputs)})")


COMMANDS = [replay, render]
