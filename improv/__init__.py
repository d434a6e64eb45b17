"""improv: record, measure, replay and compare music-therapy improvisations.

The ``improv`` package holds capture (devices, session clock, recorder), the
command line and the web app.  It writes into the session store (the
``sessions`` package) and reads features from ``analysis``; neither of those
imports anything from here.
"""

__version__ = "0.1.0"
