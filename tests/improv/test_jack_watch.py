"""The rules of :class:`improv.jack_watch.JackSourceWatch` on a fake JACK graph (pure logic;
the real path is tested through a JACK server in test_record_faults.py)."""

from dataclasses import dataclass

from improv.jack_watch import JackSourceWatch


@dataclass
class Port:
    name: str
    uuid: int


class FakeGraph:
    """Ports by name and connections (source, destination); ``connect`` records the call."""

    def __init__(self):
        self.ports: dict[str, int] = {}
        self.links: set[tuple[str, str]] = set()
        self.connects: list[tuple[str, str]] = []
        self._uuid = 0

    def add(self, name):
        self._uuid += 1
        self.ports[name] = self._uuid

    def remove(self, name):
        del self.ports[name]
        self.links = {(a, b) for a, b in self.links if name not in (a, b)}

    def get_ports(self, is_audio=False, is_input=False):
        names = [n for n in self.ports if not is_input or n.startswith("improv-audio:")]
        return [Port(n, self.ports[n]) for n in names]

    def get_all_connections(self, port):
        return [Port(a, self.ports[a]) for a, b in self.links if b == port.name]

    def connect(self, a, b):
        self.connects.append((a, b))
        self.links.add((a, b))


def _watch(graph):
    w = JackSourceWatch.__new__(JackSourceWatch)
    w._jack = type("jack", (), {"JackError": RuntimeError})
    w.client, w.prefix, w.known, w.lost = graph, "improv-audio:", {}, {}
    return w


def _graph():
    g = FakeGraph()
    for n in ("improv-audio:in_1", "mic:out_1"):
        g.add(n)
    g.links.add(("mic:out_1", "improv-audio:in_1"))
    return g


def test_vanished_source_is_lost_then_reconnected_when_it_returns():
    g = _graph()
    w = _watch(g)
    assert w.poll(1.0) == []
    g.remove("mic:out_1")
    (lost,) = w.poll(1.5)
    assert (lost.kind, lost.source, lost.lost_at) == ("lost", "mic:out_1", 1.5)
    assert w.poll(2.0) == []  # reported once
    g.add("mic:out_1")
    (back,) = w.poll(2.5)
    assert (back.kind, back.lost_at) == ("back", 1.5)
    assert g.connects == [("mic:out_1", "improv-audio:in_1")]


def test_a_source_disconnected_on_purpose_is_left_alone():
    g = _graph()
    w = _watch(g)
    w.poll(1.0)
    g.links.clear()  # the port still exists: someone disconnected it
    assert w.poll(1.5) == [] and w.poll(2.0) == [] and g.connects == []


def test_gone_and_back_between_two_polls_is_told_by_the_new_uuid():
    g = _graph()
    w = _watch(g)
    w.poll(1.0)
    g.remove("mic:out_1")
    g.add("mic:out_1")  # a new port with the old name, not connected
    kinds = [c.kind for c in w.poll(1.5)]
    assert kinds == ["lost", "back"] and g.connects == [("mic:out_1", "improv-audio:in_1")]


def test_reconnected_by_someone_else_counts_as_back_without_connecting_again():
    g = _graph()
    w = _watch(g)
    w.poll(1.0)
    g.remove("mic:out_1")
    w.poll(1.5)
    g.add("mic:out_1")
    g.links.add(("mic:out_1", "improv-audio:in_1"))  # the therapist's patchbay was faster
    (back,) = w.poll(2.0)
    assert back.kind == "back" and g.connects == []
