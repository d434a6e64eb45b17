"""A test rig of real audio and MIDI servers (JACK, dummy driver) and players.

See :mod:`tests.rig.jackrig`.  Fixtures are in ``tests/improv/conftest.py``.
"""
