"""``improv replay`` and ``improv render``."""

from __future__ import annotations

import queue
from pathlib import Path

import click

from improv.cli.output import info
from improv.cli.params import FiniteRange, new_output_file
from improv.cli.params import list_option as _players
from improv.cli.params import time_option as _time
from improv.errors import ParameterError


@click.command()
@click.argument("session_id", metavar="SESSION")
@click.option("--from", "from_", metavar="TIME", help="Start (SS, MM:SS or HH:MM:SS; default 0).")
@click.option("--to", "to", metavar="TIME", help="End (default: the end of the session).")
@click.option("--players", metavar="A,B", help="Only these players (default: all).")
@click.option("--midi-out", metavar="PORT",
              help="Send the MIDI to this output port (name or index).")
@click.option("--audio-out", metavar="DEVICE",
              help="Audio output device (name or index; default: the system's).")
@click.option("--audio-api", metavar="HOSTAPI",
              help="Only audio devices of this host API, e.g. JACK.")
@click.option("--midi-api", metavar="API", help="alsa, jack, coremidi, winmm (default: auto).")
@click.option("--jack-server", metavar="NAME",
              help="JACK server to use (default: the default server).")
@click.option("--no-audio", is_flag=True, help="MIDI only: do not play audio or a rendering.")
@click.option("--soundfont", type=click.Path(dir_okay=False),
              help="For MIDI-only sessions (rendered with FluidSynth).")
@click.option("--lead-in", type=FiniteRange(0, 5), default=0.3, show_default=True,
              help="Seconds of silence before the start.")
@click.pass_obj
def replay(app, session_id, from_, to, players, midi_out, audio_out, audio_api, midi_api,
           jack_server, no_audio, soundfont, lead_in):
    """Replay a session: audio and MIDI in sync, printing annotations as they pass.

    Keys on a terminal: space pauses, arrows jump (5 s left/right, 30 s up/down), q quits.
    """
    from improv.capture.devices import check_api_names
    from improv.playback.replay import (
        AudioMix,
        Replayer,
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
        info(f"MIDI to {port_name}")
    if no_audio and out is None:
        info("warning: nothing will sound (--no-audio and no --midi-out); only the annotations "
             "are printed as the play head passes them")
    mix = None
    device = None
    hostapi = ""
    if not no_audio:
        audio_items = playlist.audio
        if not audio_items and out is None and playlist.midi:
            from improv.playback.render import cached_rendering
            from sessions.session import AudioInput

            path = cached_rendering(session, players=playlist.players, soundfont=soundfont)
            import soundfile as sf

            info_ = sf.info(str(path))
            rendering = AudioInput(name="rendering", path=path, sr=info_.samplerate,
                                   channels=info_.channels, frames=info_.frames, t0=0.0,
                                   drift_ppm=None, players={})
            audio_items = [(rendering, list(range(info_.channels)))]
            info("playing the MIDI rendered with FluidSynth")
        if audio_items:
            device, channels, hostapi = match_audio_output(audio_out, hostapi=audio_api,
                                                           jack_server_name=jack_server)
            mix = AudioMix(audio_items, out_channels=channels)
    in_jack = "jack" in hostapi.lower()
    blocksize = 1024
    controls: queue.SimpleQueue = queue.SimpleQueue()

    def show(a):
        span = f"-{format_time(a['end'])}" if a.get("end") is not None else ""
        click.echo(f"{format_time(a['t'])}{span}  {a.get('player') or 'all'}  "
                   f"{' '.join(a.get('tags') or [])}  {a.get('text') or ''}".rstrip())

    info(f"playing {format_time(playlist.start)} to {format_time(playlist.end)} "
         f"({', '.join(playlist.players)})")
    try:
        with keyboard_controls(controls):  # the terminal is given back as it was
            results = Replayer(
                playlist, midi_out=out, audio=mix, audio_device=device, lead_in=lead_in,
                blocksize=blocksize, on_annotation=show, controls=controls,
                output_latency=0.0 if in_jack else None,
                midi_lead=blocksize / mix.sr if (in_jack and mix is not None and out is not None
                                                 and "jack" in midi_api_name.lower()) else 0.0,
            ).run()
    except KeyboardInterrupt:
        results = []
    finally:
        if out is not None:
            out.close_port()
            out.delete()
    sent = sum(r.midi_sent for r in results)
    underruns = sum(r.underruns for r in results)
    info(f"done: {sent} MIDI messages sent"
         + (f", {underruns} audio underruns" if underruns else ""))


@click.command()
@click.argument("session_id", metavar="SESSION")
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output WAV file.")
@click.option("--players", metavar="A,B", help="Only these players' MIDI.")
@click.option("--soundfont", type=click.Path(dir_okay=False),
              help="A .sf2 (default: the system GM soundfont).")
@click.option("--sr", type=click.IntRange(8000, 192000), default=48000, show_default=True,
              help="Sample rate [Hz].")
@click.pass_obj
def render(app, session_id, to, players, soundfont, sr):
    """Render a session's MIDI to a WAV file with FluidSynth."""
    from improv.playback.render import render_session

    session = app.store.session(session_id)
    chosen = _players(players)
    if chosen:
        unknown = [p for p in chosen if p not in session.players]
        if unknown:
            raise ParameterError(f"unknown player(s) {', '.join(unknown)} "
                                 f"(players: {', '.join(session.players)})")
    new_output_file(to, "--to", suffixes=(".wav",))  # FluidSynth writes WAV
    render_session(session, to=to, players=chosen, sr=sr, soundfont=soundfont)
    click.echo(f"rendered {session_id} to {to}")


COMMANDS = [replay, render]
