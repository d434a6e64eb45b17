"""The Record page's device lists through a JACK server (dummy driver): each device with the
label the page shows beside its raw name, and ALSA's ``jack`` plug-in (the same JACK ports
again) left out of the inputs to choose from.  The rules themselves:
``tests/improv/test_device_labels.py``."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.jack]


def test_devices_are_labelled_and_the_alsa_jack_plugin_is_not_listed_twice(
        jack_rig, tmp_path, client_for):
    jack_rig.midi_player(name="Digital Piano", events=[])
    c = client_for(tmp_path / "store")
    d = c.get("/api/devices", params={"jack_server": jack_rig.server.name,
                                      "midi_api": "jack"}).json()
    assert not d["problems"], d
    midi = {p["name"]: p["label"] for p in d["midi"] if p["direction"] == "input"}
    assert midi["Digital Piano:out"] == "Digital Piano (MIDI)"
    audio = {(a["hostapi"], a["name"]): a["label"] for a in d["audio"]}
    assert audio[("JACK Audio Connection Kit", "system")] == "Sound card inputs (system)"
    # the ALSA plug-in that routes into JACK (libasound2-plugins, installed with the rig) is
    # not a second choice for the same inputs, but kept aside for setups that name it
    assert ("ALSA", "jack") not in audio
    assert [(a["hostapi"], a["name"]) for a in d["hidden"]] == [("ALSA", "jack")]
