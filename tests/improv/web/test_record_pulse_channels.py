"""The Record page on a desktop whose sound goes through PulseAudio (a real private server,
tests/rig/pulserig.py): the sound server's device offers the channels of the microphone the
server records (left, right), not PortAudio's 32, and says that the computer's sound settings
choose that microphone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.rig.pulserig import PulseServer, pulseaudio_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.pulse,
    pytest.mark.skipif(pulseaudio_path() is None,
                       reason="pulseaudio not installed (apt-get install pulseaudio)"),
]


def test_the_sound_servers_device_offers_left_and_right(tmp_path, live_server, page):
    pulse = PulseServer(tmp_path / "pulse").start()
    try:
        store = tmp_path / "store"
        store.mkdir()
        server = live_server(store, env={**pulse.env, "JACK_NO_START_SERVER": "1"})
        page.goto(server.url + "#/record")
        first = page.get_by_label("Input 1", exact=True)
        option = first.locator("option", has_text="PulseAudio sound server (pulse)")
        expect(option).to_have_text("Audio: PulseAudio sound server (pulse), 2 channels, ALSA",
                                    timeout=20000)
        first.select_option(value="audio\u0000pulse")
        channel = page.get_by_label("Channel of input 1", exact=True)
        expect(channel.locator("option")).to_have_text(["left", "right"])
        hint = page.locator("p.muted.small", has_text="sound settings")
        expect(hint).to_have_text(
            "PulseAudio sound server (pulse) records the microphone chosen in the computer's "
            "sound settings: choose or change the microphone there. Left and right are its two "
            "channels.")
        expect(page.get_by_text("Channel 1 is input 1 on the audio interface")).to_have_count(0)
        channel.select_option(label="right")
        expect(channel).to_have_value("2")
    finally:
        pulse.stop()
