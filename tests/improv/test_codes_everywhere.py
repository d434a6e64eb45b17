"""One rule and one sentence for a new code that reads like a person's name, wherever a client
or a therapist starts on the command line (review 36): ``improv record``
(tests/improv/test_record_codes.py), ``improv goals add`` (a goal agreed at intake starts a
client) and ``improv sessions import``.  Such a code new to the store is refused in
:func:`improv.codes.name_like_refusal`'s sentence, exit 1, nothing written, unless
--not-a-name; a code the store has is not asked about again."""

from __future__ import annotations

from improv.codes import CLI_GO_AHEAD, name_like_refusal
from tests.sessions.helpers import tree_snapshot, write_midi

ANNA = ("error: the client code 'Anna' looks like a name: a code must not identify the person; "
        "use a pseudonym such as C07, or add --not-a-name if it is one\n")


def test_the_sentence_ends_where_the_code_was_given():
    assert name_like_refusal(["client code 'Anna'"], go_ahead=CLI_GO_AHEAD) == ANNA[7:-1]
    assert name_like_refusal(["client code 'Anna'", "therapist code 'Tom'"],
                             go_ahead='import with "Use it anyway"') == (
        "the client code 'Anna' and the therapist code 'Tom' look like names: a code must not "
        "identify the person; use a pseudonym such as C07, or import with \"Use it anyway\" "
        "if they are")
    # a therapist's code alone: a therapist's example
    assert "such as T01" in name_like_refusal(["therapist code 'Tom'"], go_ahead=CLI_GO_AHEAD)


def test_goals_add_refuses_a_new_client_code_that_reads_like_a_name(run_cli, store_path):
    assert run_cli("sessions", "list").exit_code == 0  # the store and its catalog made
    before = tree_snapshot(store_path)
    r = run_cli("goals", "add", "--client", "Anna", "--new-client", "Comes to the sessions")
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", ANNA)
    assert tree_snapshot(store_path) == before  # no goal log
    r = run_cli("goals", "add", "--client", "Anna", "--new-client", "--not-a-name",
                "Comes to the sessions")
    assert r.exit_code == 0, r.stderr
    assert (store_path / "clients" / "Anna").is_dir()
    # the store has the code now: a second goal is not asked about (in any case)
    r = run_cli("goals", "add", "--client", "Anna", "Plays along")
    assert r.exit_code == 0, r.stderr
    # a pseudonym is never asked about
    assert run_cli("goals", "add", "--client", "C21", "--new-client", "Plays").exit_code == 0


def test_goals_add_asks_about_a_name_before_a_new_client(run_cli):
    """A name without --new-client is refused as a name first: the code must change anyway."""
    r = run_cli("goals", "add", "--client", "Anna", "Comes to the sessions")
    assert (r.exit_code, r.stderr) == (1, ANNA)


def test_sessions_import_refuses_new_codes_that_read_like_names(run_cli, tmp_path, store_path):
    midi = write_midi(tmp_path / "s.mid")
    assert run_cli("sessions", "list").exit_code == 0  # the store and its catalog made
    before = tree_snapshot(store_path)
    r = run_cli("sessions", "import", midi, "--client", "Anna", "--player", "client=s.mid:2")
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", ANNA)
    r = run_cli("sessions", "import", midi, "--client", "C07", "--therapist", "Thomas",
                "--player", "client=s.mid:2")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == ("error: the therapist code 'Thomas' looks like a name: a code must not "
                        "identify the person; use a pseudonym such as T01, or add --not-a-name "
                        "if it is one\n")
    assert tree_snapshot(store_path) == before  # no session, no client
    r = run_cli("sessions", "import", midi, "--client", "Anna", "--therapist", "Thomas",
                "--not-a-name", "--player", "client=s.mid:2", "--json")
    assert r.exit_code == 0, r.stderr
    # both codes are the store's now: not asked about again, in any case
    r = run_cli("sessions", "import", midi, "--client", "anna", "--therapist", "THOMAS",
                "--player", "client=s.mid:2", "--started", "2026-10-08T10:00+01:00")
    assert r.exit_code == 0, r.stderr
    assert "looks like a name" not in r.stderr


def test_sessions_import_checks_the_code_rule_first(run_cli, tmp_path):
    midi = write_midi(tmp_path / "s.mid")
    r = run_cli("sessions", "import", midi, "--client", "Anna Maria")
    assert r.exit_code == 1 and "pseudonym code of 1-32 letters" in r.stderr
