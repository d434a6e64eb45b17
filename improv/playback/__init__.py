"""Playback: replaying a stored session to MIDI outputs and audio devices, and rendering its
MIDI to audio.

Import the modules themselves (``improv.playback.replay``, ...): this package imports nothing
so that ``improv --help`` stays light.
"""
