"""Stamping MIDI at its JACK frame: the matching of rtmidi's messages with the frame-time
client's (pure logic), and the MIDI capture's use of it with a frame-time source driven directly.
The real client is tested through JACK in test_record_jack.py."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from improv.capture.jack_midi_times import STALE_S, match
from improv.capture.midi import MidiCapture
from tests.improv.test_capture_logic import KB

P = 1024 / 48000
NOTE = bytes([0x90, 60, 100])


def _q(*items):
    return collections.deque((t, bytes(d)) for t, d in items)


def test_the_same_message_takes_its_frame_time():
    q = _q((10.004, NOTE), (10.011, bytes([0x80, 60, 0])))
    assert match(q, NOTE, near=10.0, period_s=P) == (10.004, 0)
    assert len(q) == 1


def test_stale_messages_and_active_sensing_are_dropped_first():
    q = _q((9.0, bytes([0x90, 61, 1])), (9.99, b"\xfe"), (10.004, NOTE))
    t, dropped = match(q, NOTE, near=10.0, period_s=P)
    assert t == 10.004 and dropped == 1 and not q
    # within STALE_S it is not stale: it stays for the message it is, if that comes later
    q = _q((10.0 - STALE_S / 2, bytes([0x90, 61, 1])))
    assert match(q, NOTE, near=10.0, period_s=P) == (None, 0)
    assert len(q) == 1


def test_a_message_passed_by_does_not_hold_up_the_next():
    """The client's cycle came after the reading thread had taken a message (a loaded
    machine): that message kept rtmidi's stamp, and its time, here later, is dropped when the
    next message is taken, which gets its own. Before, it stood at the front for STALE_S and
    no later message matched (35 of 110 messages of a recording under two CPU hogs kept
    rtmidi's stamps)."""
    first, second, third = bytes([0x90, 61, 1]), NOTE, bytes([0x80, 60, 0])
    q = _q()
    assert match(q, first, near=9.98, period_s=P) == (None, 0)  # not here yet
    q.extend(_q((9.984, first), (10.004, second), (10.030, third)))
    assert match(q, second, near=10.0, period_s=P) == (10.004, 1)
    assert match(q, third, near=10.0 + P, period_s=P) == (10.030, 0) and not q
    # a later same message is not taken for an earlier one
    q = _q((9.984, first), (10.0 + P + 0.2, NOTE))
    assert match(q, NOTE, near=10.0, period_s=P) == (None, 0) and len(q) == 2


def test_a_message_the_client_missed_keeps_nothing_from_a_later_one():
    # the client missed this NOTE's cycle; its queue holds the next cycle's same message
    q = _q((10.0 + P + 0.2, NOTE))
    assert match(q, NOTE, near=10.0, period_s=P) == (None, 0)
    assert len(q) == 1, "the later message is kept for its own rtmidi message"


class _Times:
    """A frame-time source driven by the test: ``queues`` of (counter seconds, bytes)."""

    def __init__(self, latency_s=0.0):
        self.queues = [collections.deque()]
        self.unmatched = 0
        self.waits = 0
        self.latency = latency_s
        self.waits = []

    def take(self, i, data, *, near, wait=False, may_wait=None):
        self.waits.append(wait)
        t, dropped = match(self.queues[i], data, near=near, period_s=P)
        self.unmatched += dropped
        return None if t is None else t - self.latency

    def stop_reading(self):
        pass

    def close(self):
        pass


def test_midi_capture_stamps_at_the_frame_and_keeps_the_cycle_stamp_when_missed(store,
                                                                             fake_clock):
    fake_clock.start_counter = 500.0
    w = store.create_session(client="C07", players=["client"])
    cap = MidiCapture(writer=w, clock=fake_clock, inputs=[KB], api="UNIX_JACK")
    cap._times = times = _Times(latency_s=0.001)
    st = cap.ports[0]
    w.add_midi_input(st.port_name, player="client")
    frames = 1.0 + np.array([0.0, 0.004, 0.013, 0.030, 0.047])  # session seconds
    seen = [True, True, True, False, True]  # the client missed the fourth message's cycle
    cycle = np.floor(frames / P) * P  # rtmidi: the start of each message's cycle
    for i, (f, c) in enumerate(zip(frames, cycle, strict=True)):
        data = bytes([0x90, 60 + i, 100])
        if seen[i]:
            times.queues[0].append((500.0 + f + 0.001, data))  # latency 1 ms
        fake_clock.t = c + 0.002  # taken 2 ms into the next cycle
        cap._on_message((list(data), 0.0 if i == 0 else float(c - cycle[i - 1])), st)
    cap._halt.set()
    cap.stop(end=2.0)
    m = w.finalize()
    t = store.session(m["id"]).midi_events().t
    np.testing.assert_allclose(t[[0, 1, 2, 4]], frames[[0, 1, 2, 4]], atol=1e-9)
    assert t[3] == pytest.approx(cycle[3], abs=0.003), "a missed message keeps its cycle stamp"
    # after a miss the reader does not wait for the client again for the next message
    assert times.waits[4] is False and times.waits[3] is True
    (ev,) = [e for e in m["events"] if e["kind"] == "midi_stamps"]
    assert (ev["at"], ev["frame"], ev["cycle"], ev["unmatched"]) == ("jack_frame", 4, 1, 0)


def test_without_jack_no_frame_time_client_is_opened(store, fake_clock):
    w = store.create_session(client="C07", players=["client"])
    cap = MidiCapture(writer=w, clock=fake_clock, inputs=[KB], api="LINUX_ALSA",
                      frame_times=True)
    assert not cap._guard  # ALSA: the sequencer stamps events itself
    cap._on_message(([0x90, 60, 100], 0.0), cap.ports[0])
    assert cap._times is None
    w.finalize()


def test_a_failing_frame_time_source_never_costs_the_message(store, fake_clock):
    class Broken(_Times):
        def take(self, i, data, *, near, wait=False, may_wait=None):
            raise RuntimeError("the frame-time client went wrong")

    fake_clock.start_counter = 0.0
    w = store.create_session(client="C07", players=["client"])
    cap = MidiCapture(writer=w, clock=fake_clock, inputs=[KB], api="UNIX_JACK")
    cap._times = Broken()
    st = cap.ports[0]
    w.add_midi_input(st.port_name, player="client")
    fake_clock.t = 1.0
    cap._on_message(([0x90, 60, 100], 0.0), st)
    cap.stop(end=2.0)
    m = w.finalize()
    ev = store.session(m["id"]).midi_events()
    assert [bytes(r) for r in ev.raw] == [bytes([0x90, 60, 100])] and ev.t[0] == 1.0
    (stamps,) = [e for e in m["events"] if e["kind"] == "midi_stamps"]
    assert (stamps["frame"], stamps["cycle"]) == (0, 1)


def test_the_real_client_stops_reading_and_keeps_what_it_read(jack_rig):
    """Through JACK: what came before the rtmidi port opened is cleared; after stop_reading
    (the capture's stop, before rtmidi's ports close) nothing more comes in, what was read
    still gives its frame times, and a take no longer waits for a cycle."""
    from improv.capture.jack_midi_times import JackMidiTimes
    from tests.rig.jackrig import wait_for

    notes = [(0.02 * k, bytes([0x90, 60 + k, 100])) for k in range(10)]
    kb = jack_rig.midi_player(name="kb", events=notes)
    times = JackMidiTimes(n_ports=1, server_name=jack_rig.server.name, client_name="t-frames")
    try:
        assert times.connect(0, kb.port_name)
        wait_for(kb.is_connected, timeout=10, what="the frame port's connection")
        kb.start(delay_s=0.05)
        kb.wait_done(10)
        f_end = kb.client.frame_time
        wait_for(lambda: kb.client.frame_time > f_end + 4800, timeout=10, what="0.1 s more")
        assert times.queues[0]  # (a cycle lost to an xrun on a loaded machine loses its MIDI)
        times.clear(0)
        assert not times.queues[0]
        slow = [(0.1 * k, d) for k, (_, d) in enumerate(notes)]  # 1 s: time to stop reading
        again = jack_rig.midi_player(name="kb2", events=slow)
        assert times.connect(0, again.port_name)
        wait_for(again.is_connected, timeout=10, what="the second source's connection")
        f0 = again.start(delay_s=0.05)
        wait_for(lambda: len(times.queues[0]) >= 3, timeout=10, what="three messages read")
        times.stop_reading()
        again.wait_done(10)
        n = len(times.queues[0])
        assert 3 <= n < 10, n  # the rest came after the client stopped reading
        cycles = times.cycles
        wait_for(lambda: again.client.frame_time > f0 + 48000 * 6 // 5,
                 timeout=10, what="0.2 s of JACK time after the last message")
        assert times.cycles == cycles and len(times.queues[0]) == n
        sent = again.sent_counter_times()
        k = again.sent.index(times.queues[0][0][1])
        assert times.take(0, again.sent[k], near=sent[k], wait=True) == pytest.approx(
            sent[k], abs=1e-4)
        assert times.take(0, again.sent[-1], near=sent[-1], wait=True) is None  # not read
        assert times.waits == 0
    finally:
        times.close()


def test_after_a_miss_the_reader_waits_for_a_client_that_still_reads():
    """The port's last message was missed (the client a cycle behind the reading thread): the
    next take waits for this client all the same while its queue holds messages of earlier
    cycles, and gets the frame time when it comes; it does not wait for a client whose queue
    is empty (it may be gone from the source) or that has read past the message's cycle."""
    import threading
    import time
    from types import SimpleNamespace

    from improv.capture.jack_midi_times import JackMidiTimes

    times = JackMidiTimes.__new__(JackMidiTimes)  # no JACK: the queue is fed by a thread
    times.queues = [collections.deque()]
    times.latency_s, times.unmatched, times.waits = [0.0], 0, 0
    times.reading, times.server_gone, times.period_s = True, False, P
    times._thread = cycles = SimpleNamespace(cycles=0)
    first = bytes([0x90, 61, 1])
    times.queues[0].append((9.984, first))  # the missed message's time, here now

    def client_cycle():
        time.sleep(0.005)
        times.queues[0].append((10.004, NOTE))
        cycles.cycles += 1

    feeder = threading.Thread(target=client_cycle)
    feeder.start()
    t = times.take(0, NOTE, near=10.0, wait=False, may_wait=True)
    feeder.join()
    assert t == 10.004 and times.waits == 1 and times.unmatched == 1
    # an empty queue after a miss: no wait; a queue past the message's cycle: no wait
    assert times.take(0, NOTE, near=10.1, wait=False, may_wait=True) is None
    times.queues[0].append((10.3, first))
    assert times.take(0, NOTE, near=10.1, wait=False, may_wait=True) is None
    assert times.waits == 1
