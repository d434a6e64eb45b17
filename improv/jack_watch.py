"""Keep the recorder's JACK audio inputs connected to their sources.

Under JACK, the recorder's audio inputs are the input ports of PortAudio's JACK client
(``<client>-audio:in_<k>``), connected to the instrument's output ports (by PortAudio to the
device's ports at the start, or by the therapist with a patchbay). When the instrument's JACK
client goes away (a USB interface bridged with ``zita-a2j`` unplugged, a network source that
drops) its ports vanish and the recording goes on in silence: no callback stops, so nothing
else notices.

:class:`JackSourceWatch` polls the graph (from the recorder's monitor thread, every
``port_poll_s``): it learns which source ports feed each of our input ports, and when a source
port *disappears* (not merely disconnected: a disconnection is the user's choice and is
respected) it reports it lost; when a port of the same name appears again it connects it
again and reports it back (also when it went and came back between two polls: the new port
has a new UUID). It uses its own JACK client (JACK-Client), without a process
callback, so it never runs in the real-time thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceChange:
    """One change seen by :meth:`JackSourceWatch.poll`.

    Attributes
    ----------
    kind : str — ``"lost"`` or ``"back"``
    source : str — the instrument's port (e.g. ``"mic:out_1"``)
    port : str — our input port it feeds (e.g. ``"improv-audio:in_1"``)
    lost_at : float [seconds, session clock] — when the loss was noticed
    """

    kind: str
    source: str
    port: str
    lost_at: float


class JackSourceWatch:
    """Notices vanished sources of our JACK input ports and re-connects them when they return.

    Parameters
    ----------
    own_client : str
        Name of the JACK client whose input ports are watched (PortAudio's, e.g.
        ``improv-audio``).
    server_name : str or None
        JACK server (``None``: the default one).
    client_name : str
        Name of the watch's own JACK client.

    Raises
    ------
    ImportError, OSError, jack.JackError
        No JACK-Client package, no JACK library, or no server: the caller goes on without a
        watch.
    """

    def __init__(self, *, own_client: str, server_name: str | None, client_name: str) -> None:
        import jack

        self._jack = jack
        self.client = jack.Client(client_name, no_start_server=True, servername=server_name)
        self.client.activate()
        self.prefix = own_client + ":"
        self.known: dict[str, dict[str, int]] = {}  # our port -> {source port: its UUID}
        self.lost: dict[tuple[str, str], float] = {}  # (source, our port) -> noticed at

    def poll(self, now: float) -> list[SourceChange]:
        """Compare the graph with what was seen before; re-connect sources that came back.

        Parameters
        ----------
        now : float [seconds, session clock]

        Returns
        -------
        list of SourceChange
        """
        c = self.client
        existing = {p.name: p.uuid for p in c.get_ports()}
        changes: list[SourceChange] = []
        for port in c.get_ports(is_audio=True, is_input=True):
            if not port.name.startswith(self.prefix):
                continue
            feeding = {p.name: p.uuid for p in c.get_all_connections(port)}
            for source, uuid in self.known.get(port.name, {}).items():
                if source in feeding:
                    continue
                # gone, or gone and back between two polls (a new port has a new UUID); a
                # source that is still the same port was disconnected on purpose: let it be
                if existing.get(source) != uuid:
                    self.lost[(source, port.name)] = now
                    changes.append(SourceChange("lost", source, port.name, now))
            self.known[port.name] = feeding
        for (source, port), lost_at in list(self.lost.items()):
            if source not in existing or port not in existing:
                continue
            if source not in self.known.get(port, {}):  # not re-connected by someone else
                try:
                    c.connect(source, port)
                except self._jack.JackError as exc:  # e.g. not ready yet: the next poll tries
                    log.debug("re-connecting %s -> %s: %s", source, port, exc)
                    continue
            del self.lost[(source, port)]
            self.known.setdefault(port, {})[source] = existing[source]
            changes.append(SourceChange("back", source, port, lost_at))
        return changes

    def close(self) -> None:
        """Leave the JACK graph (idempotent)."""
        try:
            self.client.deactivate()
            self.client.close()
        except Exception:  # noqa: BLE001 - the server may be gone already
            pass
