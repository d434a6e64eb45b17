"""The rules of :class:`improv.capture.jack_watch.JackSourceWatch` on a fake JACK graph (pure logic;
the real path is tested through a JACK server in test_record_faults.py)."""

import collections
import threading
from dataclasses import dataclass

import pytest

from improv.capture.jack_watch import JackSourceWatch


@dataclass
class Port:
    name: str


class FakeGraph:
    """Ports by name and connections (source, destination); ``connect`` records the call."""

    def __init__(self, *names):
        self.ports: list[str] = list(names)
        self.links: set[tuple[str, str]] = set()
        self.connects: list[tuple[str, str]] = []

    def remove(self, name):
        self.ports.remove(name)
        self.links = {(a, b) for a, b in self.links if name not in (a, b)}

    def get_ports(self, is_input=False):
        return [Port(n) for n in self.ports if not is_input or n.startswith("improv-")]

    def get_all_connections(self, port):
        return [Port(a) for a, b in self.links if b == port.name]

    def connect(self, a, b):
        self.connects.append((a, b))
        self.links.add((a, b))


class Clock:
    t = 0.0

    def __call__(self):
        return self.t


def _watch(graph, clock):
    w = JackSourceWatch.__new__(JackSourceWatch)
    w._jack = type("jack", (), {"JackError": RuntimeError})
    w.client, w.clock = graph, clock
    w.prefix, w.midi_prefix = "improv-audio:", "improv-midi:"
    w.midi_clients, w.midi_unplaced = {"improv-midi"}, []
    w.known, w.lost, w.pending_midi, w._gone = {}, {}, {}, collections.deque()
    w.expected = {}
    w.server_gone_at = None
    w.changed = threading.Event()
    return w


def _audio():
    g = FakeGraph("improv-audio:in_1", "mic:out_1")
    g.links.add(("mic:out_1", "improv-audio:in_1"))
    return g


def _unplug(g, w, clock, client="mic", port="mic:out_1"):
    g.remove(port)
    w._on_port(Port(port), False)  # what JACK's notification thread says
    w._on_client(client, False)


def test_vanished_audio_source_is_lost_then_reconnected_when_it_returns():
    g, clock = _audio(), Clock()
    w = _watch(g, clock)
    assert w.poll(1.0) == []
    clock.t = 1.2
    _unplug(g, w, clock)
    (lost,) = w.poll(1.5)
    assert (lost.kind, lost.source, lost.lost_at) == ("lost", "mic:out_1", 1.2)  # when it went
    assert w.poll(2.0) == []  # reported once
    g.ports.append("mic:out_1")
    (back,) = w.poll(2.5)
    assert (back.kind, back.lost_at) == ("back", 1.2)
    assert g.connects == [("mic:out_1", "improv-audio:in_1")]


def test_a_source_disconnected_on_purpose_is_left_alone():
    g, clock = _audio(), Clock()
    w = _watch(g, clock)
    w.poll(1.0)
    g.links.clear()  # the port still exists and JACK said nothing: someone disconnected it
    assert w.poll(1.5) == [] and w.poll(2.0) == [] and g.connects == []


def test_gone_and_back_between_two_polls():
    g, clock = _audio(), Clock()
    w = _watch(g, clock)
    w.poll(1.0)
    clock.t = 1.1
    _unplug(g, w, clock)
    g.ports.append("mic:out_1")  # a new port with the old name, not connected
    changes = w.poll(1.5)
    assert [(c.kind, c.lost_at) for c in changes] == [("lost", 1.1), ("back", 1.1)]
    assert g.connects == [("mic:out_1", "improv-audio:in_1")]


def test_reconnected_by_someone_else_counts_as_back_without_connecting_again():
    g, clock = _audio(), Clock()
    w = _watch(g, clock)
    w.poll(1.0)
    _unplug(g, w, clock)
    w.poll(1.5)
    g.ports.append("mic:out_1")
    g.links.add(("mic:out_1", "improv-audio:in_1"))  # the therapist's patchbay was faster
    (back,) = w.poll(2.0)
    assert back.kind == "back" and g.connects == []


def _midi():
    g = FakeGraph("improv-midi:client-in1", "kb1:out")
    g.links.add(("kb1:out", "improv-midi:client-in1"))
    return g


def test_midi_quick_return_is_reconnected_by_the_watch():
    g, clock = _midi(), Clock()
    w = _watch(g, clock)
    w.poll(1.0)
    clock.t = 1.3
    _unplug(g, w, clock, client="kb1", port="kb1:out")
    assert w.poll(1.4) == []  # missing: maybe the MIDI capture's business
    g.ports.append("kb1:out")  # back before the capture's poll noticed anything
    assert [(c.kind, c.lost_at) for c in w.poll(1.9)] == [("lost", 1.3), ("back", 1.3)]
    assert g.connects == [("kb1:out", "improv-midi:client-in1")]


def test_midi_loss_noticed_by_the_capture_is_left_to_it():
    g, clock = _midi(), Clock()
    w = _watch(g, clock)
    w.poll(1.0)
    _unplug(g, w, clock, client="kb1", port="kb1:out")
    assert w.poll(1.5) == []
    g.remove("improv-midi:client-in1")  # the capture closed its port ...
    assert w.poll(2.0) == []
    g.ports += ["kb1:out", "improv-midi:client-in1"]  # ... and re-opens it when kb1 is back
    g.links.add(("kb1:out", "improv-midi:client-in1"))
    assert w.poll(2.5) == [] and g.connects == [] and w.pending_midi == {}


def test_after_the_server_stopped_the_watch_neither_compares_nor_reconnects():
    g, clock = _audio(), Clock()
    w = _watch(g, clock)
    w.poll(1.0)
    clock.t = 1.3
    w._on_shutdown(None, "jackd quit")  # JACK's notification thread
    _unplug(g, w, clock)
    assert w.server_gone_at == 1.3
    assert w.poll(1.5) == [] and g.connects == []
    w._on_shutdown(None, "again")
    assert w.server_gone_at == 1.3  # the first notice counts


@pytest.mark.jack
def test_a_port_that_comes_or_goes_is_heard_at_once(jack_rig):
    """JACK's port-registration callback sets ``changed`` (the recorder then polls at once,
    not at its next 0.5 s port poll): a source that returns is re-connected without waiting."""
    w = JackSourceWatch(own_client="improv-audio", server_name=jack_rig.server.name,
                        client_name="improv-watch-test")
    def settle(now: float) -> None:
        """Poll until no callback comes for 0.3 s: one new client brings several (its
        registration and its port's), which may arrive on either side of a poll."""
        for k in range(20):
            w.poll(now + 0.1 * k)
            if not w.changed.wait(0.3):
                return
        raise AssertionError("the graph never settled")

    try:
        settle(0.0)
        player = jack_rig.midi_player(name="kb9", events=[])  # registers a port
        assert w.changed.wait(2.0), "no port-registration callback"
        settle(1.0)
        assert not w.changed.is_set()
        player.close()
        assert w.changed.wait(2.0), "no callback for a port going away"
    finally:
        w.close()


def test_a_midi_port_reopened_unconnected_is_connected_by_the_watch():
    """JACK refuses to connect a port whose client is not active yet: the MIDI capture re-opened
    its port for a returning source but rtmidi's connection failed (and rtmidi says nothing).
    The capture's expectation makes the watch connect them, trying again until it works."""
    g, clock = _midi(), Clock()
    w = _watch(g, clock)
    w.poll(1.0)
    g.links.clear()  # re-opened, not connected
    refused = []

    def connect(a, b):
        if not refused:
            refused.append((a, b))
            raise RuntimeError("Cannot connect ports owned by inactive clients")
        FakeGraph.connect(g, a, b)
    g.connect = connect
    w.expect("kb1:out", "client-in1", at=1.4)
    assert w.poll(1.5) == [] and w.changed.is_set()  # refused: look again at the next tick
    assert w.poll(1.6) == [] and ("kb1:out", "improv-midi:client-in1") in g.links
    assert w.expected == {} and not w.changed.is_set()


def test_an_expected_midi_source_that_never_comes_is_given_up():
    g, clock = _midi(), Clock()
    w = _watch(g, clock)
    w.poll(1.0)
    g.remove("kb1:out")
    w.expect("kb1:out", "client-in1", at=1.0)
    w.poll(5.0)
    assert w.expected
    w.poll(11.5)
    assert w.expected == {} and g.connects == []


def _placing(graph):
    """A watch told of the capture's port ``client-in1`` fed by ``kb2:out`` (its JACK client
    not known yet)."""
    w = _watch(graph, Clock())
    w.midi_clients, w.midi_unplaced = set(), [("kb2:out", "client-in1")]
    return w


def test_the_capture_s_midi_client_is_found_by_its_port_and_source():
    """rtmidi's clients are ``improv-midi``, ``improv-midi-01`` ... (JACK makes names unique):
    ours is the one whose port of that name is fed by our source; another process's port of
    the same name (fed by kb1) and the frame-time client are not followed."""
    g = FakeGraph("improv-midi:client-in1", "improv-midi-01:client-in1",
                  "improv-midi-frames:in_1", "kb1:out", "kb2:out")
    g.links |= {("kb1:out", "improv-midi:client-in1"), ("kb2:out", "improv-midi-01:client-in1"),
                ("kb2:out", "improv-midi-frames:in_1")}
    w = _placing(g)
    w.poll(1.0)
    assert w.midi_clients == {"improv-midi-01"} and w.midi_unplaced == []
    assert w.is_midi("improv-midi-01:client-in1")
    assert not w.is_midi("improv-midi:client-in1") and not w.is_midi("improv-midi-frames:in_1")
    assert set(w.known) == {"improv-midi-01:client-in1"}  # the other's port is not watched


def test_a_midi_client_not_told_apart_is_not_followed_until_it_is():
    """Another process checks the same instrument under the same port name: neither port is
    taken for ours until the other one closes."""
    g = FakeGraph("improv-midi:client-in1", "improv-midi-01:client-in1", "kb2:out")
    g.links |= {("kb2:out", "improv-midi:client-in1"), ("kb2:out", "improv-midi-01:client-in1")}
    w = _placing(g)
    w.poll(1.0)
    assert w.midi_clients == set() and w.known == {}
    g.remove("improv-midi:client-in1")  # the other process's check closed
    w.poll(1.5)
    assert w.midi_clients == {"improv-midi-01"} and set(w.known) == {"improv-midi-01:client-in1"}
