"""The rules of :class:`improv.playback.jack_midi_out.JackMidiOut`'s work per JACK cycle (pure
logic on a fake port; the real JACK path is tests/improv/test_replay_jack.py, sample-exact, and
its stop under a busy GIL tests/improv/test_jack_cycle_thread.py)."""

from __future__ import annotations

import collections
import threading
from types import SimpleNamespace

from improv.playback.jack_midi_out import JackMidiOut


class _Port:
    def __init__(self):
        self.written: list[tuple[int, bytes]] = []

    def clear_buffer(self):
        self.written = []

    def write_midi_event(self, offset, data):
        self.written.append((offset, bytes(data)))


def _out(frame: int) -> JackMidiOut:
    out = object.__new__(JackMidiOut)  # no server: only the callback's rules
    out.client = SimpleNamespace(last_frame_time=frame)
    out.port = _Port()
    out._due, out._now = collections.deque(), collections.deque()
    out._lock = threading.Lock()
    out.late = 0
    out._closed = False
    out._thread = SimpleNamespace(stop=lambda: True)  # its JACK thread has ended
    return out


def test_messages_are_written_at_their_frame_in_their_cycle():
    out = _out(10_000)
    out.schedule(10_100, b"\x90\x3c\x40")
    out.schedule(11_500, b"\x80\x3c\x00")  # the next cycle
    out.send_message([0xB0, 123, 0])  # as soon as possible: the cycle's first frame
    out._process(1024)
    assert out.port.written == [(0, b"\xb0\x7b\x00"), (100, b"\x90\x3c\x40")]
    out.client.last_frame_time = 11_024
    out._process(1024)
    assert out.port.written == [(476, b"\x80\x3c\x00")] and out.late == 0


def test_a_message_whose_frame_has_passed_is_written_first_and_counted():
    out = _out(20_000)
    out.schedule(19_000, b"\x90\x40\x40")  # the sender was later than the lookahead
    out._process(1024)
    assert out.port.written == [(0, b"\x90\x40\x40")] and out.late == 1


def test_frames_wrap_around_after_two_to_the_32():
    """JACK's frame counter wraps after 24.8 h at 48 kHz: a message due just after the wrap
    is in the next cycle, not four billion frames late."""
    out = _out(2**32 - 512)
    out.schedule(2**32 + 100, b"\x90\x3c\x40")  # stored as frame 100
    out._process(1024)
    assert out.port.written == [(612, b"\x90\x3c\x40")] and out.late == 0


def test_clear_drops_what_was_handed_over_ahead():
    out = _out(0)
    for f in (5_000, 6_000, 7_000):
        out.schedule(f, b"\x90\x3c\x40")
    assert out.clear() == 3
    out._process(1024)
    out.client.last_frame_time = 5_000
    out._process(4096)
    assert out.port.written == []


def test_close_waits_until_the_all_notes_off_is_written():
    """The all notes off that ends a replay is sent just before the output is closed; closing
    at once dropped it (a held note sounded on)."""
    out = _out(0)
    left = []
    out.client.deactivate = lambda: left.append(list(out._now))
    out.client.close = lambda: None
    out.send_message([0xB0, 123, 0])
    timer = threading.Timer(0.05, out._process, args=(1024,))
    timer.start()
    out.close()
    timer.join()
    assert left == [[]] and out.port.written == [(0, b"\xb0\x7b\x00")]
