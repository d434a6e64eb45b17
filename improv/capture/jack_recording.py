"""What a :class:`~improv.capture.recorder.Recorder` does about the JACK graph while it records.

A mixin of the recorder (its state is the recorder's: ``_watch``, ``_xruns``, ``_changes``,
``_source_lost``, ``midi``, ``audio``, ``writer``): it starts the
:class:`~improv.capture.jack_watch.JackSourceWatch`, turns what the watch sees into journal
events and warnings (a source that went away or came back, JACK's xruns, the server
stopping), and names JACK sources as a therapist knows them.  Called from the recorder's
monitor thread (and its stop).
"""

from __future__ import annotations

import logging

from improv.capture.live_status import back_text, clock_time, input_name, unplugged_text

log = logging.getLogger("improv.capture.recorder")  # the recorder's messages, as before


class JackRecording:
    """The recorder's JACK graph duties (mixin of :class:`~improv.capture.recorder.Recorder`)."""

    def _start_watch(self) -> None:
        """Watch the sources of our JACK ports: audio (a source that goes away) and MIDI (one
        that goes and comes back between two port polls). Without JACK-Client, go on."""
        jack_audio = any(cap.on_jack for cap in self.audio)
        jack_midi = self.midi is not None and "jack" in str(self.midi.api).lower()
        midi_server = self.jack_midi_server or self.jack_server
        if jack_audio and jack_midi and midi_server != self.jack_server:
            jack_midi = False  # two servers: the watch follows the audio one
        if not (jack_audio or jack_midi):
            return
        from improv.capture.jack_watch import JackSourceWatch, quiet_libjack

        quiet_libjack()
        try:
            self._watch = JackSourceWatch(
                own_client=f"{self.jack_client_name}-audio",
                midi_client=f"{self.jack_client_name}-midi" if jack_midi else None,
                midi_ports=[(st.port_name, st.short_name) for st in self.midi.ports]
                if jack_midi else None,
                server_name=self.jack_server if jack_audio else midi_server,
                client_name=f"{self.jack_client_name}-watch", clock=self.clock.now)
        except Exception as exc:  # noqa: BLE001 - ImportError, OSError, jack.JackError
            log.warning("JACK sources are not watched: %s", exc)
            self._warn("JACK sources are not watched (a source that goes away is not "
                       "re-connected)")

    def _source_name(self, source: str) -> str:
        """A MIDI port or JACK source as a therapist knows it (``Digital Piano``), told apart
        from the recording's other MIDI ports of the same device."""
        ports = [st.port_name for st in self.midi.ports] if self.midi is not None else []
        return input_name(source, among=ports)

    def _jack_input_name(self) -> str | None:
        caps = [cap.name for cap in self.audio if cap.on_jack]
        return caps[0] if len(caps) == 1 else None

    def _midi_state(self, source: str, port: str):
        """The MIDI capture's state of ``source`` if ``port`` is one of rtmidi's, else None."""
        from improv.capture.devices import same_port_name

        if self.midi is None or not self._watch.is_midi(port):  # rtmidi's clients: -01 ...
            return None
        return next((st for st in self.midi.ports if same_port_name(source, st.port_name)), None)

    def _note_xruns(self, *, until: float | None = None) -> None:
        """Journal the JACK xruns since the last call as one ``jack_xruns`` event (first and
        last time, how many, the cycle length); the first of the session is also a live
        warning, the total one at the stop. ``until`` [s]: the stop; later xruns are the
        recorder's own clients leaving the graph (measured: two at every other stop), not a
        loss."""
        times = [t for t in self._watch.take_xruns() if until is None or t <= until]
        if not times:
            return
        period = self._period_s = self._watch.period_s
        self.writer.report("jack_xruns", t=times[0], end=times[-1], n=len(times),
                           period_s=period)
        if not self._xruns:  # whether to close other programs: said in the health details
            self._warn(f"the audio system (JACK) fell behind at {clock_time(times[0])}: MIDI "
                       f"and audio of that moment (up to {1000 * period:.0f} ms) may be missing")
        self._xruns += times

    def _poll_watch(self, now: float) -> None:
        self._note_xruns()
        for ch in self._watch.poll(now):
            st = self._midi_state(ch.source, ch.port)
            kind = "midi" if st is not None else "audio"
            ids = ({"port": st.port_name, "player": st.player} if st is not None
                   else {"device": ch.source, "port": ch.port, "name": self._jack_input_name()})
            if ch.kind == "lost":
                if st is not None:  # JACK may have delivered its last cycle twice
                    self.midi.drop_repeat(st, at=ch.lost_at)
                self._source_lost[(ch.source, ch.port)] = ch.lost_at
                self.writer.report("device_lost", t=now, input=kind,
                                   reason="JACK source port gone", **ids)
                self._changes.append(now)
                if self._away.gone(self._source_name(ch.source)):
                    self._warn(unplugged_text(self._source_name(ch.source), at=now))
                continue
            self._source_lost.pop((ch.source, ch.port), None)
            if st is not None:
                self.midi.source_back(st, ch.source)
                self.midi.report_back(st, start=ch.lost_at, now=now)
            else:
                self.writer.report("device_back", t=now, input=kind, gap_s=now - ch.lost_at, **ids)
                self.writer.report("source_gap", t=ch.lost_at, end=now, source=ch.source,
                                   port=ch.port, name=ids["name"])
            self._changes.append(now)
            if self._away.back(self._source_name(ch.source)):
                self._warn(back_text(self._source_name(ch.source), at=now))

    def _check_jack_server(self) -> None:
        """The watched JACK server went away: say so once, and stop if nothing is left.

        Its audio inputs are marked lost here (``device_lost``, "stream stopped"; their stall
        check would see it only after a second without callbacks, :meth:`AudioCapture.
        server_stopped`), and so are its MIDI ports (:meth:`MidiCapture.server_stopped`), since
        rtmidi's client keeps listing them.  Nothing on a dead server can be opened again without
        re-initialising PortAudio, which would close every stream, so when every input was on
        that server the recording stops (reason ``jack_server_lost``) and the session is
        completed at once; otherwise the other inputs go on.
        """
        w = self._watch
        if w is None or w.server_gone_at is None or self._jack_server_lost:
            return
        self._jack_server_lost = True
        at = w.server_gone_at
        self.writer.report("jack_server_lost", t=at)
        midi_lost = w.midi_prefix is not None and self.midi is not None
        if midi_lost:
            self.midi.server_stopped(at=at)
        for cap in self.audio:
            if cap.on_jack:
                cap.server_stopped(at=at)
        # audio on another host API (PulseAudio, ALSA) goes on; JACK audio is on this server
        # whenever there is any, since the watch then follows the audio server
        audio_left = any(not cap.on_jack for cap in self.audio)
        midi_left = self.midi is not None and not midi_lost
        jack_audio = [getattr(cap, "device", None) and cap.device.name or cap.name
                      for cap in self.audio if cap.on_jack]
        # what this says of them replaces their own line ("fluidsynth stopped at 0:10"), which
        # the stall check may have said first
        self.warnings[:] = [m for m in self.warnings
                            if not any(m.startswith(f"{n} stopped at ") for n in jack_audio)]
        if not (audio_left or midi_left):
            self.warnings.insert(0, jack_stop_text(at=at, audio=bool(jack_audio)))
            self.request_stop("jack_server_lost")
            return
        ports = getattr(self.midi, "ports", []) if midi_lost else []
        names = [*jack_audio, *(self._source_name(st.port_name) for st in ports)]
        self._warn(jack_lost_text(at=at, names=names))


def jack_stop_text(*, at: float, audio: bool) -> str:
    """What a therapist reads, first, when the JACK server stopped at ``at`` [s] and every
    input was on it, so that the recording stopped: why, what is kept, how to record again
    (with audio inputs of JACK: only a new improv can open audio again, see
    :func:`improv.capture.devices.init_portaudio`)."""
    again = ("start JACK, then close improv and start it again" if audio else "start JACK")
    return (f"The recording stopped at {clock_time(at)} because the audio system (JACK) "
            f"stopped, and every input was on it. What was recorded until then is kept. To "
            f"record again, {again}.")


def jack_lost_text(*, at: float, names: list[str]) -> str:
    """What a therapist reads when the JACK server stopped at ``at`` [s] and inputs not on it
    go on recording: which stopped (``names``, as known; none: its inputs)."""
    which = " and ".join(names) if names else "its inputs"
    return (f"The audio system (JACK) stopped at {clock_time(at)}: nothing more is recorded "
            f"from {which} (what came before is kept); the other inputs go on recording.")
