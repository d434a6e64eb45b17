"""A client's course with notes and annotations written over months, for the word search
(review rev-months, finding 7: a word of the notes of session 3 could not be found)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np

#: A line of notes longer than a result shows (sessions.word_search.SNIPPET_CHARS).
LONG_LINE = ("She talked for a long while about the week at school, the teachers, the bus and "
             "the friends who did not wait, and only at the very end said that her "
             "grandmother is ill and that she would like to play a song for her next time.")

#: An annotation text longer than the annotations table's column (60 characters).
LONG_ANNOTATION = "Plays very softly, almost hidden behind the drums; looks at the door"


def course_with_writing(folder: Path) -> tuple[Path, list[str]]:
    """Client C07's store: three weekly sessions from Jan 8, 2026 (MIDI only, 12 s each).

    Session 1: notes "First session. Ärger about the move." Session 2: an annotation 0:04–0:09
    (client, solo) with :data:`LONG_ANNOTATION`, and notes whose phrase "the grandmother's
    illness" runs over a line end. Session 3: notes with :data:`LONG_LINE`. Returns (store
    path, session IDs oldest first).
    """
    from sessions.annotation_edits import add_annotation
    from sessions.notes import save_notes
    from sessions.store import Store
    from tests.sessions.helpers import import_weekly_session

    path = folder / "store"
    start = datetime(2026, 1, 8, 9, 0, tzinfo=timezone.utc)
    rng = np.random.default_rng(7)
    with Store(path) as store:
        ids = [import_weekly_session(store, folder, week=i, notes=10, duration=12.0, rng=rng,
                                     start=start) for i in range(3)]
        save_notes(store.folder(ids[0]), "# Session 1\n\nFirst session. Ärger about the move.\n")
        add_annotation(store, ids[1], t=4.0, end=9.0, player="client", tags=["solo"],
                       text=LONG_ANNOTATION)
        save_notes(store.folder(ids[1]), "Arrived anxious. Mentioned the grandmother's\n"
                                         "illness for the first time.\n")
        save_notes(store.folder(ids[2]), f"# Week 3\n\n{LONG_LINE}\n")
    return path, ids
