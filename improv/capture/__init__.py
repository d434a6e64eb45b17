"""Capture: the session clock, audio and MIDI devices, their capture, the JACK watch, the
recorder that runs them and the saved setups (who plays on which input).

Import the modules themselves (``improv.capture.recorder``, ...): this package imports nothing
so that ``improv --help`` stays light.
"""
