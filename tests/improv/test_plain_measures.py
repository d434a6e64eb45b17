"""Every measure a therapist meets is said in a therapist's words (therapist review 35): each
one the goal picker offers with what a higher value means, and each one behind the client
page's "Show all measures" without the feature list's research terms ("windows", "onsets")."""

from __future__ import annotations

import re

import pytest

from analysis.features import FEATURES, describe
from improv.reports.goal_indicators import NOT_MEASURES, offered_as_goal, session_measure_problem
from improv.reports.labels import plain_meaning
from improv.reports.plain_measures import HIGHER, PLAIN, goal_words

#: The analysis' own terms, which a therapist's sentence never uses.
JARGON = ("window", "onset", "MTTB", "Krumhansl", "EBU", "ITU", "bootstrap", "phase-correction",
          "percentile", "near-coincident", "floor-transfer", "key-profile", "Rayleigh",
          "resultant", "correlat", "least-squares", "gain", "_", "{", "}")


def _jargon(said: str) -> list[str]:
    """The terms of :data:`JARGON` in ``said`` (a word as a word: "gain", not "against")."""
    return [j for j in JARGON if re.search(rf"\b{re.escape(j)}" if j.isalpha() else
                                           re.escape(j), said)]


def _column(name: str) -> str:
    """A column of a feature's name, its templates filled as the usual players'."""
    filled = name.replace("{x}", "client").replace("{y}", "therapist").replace("{role}",
                                                                                 "leader")
    pair = any(f.name == name and f.group.startswith("dialogue") for f in FEATURES)
    return f"client|therapist.{filled}" if pair else f"client.midi.{filled}"


def _summary_measures() -> list[str]:
    """The feature list's numbers per session that the client page can show: every summary
    value but the analysis' settings and the words (pulse, key, leader)."""
    return [f.name for f in FEATURES if "summary" in f.kinds and f.group != "analysis"
            and f.unit != "" and f.name != "alpha_ci_level"]  # a setting (api_clients)


def _offered() -> list[str]:
    """Every measure the goal picker can offer (api_goals._choices: the feature list's, a
    player's measure for the usual players, each with a number per session)."""
    out = []
    for f in FEATURES:
        name = _column(f.name).rsplit(".", 1)[-1]
        if name in NOT_MEASURES or "_role_" in name:
            continue
        if session_measure_problem(name) is None and offered_as_goal(name):
            out.append(f.name)
    return out


def test_the_lists_are_what_the_page_can_show():
    assert len(_offered()) >= 50 and "asynchrony_abs_mean_ms" in _offered()
    assert "pulsed_share" in _summary_measures() and "window_s" not in _summary_measures()


@pytest.mark.parametrize("name", _offered())
def test_every_measure_the_goal_picker_offers_says_what_it_means_and_what_higher_means(name):
    assert name in PLAIN and name in HIGHER, name
    said = goal_words(_column(name))
    assert re.fullmatch(r"[A-Z].+\. Higher: .+\.", said), said
    first = plain_meaning(_column(name))  # the client page's sentence
    assert said.startswith(f"{first[:1].upper()}{first[1:]}. Higher: "), (said, first)
    assert not _jargon(said), (name, said)


@pytest.mark.parametrize("name", _summary_measures())
def test_every_measure_behind_show_all_measures_is_in_plain_words(name):
    column = _column(name)
    said = plain_meaning(column)
    assert said != describe(column)[1] or name in ("pitch_min", "pitch_max"), said
    assert not _jargon(said), (name, said)


def test_no_sentence_is_left_for_a_measure_that_does_not_exist():
    names = {f.name for f in FEATURES}
    assert set(PLAIN) <= names and set(HIGHER) <= names
    assert set(HIGHER) <= set(PLAIN)
