"""Audio capture with a PortAudio (sounddevice) input stream.

Real-time contract
------------------
PortAudio calls :meth:`AudioCapture._callback` on its audio thread (for JACK:
the JACK process thread) with ``blocksize`` frames (0 = the host's period,
e.g. the JACK period).  The callback only stamps, copies and enqueues:

* reads the session clock once and PortAudio's ``inputBufferAdcTime`` and
  ``currentTime`` (stream time, seconds);
* folds ``status`` into :attr:`AudioCapture.status_flags` (``|=``) and counts
  ``input_overflow`` flags (each is journaled);
* copies ``indata`` into a buffer taken from a pool of pre-allocated,
  pre-touched buffers (a fresh numpy allocation in the callback caused
  periodic xruns from first-touch page faults, see TESTRIG.md) and hands it
  to the session writer, which owns it from then on; the monitor thread
  refills the pool;
* writes ``(first frame, session time, currentTime, adcTime)`` into a
  pre-allocated ring that the monitor thread turns into clock anchors.

Time
----
The sample index is the truth: ``t = t0 + n / sr``.  Each callback gives a
pair ``(frame of the block's first sample, now - (currentTime - adcTime))``:
the session time at which PortAudio says that sample was captured.  The
callback may run late (a busy CPU, the GIL), which only ever makes ``now``
too large; and PortAudio's JACK host API derives ``currentTime`` (hence
``adcTime``) from the JACK frame time *at the moment of the callback*, so the
pair carries the callback's wake-up delay.  Once per ``anchor_interval_s``
the monitor therefore stores the pair with the smallest
``t - frame / sr`` of that interval as an anchor (the lower envelope: the
callback that woke up earliest).  The store fits ``t0`` and the drift between the audio clock and
the session clock to all anchors (:func:`sessions.recovery.fit_audio_clock`).

PortAudio's stream times are sample-accurate on its JACK host API (they are the JACK frame
clock), but not everywhere: through ALSA's ``pulse`` plugin (PulseAudio, PipeWire) the
``adcTime`` of a block runs about 9 % fast against the monotonic clock and its distance to
``currentTime`` jumps between 0.2 ms and 720 ms from block to block (measured here, see
docs/recording.md, "Overflows and gaps").  On every host API but JACK the callback therefore
stamps a block with the session clock itself, ``adcTime = now - latency`` and
``currentTime = now`` (``latency``: the stream's input latency); the lower envelope takes out
the wake-up delay just the same.

Gaps
----
Some dropouts are never flagged.  For each block the callback computes the
position error ``p`` [frames]: where the stream time says the block starts
(``(adcTime - adcTime_0) * sr``) minus the frames accounted for so far.
``p`` carries the callback's wake-up jitter and, after a stall, the first
late callback reads a stream time far ahead of the (old) data it is given; a
lost stretch instead moves ``p`` for good.  So the callback holds
``hold_blocks`` (4 on JACK, 32 elsewhere) blocks back and decides on the oldest when a new block
arrives: if the smallest ``p`` of the oldest and the held blocks exceeds the
baseline (the lower envelope of ``p``, allowed to rise 500 ppm for clock
drift) by more than ``gap_tolerance_s`` (4 ms on JACK, 50 ms elsewhere: through PulseAudio
the delivery of blocks wobbles by one to two blocks for stretches of several blocks) and half
a block, that many frames
of silence are written before the held block (later samples stay on the
clock) and a ``gap`` is journaled with ``detected_by="stream_time"``.  Hosts
with a fixed block size (JACK) lose whole blocks, so a gap within a quarter
block of a whole number of blocks is rounded to it.

A block delivered twice
-----------------------
JACK hands an input port the buffer of the one output port connected to it.  When the source's
client stops running its process callback while its port is still connected (killed, hung, or
about to unregister its port), that buffer is not written again and the next cycle delivers its
last block again, every cycle until the port goes (bench/bench_device_loss.py: in 6 of 30 port
unregistrations, and always when the source stalled first; see docs/reliability.md); then the
port's connection goes and silence follows.  So when the block
being decided repeats the block before it exactly, is not silence, and the held blocks after
it are copies of it up to a block of exact digital silence, it is written as silence (the
sample index stays on the clock) and ``duplicate_dropped`` is journaled (``t``, ``name``,
``frames``; counted in ``audio_status`` as ``duplicates``).  Live sound never repeats a block
bit for bit and then falls to exact zeros.

A device that goes away
-----------------------
A stream that stops (PortAudio marks it inactive, e.g. when a USB interface
is unplugged or the sound server goes away) or that delivers no callbacks for
:data:`STALL_S` is *stalled*: a ``device_lost`` event is journaled.  Every
:data:`REOPEN_INTERVAL_S` the monitor then opens the same device again
(:meth:`AudioCapture.reopen`); once callbacks come, ``device_back`` is
journaled and the first new block's capture time, against the last clock
anchor, says how long the device was away: that many frames of silence are
written (a ``gap`` with ``detected_by="reopen"``) so that the sample index
stays on the session clock.  Devices of PortAudio's JACK host API are not
reopened: a JACK source that goes away is re-connected by
:class:`~improv.capture.jack_watch.JackSourceWatch`, and a JACK server that dies takes
PortAudio's JACK client with it (PortAudio would have to be re-initialised,
which closes every other stream of the process).
"""

from __future__ import annotations

import collections
import logging
import time
from typing import Any

import numpy as np

from improv.capture.devices import ABANDONED_STREAMS, AudioDevice

log = logging.getLogger(__name__)

STALL_S = 1.0
"""No callbacks for this long [seconds] and the device counts as lost."""
GAP_TOLERANCE_JACK_S = 0.004
"""Missing time [seconds] that counts as a gap on JACK (sample-accurate stream times)."""
GAP_TOLERANCE_S = 0.05
"""Missing time [seconds] that counts as a gap on other host APIs (session-clock stamps)."""
REOPEN_INTERVAL_S = 2.0
"""Time [seconds] between attempts to open a lost device again."""
CLOSE_TIMEOUT_S = 3.0
"""Longest wait [seconds] for PortAudio to stop and close a stream.  PortAudio's JACK host
API waits forever for a server that died (Pa_StopStream waits for a process cycle that never
comes); such a stream is left behind (see :func:`_close_or_abandon`)."""


LEAVE_SETTLE_S = 0.1
"""Wait [seconds] after a stream left open was told to take nothing more, before its held blocks
are written: longer than a callback (a block of 4096 frames at 48 kHz is 85 ms)."""


def _close_or_abandon(stream, *, abort: bool, name: str, lost: bool = False) -> None:
    """Stop (or abort) and close ``stream`` within :data:`CLOSE_TIMEOUT_S`.

    The calls run in a daemon thread.  If they do not return in time, the stream is left
    behind (logged as a warning unless the device was already ``lost``) and PortAudio is no
    longer terminated when the process exits (sounddevice's exit handler would block on it the
    same way), so that the session is still finalised and the command still ends; it is kept
    in :data:`improv.capture.devices.ABANDONED_STREAMS`, which stops PortAudio being re-initialised.
    """
    import threading

    def close() -> None:
        # closed even when stopping failed (a vanished device): a stream left open in
        # PortAudio is closed by the next Pa_Terminate instead, in the caller's thread and
        # without a time limit (a clean-clone run froze in such a close, in libpulse, of a
        # stream of a killed PulseAudio server, after test_pulse's lost device)
        try:
            if abort:
                stream.abort()
            else:
                stream.stop()
        except Exception as exc:  # noqa: BLE001 - a vanished device
            log.debug("stopping audio stream %s: %s", name, exc)
        try:
            stream.close()
        except Exception as exc:  # noqa: BLE001
            log.debug("closing audio stream %s: %s", name, exc)

    worker = threading.Thread(target=close, name=f"close-{name}", daemon=True)
    worker.start()
    worker.join(CLOSE_TIMEOUT_S)
    if not worker.is_alive():
        return
    # expected for a device already reported lost (its server died); a surprise otherwise
    (log.info if lost else log.warning)(
        "audio input %s: PortAudio did not close its stream within %.0f s (its sound server "
        "is gone?); left behind", name, CLOSE_TIMEOUT_S)
    _abandon(stream)


def _abandon(stream) -> None:
    """Leave ``stream`` open for good: never stopped, closed or terminated with PortAudio.

    For a stream whose JACK server is gone: PortAudio's JACK host API cannot stop it (it waits
    for a process cycle that never comes) and may abort the process when closing it (an
    assertion on ``jack_port_unregister`` in ``CleanUpStream``, seen about once in 15 server
    stops); it is kept in :data:`improv.capture.devices.ABANDONED_STREAMS`.
    """
    ABANDONED_STREAMS.append(stream)  # kept referenced, so that nothing frees it
    import atexit

    import sounddevice as sd

    handler = getattr(sd, "_exit_handler", None)  # sounddevice's: it calls Pa_Terminate,
    if handler is not None:  # which would wait for the same stream
        atexit.unregister(handler)


class AudioCapture:
    """Record one audio input device (all opened channels) into a session.

    Parameters
    ----------
    writer : sessions.writer.SessionWriter
    clock : SessionClock
    device : AudioDevice
    channels : int
        Channels to open (1..channels are recorded).
    players : dict[str, list[int]]
        Player -> 1-based channels.
    name : str
        Input name (file ``audio/<name>.wav``).
    sr : int [Hz], optional
        Sample rate; the device default if None.
    blocksize : int [frames]
        0 lets the host choose (JACK: its period).
    latency : float [seconds] or str, optional
        Passed to PortAudio.
    anchor_interval_s : float [seconds]
        One clock anchor per interval.
    gap_tolerance_s : float [seconds], optional
        Missing time below this (and below half a block) is jitter, not a gap; default
        :data:`GAP_TOLERANCE_JACK_S` on JACK, :data:`GAP_TOLERANCE_S` elsewhere.
    pool_s : float [seconds]
        Audio held in pre-allocated buffers for the callback.
    """

    def __init__(self, *, writer, clock, device: AudioDevice, channels: int,
                 players: dict[str, list[int]], name: str, sr: int | None = None,
                 blocksize: int = 0, latency: Any = None, anchor_interval_s: float = 1.0,
                 gap_tolerance_s: float | None = None, pool_s: float = 2.0) -> None:
        self.writer = writer
        self.clock = clock
        self.device = device
        self.channels = int(channels)
        self.players = players
        self.name = name
        self.sr = int(sr or device.default_samplerate)
        self.blocksize = int(blocksize)
        self.latency = latency
        self.anchor_interval_s = float(anchor_interval_s)
        jack = self.on_jack
        if gap_tolerance_s is None:
            gap_tolerance_s = GAP_TOLERANCE_JACK_S if jack else GAP_TOLERANCE_S
        self.gap_tolerance_s = float(gap_tolerance_s)
        self.pool_s = float(pool_s)
        self.stream = None
        self.input = None
        # state written by the callback
        self.frames = 0
        self.callbacks = 0
        self.overflows = 0
        self.gap_frames = 0
        self.gaps = 0
        #: the stretches the device was away (part of ``gaps``): (t [s], length [s], the
        #: sound system that had stopped or None), each written when the device came back
        self.away: list[tuple[float, float, str | None]] = []
        self.pool_misses = 0
        self.duplicates = 0
        self._last_in = None  # the last block decided on, as it came (a copy in _last_buf)
        # the block before, copied: the pool's buffers are written again once the writer has
        # them, so a reference would compare a block with a later one (or with itself)
        self._last_buf = np.zeros((self.sr, self.channels), dtype=np.float32)
        self.status_flags = None
        self.last_callback_t: float | None = None
        self._adc0: float | None = None
        self._accounted = 0.0
        self._base = 0.0
        self._base_t = 0.0
        self._relax = 500e-6  # baseline may rise 500 ppm (audio vs stream clock drift)
        self._held: collections.deque = collections.deque()
        self.hold_blocks = 4 if jack else 32
        self._ring = np.zeros((8192, 4), dtype=np.float64)
        self._ring_i = 0
        self._ring_read = 0
        self._pool: collections.deque = collections.deque()
        self._recent: collections.deque = collections.deque(maxlen=4096)
        self._zeros = None
        self._max_frames = 0
        self._next_anchor_t = 0.0
        # monitor-side state
        self.peak = np.zeros(self.channels)
        self.clips = np.zeros(self.channels, dtype=np.int64)
        self.stalled = False
        #: whether PortAudio's stream times are trusted (JACK) or the session clock stamps blocks
        self._stream_time = jack
        self._latency_in = 0.0
        self.lost_at: float | None = None
        #: the sound system (``PulseAudio``) whose stop took the device with it at its last
        #: loss, or None (a sound card unplugged); see :mod:`improv.capture.sound_system`
        self.lost_system: str | None = None
        self.reopens = 0
        #: failed attempts to reopen since the last success
        self.reopen_failures = 0
        self._reopens_at_loss = 0
        self._resume: tuple[float, float] | None = None
        self._last_anchor: tuple[float, float] | None = None
        self._next_reopen_t = 0.0
        #: when its JACK server went away [s], set by :meth:`server_stopped`
        self._server_gone_at: float | None = None
        #: the stream was left open at the stop: its callback takes nothing more
        self._left = False

    # -- set-up -------------------------------------------------------------------------

    def _open_stream(self):
        import sounddevice as sd

        return sd.InputStream(
            device=self.device.index, channels=self.channels, samplerate=self.sr,
            dtype="float32", blocksize=self.blocksize, latency=self.latency,
            callback=self._callback,
        )

    def start(self) -> None:
        """Open the stream, declare the input in the session, start capturing."""
        import sounddevice as sd

        self.stream = self._open_stream()
        # a latency that cannot be true (a wrapped frame count under JACK) is none: null
        from improv.capture.stream_latency import plausible_latency

        latency = plausible_latency(self.stream.latency)
        self._latency_in = latency or 0.0
        self.status_flags = sd.CallbackFlags()
        info = self.device.to_dict()
        self.input = self.writer.add_audio_input(
            self.name, sr=self.sr, channels=self.channels, players=self.players,
            device=info, latency_s=latency,
        )
        self._max_frames = max(int(self.stream.blocksize or 0), 4096)
        self._zeros = np.zeros((self.sr, self.channels), dtype=np.float32)
        self._zeros.fill(0.0)  # touch the pages now, not in the callback
        self.refill()
        self.stream.start()

    def refill(self) -> None:
        """Top the buffer pool up (monitor thread)."""
        want = max(8, int(self.pool_s * self.sr / self._max_frames))
        while len(self._pool) < want:
            buf = np.empty((self._max_frames, self.channels), dtype=np.float32)
            buf.fill(0.0)
            self._pool.append(buf)

    def _close_stream(self, *, abort: bool = False) -> None:
        if self.stream is None:
            return
        if self._server_gone_at is not None:  # its JACK server is gone: PortAudio may abort
            _abandon(self.stream)
            self.stream = None
            return
        # a stalled stream has nothing left to deliver: abort rather than wait for it
        _close_or_abandon(self.stream, abort=abort or self.stalled, name=self.name,
                          lost=self.stalled)
        self.stream = None

    def stop(self, *, leave_open: bool = False) -> None:
        """Stop and close the stream; journal the callback status counts.

        With ``leave_open`` (its JACK server does not answer, see :meth:`improv.capture.recorder.
        Recorder.stop`) the stream is left open, never stopped or closed (PortAudio would wait
        for the server, :func:`_abandon`), and its callback takes nothing more from then on.
        """
        if leave_open and self.stream is not None:
            self._left = True
            # a callback already running when the flag was set ends within its block
            time.sleep(LEAVE_SETTLE_S)
            _abandon(self.stream)
            self.stream = None
        self._close_stream()
        while self._held:  # the callback holds a few blocks back
            self._write(self._held.popleft())
        self.emit_anchor()
        if self.input is not None:
            self.writer.report(
                "audio_status", t=self.clock.now(), input=self.name,
                callbacks=self.callbacks, frames=self.frames, overflows=self.overflows,
                gaps=self.gaps, gap_frames=self.gap_frames, pool_misses=self.pool_misses,
                duplicates=self.duplicates,
                reopens=self.reopens, flags=str(self.status_flags) if self.status_flags else "",
            )

    @property
    def end_t(self) -> float | None:
        """Where the last frame written ends on the session clock [seconds], from the latest
        clock anchor (None before the first block); after :meth:`stop`, the end of the
        input's file on the clock, within the anchor's wake-up delay and the clock drift."""
        if self._last_anchor is None:
            return None
        frame, t = self._last_anchor
        return t + (self.frames - frame) / self.sr

    @property
    def on_jack(self) -> bool:
        """Whether the device is one of PortAudio's JACK host API."""
        return self.device.hostapi.startswith("JACK")

    @property
    def reopenable(self) -> bool:
        """Whether a lost device is opened again (not for PortAudio's JACK host API)."""
        return not self.on_jack

    def reopen(self, *, device: AudioDevice | None = None) -> bool:
        """Open the device again after it was lost (monitor thread).

        The old stream is aborted and closed, the blocks it held back are written, and a
        new stream is opened on the same device with the same rate and channels.  Its first
        callback writes the silence that stands for the time the device was away (see the
        module notes).

        Parameters
        ----------
        device : AudioDevice, optional
            The same device under the index it has now, after PortAudio was re-initialised
            (:class:`improv.capture.recorder.Recorder` does that when every audio input is lost).

        Returns
        -------
        bool
            True if a new stream was started; False if the device cannot be opened (yet).
        """
        import sounddevice as sd

        if device is not None:
            self.device = device
        self._close_stream(abort=True)
        while self._held:
            self._write(self._held.popleft())
        self.emit_anchor()
        try:
            stream = self._open_stream()
        except (sd.PortAudioError, ValueError) as exc:  # still away
            log.debug("reopening audio input %s: %s", self.name, exc)
            self.reopen_failures += 1
            return False
        # the new stream's callback measures its stream time from its own first block
        self._adc0 = None
        self._last_in = None
        self._accounted = 0.0
        self._resume = self._last_anchor
        from improv.capture.stream_latency import plausible_latency

        self._latency_in = plausible_latency(stream.latency) or 0.0
        try:
            stream.start()
        except sd.PortAudioError as exc:
            log.debug("starting reopened audio input %s: %s", self.name, exc)
            self.reopen_failures += 1
            self._resume = None
            try:
                stream.close()
            except sd.PortAudioError:
                pass
            return False
        self.stream = stream
        self.reopens += 1
        self.reopen_failures = 0
        return True

    # -- callback (audio thread) --------------------------------------------------------

    def _callback(self, indata, frames, time, status) -> None:
        if self._left:  # a stream left open at the stop (stop(leave_open=True))
            return
        now = self.clock.now()
        if self._stream_time:
            adc = time.inputBufferAdcTime
            ct = time.currentTime
        else:  # the session clock stamps the block (module notes, "Time")
            ct = now
            adc = now - self._latency_in
        if status:
            self.status_flags |= status
            if status.input_overflow:
                self.overflows += 1
                self.input.overflow(t=now, count=1)
        try:
            buf = self._pool.popleft()
        except IndexError:
            buf = None
        if buf is None or frames > len(buf):
            self.pool_misses += 1
            block = indata.copy()
        else:
            block = buf[:frames]
            block[:] = indata
        if self._adc0 is None:
            self._adc0 = adc
            self._base = 0.0
            self._base_t = now
            if self._resume is not None:  # the first block after a reopen: fill the absence
                frame0, t0 = self._resume
                self._resume = None
                t_next = t0 + (self.frames - frame0) / self.sr  # where the next frame belongs
                missing = int(round((now - (ct - adc) - t_next) * self.sr))
                if missing > 0:
                    self._pad(missing, t=t_next, detected_by="reopen")
        # position error [frames]: where the stream time says this block starts,
        # minus the frames accounted for so far (a lost stretch makes it jump)
        p = (adc - self._adc0) * self.sr - self._accounted
        self._base = min(p, self._base + (now - self._base_t) * self._relax * self.sr)
        self._base_t = now
        held = self._held
        held.append([block, frames, now, ct, adc, p])
        self._accounted += frames
        if len(held) > self.hold_blocks:
            old = held.popleft()
            n = old[1]
            excess = min(h[5] for h in held) - self._base
            excess = min(excess, old[5] - self._base)
            if excess > max(n // 2, self.gap_tolerance_s * self.sr):
                missing = int(round(excess))
                # Hosts with fixed blocks (JACK) lose whole blocks.
                blocks = round(missing / n)
                if abs(missing - blocks * n) <= n // 4:
                    missing = blocks * n
                self._pad(missing, t=old[2] - (old[3] - old[4]) - missing / self.sr,
                          detected_by="stream_time")
                self._accounted += missing
                for h in held:
                    h[5] -= missing
            if self._repeat_before_silence(old[0], held):
                self._remember(old[0])
                old[0] = self._zeros[:n]
                self.duplicates += 1
                self.writer.report("duplicate_dropped", t=old[2] - (old[3] - old[4]),
                                   input="audio", name=self.name, frames=n)
            else:
                self._remember(old[0])
            self._write(old)
        self.callbacks += 1
        self.last_callback_t = now

    def _remember(self, block) -> None:
        """Keep a copy of ``block`` as the block before the next one decided on."""
        buf = self._last_buf
        if len(block) > len(buf) or buf.shape[1:] != block.shape[1:]:
            self._last_in = None  # a block longer than a second (never under JACK): no check
            return
        view = buf[:len(block)]
        view[:] = block
        self._last_in = view

    def _repeat_before_silence(self, block, held) -> bool:
        """Whether ``block`` repeats the block before it exactly (and is not silence), and the
        first of the ``held`` blocks after it that is not another copy is exact silence: a
        stalled JACK source's last block delivered again (module notes)."""
        prev = self._last_in
        if (prev is None or prev.shape != block.shape or prev[0, 0] != block[0, 0]
                or prev[-1, -1] != block[-1, -1] or not block.any()
                or not np.array_equal(prev, block)):
            return False
        for h in held:
            b = h[0]
            if not b.any():
                return True
            if b.shape != block.shape or not np.array_equal(b, block):
                return False
        return False  # more copies than blocks held: kept

    def _write(self, pend) -> None:
        block, frames, now, ct, adc = pend[:5]
        start = self.frames
        self.input.write(block)
        self.frames = start + frames
        self._recent.append(block)
        ring = self._ring
        ring[self._ring_i % len(ring)] = (start, now, ct, adc)
        self._ring_i += 1

    def _pad(self, missing: int, *, t: float, detected_by: str) -> None:
        left = missing
        while left > 0:
            n = min(left, len(self._zeros))
            self.input.write(self._zeros[:n])
            left -= n
        self.input.gap(t=t, frames=missing, detected_by=detected_by)
        self._last_in = None  # the next block does not follow the last one
        self.frames += missing
        self.gap_frames += missing
        self.gaps += 1
        if detected_by == "reopen":  # the device was away: not a dropout (rare, after a loss)
            self.away.append((t, missing / self.sr, self.lost_system))

    # -- monitor thread -----------------------------------------------------------------

    def emit_anchor(self) -> bool:
        """Journal one anchor from the callbacks since the last one (lowest lag)."""
        if self.input is None:
            return False
        end = self._ring_i
        begin = max(self._ring_read, end - len(self._ring) + 1)
        if end <= begin:
            return False
        idx = np.arange(begin, end) % len(self._ring)
        rows = self._ring[idx]
        # (now - currentTime + adcTime) - frame/sr is the callback's wake-up delay
        # plus a constant: keep the earliest callback of the interval.
        best = rows[np.argmin(rows[:, 1] - rows[:, 2] + rows[:, 3] - rows[:, 0] / self.sr)]
        frame, now, ct, adc = (float(v) for v in best)
        self._last_anchor = (frame, now - (ct - adc))
        self.input.anchor(frame=int(frame), t=now - (ct - adc), adc_time=adc,
                          current_time=ct, callback_t=now)
        self._ring_read = end
        return True

    def tick(self, now: float) -> None:
        """Monitor duties: anchors, pool refill, levels, stall check, reopening a lost device."""
        if now >= self._next_anchor_t and self.emit_anchor():
            self._next_anchor_t = now + self.anchor_interval_s
        self.refill()
        peak = np.zeros(self.channels)
        seen = False
        while True:
            try:
                block = self._recent.popleft()
            except IndexError:
                break
            if len(block):
                a = np.abs(block).max(axis=0)
                peak = np.maximum(peak, a)
                self.clips += (a >= 0.999).astype(np.int64)
                seen = True
        if seen:
            self.peak = peak
        last = self.last_callback_t
        silent = last is not None and now - last > STALL_S
        stopped = self.stream is None or not self.stream.active
        stalled = silent or (last is not None and stopped)
        if stalled and not self.stalled:
            self._lost(at=last, now=now, reason=("stream stopped" if stopped else
                                                 f"no audio callbacks for {STALL_S:g} s"))
        elif self._server_gone_at is not None:  # lost with its server (server_stopped)
            stalled = True
        elif self.stalled and not stalled:
            self.writer.report("device_back", t=now, input="audio", device=self.device.name,
                               name=self.name, gap_s=now - (self.lost_at or now),
                               reopened=self.reopens > self._reopens_at_loss,
                               **({"sound_system": self.lost_system} if self.lost_system
                                  else {}))
            self.lost_at = None
        self.stalled = stalled
        if stalled and self.reopenable and now >= self._next_reopen_t:
            self._next_reopen_t = now + REOPEN_INTERVAL_S
            if self.reopen():
                log.info("audio input %s: device opened again", self.name)

    def _lost(self, *, at: float, now: float, reason: str) -> None:
        """Journal the loss of the device at ``at`` [s] (its last callback)."""
        from improv.capture.sound_system import stopped_system

        self.lost_at = at
        self._reopens_at_loss = self.reopens
        self._next_reopen_t = now + REOPEN_INTERVAL_S
        # the meters go empty: nothing comes in while it is away (its last peak stood before)
        self.peak = np.zeros(self.channels)
        # a door into the desktop's sound server whose server stopped: not unplugged
        self.lost_system = stopped_system(self.device.name, hostapi=self.device.hostapi)
        extra = {"sound_system": self.lost_system} if self.lost_system else {}
        self.writer.report("device_lost", t=at, input="audio", device=self.device.name,
                           name=self.name, reason=reason, **extra)

    def server_stopped(self, *, at: float) -> None:
        """Its JACK server went away at ``at`` [s]: the input is lost now.

        The stall check (:meth:`tick`) would see it only after :data:`STALL_S` without
        callbacks, and a recording whose every input was on that server stops before then: the
        loss is journaled from the last callback (or ``at``), so the input's end shows as a gap.
        """
        self._server_gone_at = at
        if not self.stalled:
            last = self.last_callback_t
            self._lost(at=min(last, at) if last is not None else at, now=at,
                       reason="stream stopped")
            self.stalled = True

    def player_levels(self) -> dict[str, dict[str, float]]:
        """Per player: peak level [dBFS] of the latest blocks and clipped blocks."""
        out = {}
        for player, chans in self.players.items():
            idx = [c - 1 for c in chans]
            p = float(np.max(self.peak[idx])) if idx else 0.0
            out[player] = {
                "peak_dbfs": 20 * np.log10(max(p, 1e-6)),
                "clipped_blocks": int(self.clips[idx].sum()),
            }
        return out
