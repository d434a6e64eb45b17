"""``improv analyze --csv`` / ``--curves`` and ``improv export-dataset`` name one curve one way
and give it one unit (researcher review 35: the dialogue's per-player tempo was
``dialogue.client_tempo_bpm`` in the curve CSV, ``synchrony_tempo_bpm`` in the export's
``dialogue_curves``, and the curve CSV had no unit)."""

from __future__ import annotations

import csv
import io
import math

import pytest

pytest.importorskip("pyarrow")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _number(text: str) -> float | None:
    return float(text) if text else None


def test_the_curve_csv_names_and_units_curves_as_the_export_does(run_cli, store, tmp_path):
    from improv.demo import create_demo_session

    sid = create_demo_session(store, duration=30.0)["id"]
    r = run_cli("analyze", sid, "--dialogue", "--csv")
    assert r.exit_code == 0, r.stderr
    mine = _rows(r.stdout)
    assert list(mine[0])[-3:] == ["t", "value", "unit"]
    assert all(row["unit"] for row in mine), {row["curve"] for row in mine if not row["unit"]}
    names = {row["curve"] for row in mine}
    # the dialogue's own tempo estimate of each player, never taken for the player's tempo
    assert {"dialogue.client_synchrony_tempo_bpm",
            "dialogue.therapist_synchrony_tempo_bpm"} <= names
    assert not {"dialogue.client_tempo_bpm", "dialogue.therapist_tempo_bpm"} & names
    got = {(row["player"], _tidy(row["player"], row["curve"]), row["unit"], float(row["t"])):
           _number(row["value"]) for row in mine}

    to = tmp_path / "ds"
    r = run_cli("export-dataset", "--to", to, "--format", "csv", "--include-demo")
    assert r.exit_code == 0, r.stderr
    want = {}
    for row in _rows((to / "curves.csv").read_text()):
        key = (row["player"], f"{row['source']}.{row['measure']}", row["unit"], float(row["t"]))
        want[key] = _number(row["value"])
    for row in _rows((to / "dialogue_curves.csv").read_text()):
        key = (f"{row['player_a']}|{row['player_b']}",
               ("dialogue", row["player"] or None, row["measure"]), row["unit"], float(row["t"]))
        want[key] = _number(row["value"])
    assert any(k[1] == ("dialogue", "client", "synchrony_tempo_bpm") and v
               for k, v in want.items())
    # every curve of the export, with its unit and values, under the same name in the CSV
    # (which has each source's beat tempo besides)
    assert {k for k in got if not str(k[1]).endswith(".beat_tempo_bpm")} == set(want)
    for key, value in want.items():
        assert (got[key] is None) == (value is None), key
        assert value is None or math.isclose(got[key], value, rel_tol=1e-12), key


def _tidy(player: str, curve: str) -> str | tuple:
    """A player's curve as it is (``midi.tempo_bpm``); a pair's (``dialogue.<name>``) as
    ``("dialogue", the player it is about or None, its name without the players)``: the CSV
    keeps the players in the name (``therapist_imitates_client``: the therapist imitates),
    the export has them in columns (measure ``imitates``, player ``therapist``)."""
    if not curve.startswith("dialogue."):
        return curve
    name = curve.removeprefix("dialogue.")
    for who, other in (player.split("|"), player.split("|")[::-1]):
        if name.startswith(f"{who}_"):
            return "dialogue", who, name[len(who) + 1:].removesuffix(f"_{other}")
    return "dialogue", None, name
