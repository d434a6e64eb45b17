"""The report's appendix gives the pair's lead-lag, the peak of the session's lead-lag
correlation, which is found whether or not it names a leader: where it names none, the value
says it may be chance (review 31, L2: −1.32 s beside "no one named" in strict turn-taking)."""

from __future__ import annotations

import re

from improv.analyze import analyze_session
from improv.reports.report import APPENDIX, session_report_html
from sessions.importer import import_files
from tests.sessions.helpers import write_midi


def _lag_cells(store, sid: str) -> list[str]:
    html = session_report_html(store, sid).split(APPENDIX)[1]
    row = html.split("<tr><td>Lead-lag (s)</td>")[1].split("</tr>")[0]
    return re.findall(r"<td[^>]*>(.*?)</td>", row)


def _turns(tmp_path):
    """Strict turns: the client plays a 4 s phrase, the therapist answers 1 s after its end
    (a MIDI file of two tracks)."""
    client, therapist = [], []
    for k in range(6):
        t0 = 10.0 * k
        client += [(t0 + 0.5 * i, 0, 60 + i, 80) for i in range(8)]
        therapist += [(t0 + 5.0 + 0.5 * i, 0, 72 - i, 80) for i in range(8)]
    return write_midi(tmp_path / "turns.mid", tracks={"client": client, "therapist": therapist})


def test_a_lag_without_a_leader_is_said_to_be_maybe_chance(store, tmp_path):
    path = _turns(tmp_path)
    sid = import_files(store, [path], client="C11",
                       players=["client=turns.mid:2", "therapist=turns.mid:3"])["id"]
    s = analyze_session(store, sid, dialogue=True)["dialogue"][0]["summary"]
    assert s["xcorr_leader"] in ("none", "shared", "unclear") and s["lead_lag_s"] is not None
    value = _lag_cells(store, sid)[0]
    assert value.endswith("(the changes in the playing named no leader: may be chance)")
    assert value.startswith(f"{s['lead_lag_s']:.2f} ")


def test_a_lag_with_a_leader_is_the_number(store, tmp_path):
    # the therapist copies the client's varied phrases 0.3 s later: the client leads
    import numpy as np

    rng = np.random.default_rng(3)
    on = np.cumsum(rng.choice([0.25, 0.5, 0.75], 160))
    on = on[on < 58.0]
    pitch = rng.integers(55, 76, on.size)
    vel = rng.integers(40, 110, on.size)
    client = [(float(t), 0, int(p), int(v)) for t, p, v in zip(on, pitch, vel, strict=True)]
    therapist = [(t + 0.3, c, p, v) for t, c, p, v in client]
    path = write_midi(tmp_path / "copy.mid", tracks={"client": client, "therapist": therapist})
    sid = import_files(store, [path], client="C12",
                       players=["client=copy.mid:2", "therapist=copy.mid:3"])["id"]
    s = analyze_session(store, sid, dialogue=True)["dialogue"][0]["summary"]
    assert s["xcorr_leader"] == "client"
    value = _lag_cells(store, sid)[0]
    assert value == f"{s['lead_lag_s']:.2f}"


def test_compare_and_goals_leave_out_a_lag_without_a_leader(store, tmp_path):
    """The values compare and the goals' indicators read (``session_values``) hold a pair's
    lead-lag only where the correlation named someone ahead (review 31: it was there as a
    number of the client's course either way)."""
    from improv.reports.compare import session_values

    path = _turns(tmp_path)
    turns = import_files(store, [path], client="C11",
                         players=["client=turns.mid:2", "therapist=turns.mid:3"])["id"]
    s = analyze_session(store, turns, dialogue=True)["dialogue"][0]["summary"]
    assert s["xcorr_leader"] in ("none", "shared", "unclear") and s["lead_lag_s"] is not None
    values = session_values(store, turns)
    assert not [c for c in values if ".lead_lag" in c], values
    assert "client|therapist.joint_share" in values  # the pair's other measures stay

    import numpy as np

    rng = np.random.default_rng(3)
    on = np.cumsum(rng.choice([0.25, 0.5, 0.75], 160))
    on = on[on < 58.0]
    notes = [(float(t), 0, int(p), 80) for t, p in zip(on, rng.integers(55, 76, on.size),
                                                      strict=True)]
    path = write_midi(tmp_path / "copy.mid",
                      tracks={"client": notes, "therapist": [(t + 0.3, c, p, v)
                                                             for t, c, p, v in notes]})
    copy = import_files(store, [path], client="C11",
                        players=["client=copy.mid:2", "therapist=copy.mid:3"])["id"]
    s = analyze_session(store, copy, dialogue=True)["dialogue"][0]["summary"]
    assert s["xcorr_leader"] == "client"
    assert session_values(store, copy)["client|therapist.lead_lag_s"] == s["lead_lag_s"]
