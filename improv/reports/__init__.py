"""Reports: comparing a client's sessions, the HTML reports, and the plots of one session and
of a client's course.

Import the modules themselves (``improv.reports.compare``, ...): this package imports nothing
so that ``improv --help`` stays light.
"""
