"""The therapist's workbench: a local web app over the session store.

``improv serve`` runs :func:`improv.web.app.create_app` with uvicorn on
127.0.0.1.  Every page and endpoint is a thin layer over :mod:`sessions` and
:mod:`improv` library functions; the browser code lives in ``static/`` and
loads nothing from the network.
"""

from improv.web.app import create_app

__all__ = ["create_app"]
