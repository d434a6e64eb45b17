"""``improv devices``, ``improv record`` and ``improv setups``."""

from __future__ import annotations

import signal

import click

from improv.capture.recorder import DISK_STOP_BYTES, DISK_WARN_BYTES
from improv.cli.output import emit, format_duration, info, table, trace_native_crashes
from improv.cli.params import Choice, Number
from improv.reports.wording import counted

PLAYER_HELP = (
    "An input of a player: PLAYER=midi:PORT or PLAYER=audio:DEVICE[:CHANNELS] "
    "(device by index or case-insensitive name part; channels 1-based, e.g. 1,2 or 1-4). "
    "Repeat for several inputs and players."
)


def _device_options(f):
    f = click.option("--jack-midi-server", metavar="NAME",
                     help="JACK server for MIDI only (e.g. one with a small period).")(f)
    f = click.option("--jack-server", metavar="NAME",
                     help="JACK server name (default: $JACK_DEFAULT_SERVER or 'default').")(f)
    f = click.option("--audio-api", metavar="NAME",
                     help="Only audio devices of this host API (name part, e.g. JACK, ALSA).")(f)
    f = click.option("--midi-api", type=Choice(["auto", "alsa", "jack", "coremidi", "winmm"]),
                     default=None, help="MIDI system (default: $IMPROV_MIDI_API or auto).")(f)
    return f


@click.command("devices")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_device_options
def devices(as_json, midi_api, audio_api, jack_server, jack_midi_server):
    """List MIDI input/output ports and audio devices."""
    from improv.capture.devices import list_audio_devices, list_midi_ports, quiet_native_stderr
    from improv.errors import NoDevicesError

    quiet = not click.get_current_context().find_root().params.get("debug")
    result: dict = {"midi": [], "audio": [], "problems": []}
    try:
        with quiet_native_stderr(enabled=quiet):
            result["midi"] = [p.to_dict() for p in list_midi_ports(
                api=midi_api, jack_server_name=jack_midi_server or jack_server)]
    except NoDevicesError as exc:
        result["problems"].append(f"MIDI: {_with_option(exc)}")
    try:
        with quiet_native_stderr(enabled=quiet):
            devs = list_audio_devices(refresh=True, jack_server_name=jack_server)
        if audio_api:
            devs = [d for d in devs if audio_api.lower() in d.hostapi.lower()]
        result["audio"] = [d.to_dict() for d in devs]
    except NoDevicesError as exc:
        result["problems"].append(f"audio: {_with_option(exc)}")

    def human(r):
        if r["midi"]:
            click.echo("MIDI ports")
            table([[p["index"], p["direction"], p["name"], p["api"]] for p in r["midi"]],
                  ["index", "direction", "name", "api"])
        else:
            click.echo("MIDI ports: none found")
        click.echo("")
        if r["audio"]:
            click.echo("Audio devices")
            table([[d["index"], d["name"], d["hostapi"], d["input_channels"],
                    d["output_channels"], f"{d['default_samplerate']:.0f}"] for d in r["audio"]],
                  ["index", "name", "host API", "in", "out", "default Hz"])
        else:
            click.echo("Audio devices: none found"
                       + (f" for --audio-api {audio_api}" if audio_api else ""))
        for p in r["problems"]:
            info(f"warning: {p}")

    emit(result, as_json=as_json, human=human)


def _with_option(exc: Exception) -> str:
    """A library message as the command line says it: with the option of the parameter it is
    about (``exc.parameter``, ``midi_api``), as the error boundary adds it: ``… (details: …)
    (option --midi-api)``. The library's messages name no option (the web app shows them
    too)."""
    parameter = getattr(exc, "parameter", None)
    if not parameter:
        return str(exc)
    return f"{exc} (option --{parameter.replace('_', '-')})"


@click.command("record")
@click.option("--client", required=True, metavar="CODE", help="Client pseudonym code, e.g. C07.")
@click.option("--therapist", metavar="CODE", help="Therapist code.")
@click.option("--new-client", is_flag=True,
              help="The client code is new on purpose: the first session of a new client "
                   "(without it, a code with no session or goals yet is asked about first, "
                   "or said when no one can answer).")
@click.option("--not-a-name", is_flag=True,
              help="A client or therapist code that looks like a person's name is a pseudonym "
                   "all the same: record with it (without it, such a new code is refused).")
@click.option("--setup", "setup", metavar="NAME", help="Use a saved setup (see 'improv setups').")
@click.option("--player", "players", multiple=True, metavar="SPEC", help=PLAYER_HELP)
@click.option("--percussion", "percussion", multiple=True, metavar="PLAYER|PORT",
              help="A drum kit: the notes of this player's MIDI inputs, or of this MIDI input "
                   "(PORT as written after midi:), are drums on every channel, not only on "
                   "channel 10 (no key or pitch from them; repeatable).")
@click.option("--save-setup", metavar="NAME", help="Also save these inputs as a setup.")
@click.option("--duration", type=Number(unit="seconds", example="600", min=0, min_open=True),
              metavar="SECONDS",
              help="Stop after this many seconds (unattended use, tests).")
@click.option("--samplerate", type=Number(unit="Hz", example="48000", min=1, whole=True),
              metavar="HZ",
              help="Audio sample rate (default: the device's).")
@click.option("--blocksize", type=Number(unit="frames", example="256", min=0, whole=True),
              default=0, show_default=True,
              metavar="FRAMES", help="Audio block size (0: the host's period).")
@click.option("--disk-warn-mb", type=Number(unit="MB", example="2000", min=0),
              default=DISK_WARN_BYTES / 1e6, show_default=True, metavar="MB",
              help="Warn below this much free disk space [MB].")
@click.option("--disk-stop-mb", type=Number(unit="MB", example="500", min=0),
              default=DISK_STOP_BYTES / 1e6, show_default=True, metavar="MB",
              help="Stop cleanly below this much free disk space [MB].")
@click.option("--midi-capture", type=Choice(["queue", "callback"]), default="queue",
              show_default=True,
              help="(advanced; leave the default) queue: rtmidi queues in C++, a Python "
                   "thread drains it; callback: python-rtmidi calls Python in the MIDI thread "
                   "(see docs/recording.md).")
@click.option("--midi-stamps", type=Choice(["frame", "cycle"]), default="frame",
              show_default=True,
              help="Under JACK: frame: each MIDI message at the frame it came at (a JACK client "
                   "of improv's own reads the frames); cycle: at the start of its JACK cycle "
                   "(up to one period early), as python-rtmidi stamps it.")
@click.option("--no-display", is_flag=True, help="No live display (also off when not a terminal).")
@click.option("--live-measures/--no-live-measures", default=None,
              help="Measure density, loudness and tempo while recording (default: with the "
                   "live display).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_device_options
@click.pass_obj
def record(app, client, therapist, new_client, not_a_name, setup, players, percussion,
           save_setup, duration, samplerate, blocksize, disk_warn_mb, disk_stop_mb,
           midi_capture, midi_stamps, no_display,
           live_measures, as_json, midi_api, audio_api, jack_server, jack_midi_server):
    """Record MIDI and audio of the players until q, Ctrl-C or --duration.

    \b
    Example:
      improv record --client C07 --player client=midi:Keyboard \\
          --player therapist=audio:Scarlett:2 --player client=audio:Scarlett:1
    """
    import sys

    from improv.capture.live_status import summarize
    from improv.capture.recorder import Recorder
    from improv.capture.setups import (
        check_codes,
        check_inputs,
        check_setup_name,
        mark_kits,
        recording_inputs,
    )
    from improv.capture.setups import save_setup as _save
    from improv.codes import CLI_GO_AHEAD, known_code, refuse_name_like, store_codes
    from improv.errors import ParameterError, user_facing_errors

    if disk_stop_mb > disk_warn_mb:
        raise ParameterError(
            f"--disk-stop-mb ({disk_stop_mb:g}) must not exceed --disk-warn-mb "
            f"({disk_warn_mb:g}): the warning comes first, the stop when space runs out")
    store = app.store
    check_codes(client, therapist)
    clients, therapists = store_codes(store)
    refuse_name_like(client, therapist, known_clients=clients, known_therapists=therapists,
                     not_a_name=not_a_name, go_ahead=CLI_GO_AHEAD)
    # a known code as it is stored (k12 is K12), as the Record page takes it
    known_client = known_code(client, clients)
    client = known_client or client.strip()
    if therapist:
        therapist = known_code(therapist, therapists) or therapist.strip()
    trace_native_crashes()  # a fault in an audio or MIDI library leaves a trace to report
    inputs, opts = recording_inputs(
        store.root, setup=setup, players=players,
        options={"midi_api": midi_api, "audio_api": audio_api, "jack_server": jack_server,
                 "jack_midi_server": jack_midi_server})
    check_inputs(inputs)
    # refused before anything is recorded; declared in the session from its first second
    inputs = mark_kits(inputs, kit_inputs(inputs, percussion))
    if save_setup:  # saved once its devices are found (a failed start leaves the store alone)
        check_setup_name(save_setup)
    unasked_new = known_client is None and not new_client and not ask_new_client(client, clients)
    rec = Recorder(
        store=store, client=client, inputs=inputs, therapist=therapist,
        setup_name=setup or save_setup, midi_api=opts.get("midi_api"),
        audio_api=opts.get("audio_api"), jack_server=opts.get("jack_server"),
        jack_midi_server=opts.get("jack_midi_server"),
        sr=samplerate, blocksize=blocksize, disk_warn_bytes=int(disk_warn_mb * 1e6),
        disk_stop_bytes=int(disk_stop_mb * 1e6), midi_mode=midi_capture, midi_stamps=midi_stamps,
    )
    printed: list[str] = []  # warnings printed while recording (without the live display)
    old_term = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: rec.request_stop("terminated"))
    live = None
    try:
        rec.start()
        if unasked_new:  # no one to ask: said once it records
            info(NEW_CLIENT_NOTE)
        show = not no_display and sys.stderr.isatty()
        if show if live_measures is None else live_measures:
            from improv.analyze.live import start_for

            live = start_for(rec)
        if save_setup:
            try:
                _save(store.root, save_setup, inputs=inputs, options=opts)
                info(f"saved setup {save_setup!r}")
            except user_facing_errors() as exc:  # the recording goes on
                info(f"warning: setup {save_setup!r} not saved: {exc}")
        manifest = _run(rec, show=show, live=live, duration=duration, printed=printed)
    except KeyboardInterrupt:
        manifest = rec.stop("interrupted")
    finally:
        signal.signal(signal.SIGTERM, old_term)
        if live is not None:
            live.stop()
    result = summarize(manifest)
    result["number"] = store.catalog.session_number(result["id"]) if result.get("id") else None
    if live is not None:  # what measuring cost (bench/bench_recording.py)
        result["live_measures"] = {"updates": live.updates, "cpu_s": round(live.cpu_s, 3)}
    emit(result, as_json=as_json, human=lambda r: _print_result(r, printed=printed))


def can_ask() -> bool:
    """Whether someone at a terminal can answer a question (stdin is a terminal)."""
    import sys

    return sys.stdin.isatty()


def _close_codes(client: str, clients: list[str]) -> list[str]:
    """The known client codes that ``client`` may be a slip for (C12 for C21)."""
    import difflib

    folded = {c.casefold(): c for c in clients}
    return [folded[c] for c in difflib.get_close_matches(client.casefold(), list(folded), n=3,
                                                         cutoff=0.6)]


def ask_new_client(client: str, clients: list[str]) -> bool:
    """Ask at a terminal whether ``client``, a code the store lacks, is a new client; exit 1
    (nothing recorded) on no. Returns False when no one can answer (not a terminal).

    The question names the known codes it may be a slip for, on the terminal only: what
    improv prints otherwise (a log of a script) names no client code."""
    if not can_ask():
        return False
    close = _close_codes(client, clients)
    info(f"There is no session or goal of client {client} yet"
         + (f"; did you mean {' or '.join(close)}?" if close else "."))
    try:
        sure = click.confirm(f"Start a new client {client}?", default=False, err=True)
    except click.Abort:  # no answer (Ctrl-D)
        sure = False
        click.echo("", err=True)
    if not sure:
        info("nothing recorded: record again with the client's code as before, or add "
             "--new-client for a new client")
        click.get_current_context().exit(1)
    return True


#: Said when a new client code was not asked about (a script, a pipe): no code in it, as
#: nothing printed while recording names the client.
NEW_CLIENT_NOTE = ("note: a new client: there is no session or goal of this client code yet; "
                   "if it is a slip, delete this session ('improv sessions delete ID') and "
                   "record again with the code as before (--new-client: new on purpose)")


def kit_inputs(inputs, names, *, of: str = "recording") -> list:
    """The MIDI inputs of ``inputs`` (:class:`improv.capture.setups.PlayerInput`) that the
    ``--percussion`` names mean: a player's MIDI inputs, or a MIDI input by its port as written
    in ``--player`` (without regard to case).  ``of`` says what the inputs are of in the
    message (``recording``, ``setup``).

    Raises
    ------
    ParameterError
        For an audio input, a player with audio inputs only, or a name of no input.
    """
    from improv.errors import ParameterError
    from sessions.names import match_name

    midi = [i for i in inputs if i.kind == "midi"]
    players = list(dict.fromkeys(i.player for i in inputs))
    out = []
    for name in names:
        player = match_name(name, players)
        hits = ([i for i in midi if i.player == player] if player in players
                else [i for i in midi if i.device.casefold() == name.casefold()])
        if not hits:
            audio = player in players or any(i.device.casefold() == name.casefold()
                                             for i in inputs if i.kind == "audio")
            listed = ", ".join(f"{i.device} ({i.player})" for i in midi) or "none"
            raise ParameterError(
                f"--percussion: {name!r} " + (
                    "is an audio input, which cannot be marked as a drum kit: the analysis "
                    "hears by the sound whether audio is percussive" if audio
                    else f"is no player or MIDI input of this {of}")
                + f" (MIDI inputs: {listed})")
        out += [i for i in hits if i not in out]
    return out


def _run(rec, *, show: bool, live, duration: float | None, printed: list[str]):
    """Run a started recording to its end with the live display, or (without one) printing
    each warning once as it comes into ``printed``; returns the final manifest."""
    if show:
        from improv.cli.live_display import LiveDisplay

        with LiveDisplay(rec, live=live) as display:
            return rec.run(duration_s=duration, on_tick=display.tick)
    info(f"recording {counted(len(rec.inputs), 'input')} as session {rec.session_id}: "
         + (f"stops after {_seconds(duration)}" if duration else "Ctrl-C stops"))

    def say_warnings(r) -> None:  # no display: each warning once, when it comes
        for w in r.warnings[len(printed):]:
            info(f"warning: {w}")
            printed.append(w)

    manifest = rec.run(duration_s=duration, on_tick=say_warnings)
    say_warnings(rec)  # those that came with the stop (e.g. the JACK server stopped)
    return manifest


def _seconds(seconds: float) -> str:
    """``3 s``, ``1.5 s``, ``10:00`` for a length."""
    return f"{seconds:g} s" if seconds < 60 else format_duration(seconds)


def _ms_or_s(seconds: float) -> str:
    """A short length: ``21 ms`` below one second, ``1.2 s`` from then on."""
    return f"{1000 * seconds:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


#: The MIDI counters of a session (``midi.counters``) in words, after the number.
MIDI_COUNTER_WORDS = {
    "midi_queue_overflows": ("MIDI message not recorded (too many at once)",
                             "MIDI messages not recorded (too many at once)"),
    "midi_duplicates_dropped": ("doubled MIDI message left out", "doubled MIDI messages left out"),
    "midi_backend_errors": ("error of the MIDI system", "errors of the MIDI system"),
}


def audio_summary(a: dict) -> str:
    """One audio input of :func:`improv.capture.live_status.summarize` in words: how much
    was recorded and what is missing (dropouts filled with silence, samples the sound card
    lost), in seconds, not frames."""
    from improv.capture.live_status import input_name

    sr = a["sr"] or 1
    parts = [f"{format_duration(a['frames'] / sr)} recorded"
             + (f" ({a['channels']} channels)" if a["channels"] != 1 else "")]
    # the stretches the device was away are not dropouts: said apart, with their times
    away = a.get("away") or []
    n = a["gaps"] - len(away)
    if away:
        parts.append(away_words(away))
    if n > 0:
        dropped = a["gap_frames"] / sr - sum(g["end"] - g["t"] for g in away)
        parts.append(f"{n} short dropout{'s' if n != 1 else ''} filled with silence "
                     f"({_ms_or_s(max(0.0, dropped))}{' in all' if n != 1 else ''})")
    if a["overflows"]:
        n = a["overflows"]
        parts.append("the sound card lost a few samples "
                     + {1: "once", 2: "twice"}.get(n, f"{n} times"))
    return f"{input_name(a['name'])}: " + "; ".join(parts)


def away_words(away: list[dict]) -> str:
    """The stretches an audio input was away (``summarize``'s ``away``: ``t``, ``end`` [s],
    ``sound_system``), after its name: ``not recorded for 25 s (0:15–0:40): unplugged``."""
    from improv.capture.live_status import away_text, sound_system_words

    said = away_text("", [(g["t"], g["end"] - g["t"], g.get("sound_system")) for g in away])
    systems = [g["sound_system"] for g in away if g.get("sound_system")]
    why = f"{sound_system_words(systems[0])} had stopped" if systems else "unplugged"
    return f"{said.strip().removeprefix('was ')}, filled with silence: {why}"


def event_words(e: dict, *, among: list[str] = ()) -> str:
    """A device event of a recording (``device_lost``, ``midi_gap`` ...) in words."""
    from improv.capture.live_status import input_name
    from sessions.timefmt import format_time

    raw = e.get("port") or e.get("device") or e.get("source") or ""
    name = input_name(raw, among=among) if raw else "an input"
    at = format_time(e["t"])
    end = format_time(e["end"]) if e.get("end") is not None else None
    # never a range whose two ends read the same ("0:15.0–0:15.0", review rev-pulse F6)
    span = f"from {at}" if end is None else f"{at}–{end}" if end != at else f"for a moment at {at}"
    if e.get("sound_system") and e["kind"] in ("device_lost", "device_back"):
        from improv.capture.live_status import sound_system_words

        system = sound_system_words(e["sound_system"])
        return (f"{system} stopped at {at}, and {name} with it" if e["kind"] == "device_lost"
                else f"{system} ran again at {at}: {name} recorded from then on")
    return {
        "device_lost": f"{name} unplugged at {at}",
        "device_back": f"{name} plugged in again at {at}",
        "midi_gap": f"nothing recorded from {name} {span}",
        "source_gap": f"nothing recorded from {name} {span}",
        "audio_reinit": f"improv looked for the lost audio inputs again at {at}",
        "jack_server_lost": f"the audio system (JACK) stopped at {at}",
        "disk_low": f"the disk was nearly full at {at}",
        "duplicate_dropped": f"a doubled message of {name} left out at {at}",
    }.get(e["kind"], f"{str(e.get('what') or e['kind']).replace('_', ' ')} at {at}")


def _print_result(r: dict, *, printed: list[str]) -> None:
    """The recording's summary for a person; warnings not ``printed`` while recording."""
    # the usual ends (and none given) need no words: no "(None)", no "(Stop was pressed)"
    why = "" if r["usual_stop"] else f" ({r['stop_reason_text']})"
    info(f"stopped{why} after {format_duration(r['duration_s'])}")
    number = f"Session {r['number']} of this client, " if r.get("number") else ""
    click.echo(f"saved: {number}session {r['id']}, {r['status']}, "
               f"{format_duration(r['duration_s'])}, {counted(r['midi_events'], 'MIDI message')}")
    for a in r["audio"]:
        click.echo(f"  {audio_summary(a)}")
    for name, n in r["midi_counters"].items():
        if n:
            one, many = MIDI_COUNTER_WORDS.get(name, (name.replace("_", " "),) * 2)
            click.echo(f"  {n} {one if n == 1 else many}")
    raw = [e.get("port") or e.get("device") or e.get("source") or "" for e in r["device_events"]]
    for e in r["device_events"]:
        click.echo(f"  {event_words(e, among=raw)}")
    from sessions.gap_words import warnings_afterwards

    # the live "plug it in again" is stale now: the events above say the unplug, past tense
    lost = any(e["kind"] == "device_lost" for e in r["device_events"])
    for w in warnings_afterwards(r["warnings"], unplugged=lost):
        if w not in printed:  # not printed while recording
            info(f"warning: {w}")


# -- setups ------------------------------------------------------------------------------


@click.group("setups")
def setups():
    """Saved recording setups (players and their inputs)."""


@setups.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the setups as JSON.")
@click.pass_obj
def setups_list(app, as_json):
    """List saved setups."""
    from improv.capture.setups import load_setups

    s = load_setups(app.store_path)

    def human(s):
        if not s:
            click.echo("no saved setups (save the players' inputs once with 'improv setups save "
                       "NAME --player …', then record with --setup NAME)")
            return
        from improv.capture.setups import setup_inputs
        from sessions.timefmt import local_datetime

        # saved in this computer's time, as 'improv sessions list' shows a start (the ISO UTC
        # moment is in --json)
        # upper-case headers as every table; the drum kits as --percussion takes them
        table([[name, "; ".join(v["players"]),
                 ", ".join(i.device for i in setup_inputs(v) if i.percussion) or "–",
                local_datetime(v["saved_utc"], zone=False) if v.get("saved_utc") else ""]
               for name, v in sorted(s.items())], ["NAME", "PLAYERS", "DRUM KITS", "SAVED"])

    emit(s, as_json=as_json, human=human)


@setups.command("save")
@click.argument("name")
@click.option("--player", "players", multiple=True, required=True, metavar="SPEC",
              help=PLAYER_HELP)
@click.option("--percussion", "percussion", multiple=True, metavar="PLAYER|PORT",
              help="A drum kit, as 'improv record --percussion' takes it: this player's MIDI "
                   "inputs, or this MIDI input (PORT as written after midi:); repeatable.")
@_device_options
@click.pass_obj
def setups_save(app, name, players, percussion, midi_api, audio_api, jack_server,
                jack_midi_server):
    """Save the inputs of --player options as setup NAME (replacing one of that name).

    \b
    Example:
      improv setups save "Room 3" --player client=midi:Keyboard \\
          --player therapist=midi:TD-17 --percussion TD-17
    """
    from improv.capture.setups import check_inputs, mark_kits, parse_player_spec, save_setup

    inputs = [parse_player_spec(p) for p in players]
    check_inputs(inputs)
    # refused before anything is written, as 'improv record --percussion' refuses
    inputs = mark_kits(inputs, kit_inputs(inputs, percussion, of="setup"))
    app.open_store(recover=False)  # made if new (said so), only where a store may be made
    save_setup(app.store_path, name, inputs=inputs,
               options={"midi_api": midi_api, "audio_api": audio_api,
                        "jack_server": jack_server, "jack_midi_server": jack_midi_server})
    kits = sum(i.percussion for i in inputs)
    info(f"saved setup {name!r} ({counted(len(inputs), 'input')}"
         + (f", {kits} of them {'a drum kit' if kits == 1 else 'drum kits'})" if kits else ")"))
    from improv.capture.devices import CHOOSE_MIDI_API
    from improv.capture.plan import unavailable_inputs

    for w in unavailable_inputs(inputs, midi_api=midi_api, audio_api=audio_api,
                                jack_server=jack_server, jack_midi_server=jack_midi_server):
        # no MIDI system: the option that chooses another, as record and devices name it
        hint = " (option --midi-api)" if CHOOSE_MIDI_API in w else ""
        info(f"warning: saved, but not found on this computer now: {w}{hint}")


@setups.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the setup as JSON.")
@click.pass_obj
def setups_show(app, name, as_json):
    """Show one saved setup (its inputs, drum kits and options, as record's options)."""
    from improv.capture.setups import get_setup, setup_inputs

    s = get_setup(app.store_path, name)

    def human(s):
        for p in s["players"]:
            click.echo(f"--player {p}")
        for i in setup_inputs(s):  # the drum kits, as --percussion takes them
            if i.percussion:
                click.echo(f"--percussion {i.device}")
        for k, v in s.get("options", {}).items():
            click.echo(f"--{k.replace('_', '-')} {v}")

    emit(s, as_json=as_json, human=human)


@setups.command("delete")
@click.argument("name")
@click.pass_obj
def setups_delete(app, name):
    """Delete a saved setup."""
    from improv.capture.setups import delete_setup

    delete_setup(app.store_path, name)
    info(f"deleted setup {name!r}")


COMMANDS = [devices, record, setups]
