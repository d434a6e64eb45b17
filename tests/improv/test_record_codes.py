"""``improv record``'s client and therapist codes (review 36): a code that reads like a name is
refused unless --not-a-name says it is a pseudonym; a client code the store does not know
(a slip: C21 for C12) is asked about at a terminal and said otherwise; a known code is taken
as it is stored (k12 is K12)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from improv.codes import FIRST_NAMES, known_code, looks_like_name, name_like_codes

JS = Path(__file__).resolve().parents[2] / "improv" / "web" / "static" / "record_setup.js"


@pytest.mark.parametrize("code, name", [
    ("Anna", True), ("anna", True), ("MARIA", True), ("tom_b", True), ("AnnaS", True),
    ("Mueller", True), ("C07", False), ("K12", False), ("DEMO", False), ("ABC", False),
    ("Anna2", False), ("Bob", False), ("", False),
])
def test_looks_like_name(code, name):
    assert looks_like_name(code) is name


def test_the_first_names_are_those_of_the_record_page():
    """The web page asks about the same names as the command line refuses."""
    text = JS.read_text(encoding="utf-8")
    block = re.search(r"const FIRST_NAMES = new Set\(\((.*?)\)\.split", text, re.S).group(1)
    js = set(" ".join(re.findall(r"'([^']*)'", block)).split())
    assert js == set(FIRST_NAMES)


def test_name_like_codes_asks_only_about_new_codes():
    assert name_like_codes("Anna", "Tina") == ["client code 'Anna'", "therapist code 'Tina'"]
    assert name_like_codes("anna", "TINA", known_clients=["Anna"], known_therapists=["Tina"]) == []
    assert name_like_codes("C07", "T01") == []
    assert known_code("k12", ["C07", "K12"]) == "K12" and known_code("K13", ["K12"]) is None


@pytest.fixture
def with_client(store, tmp_path):
    """A store with one session of client C12 and therapist T01."""
    from sessions.importer import import_files
    from tests.sessions.helpers import write_midi

    path = write_midi(tmp_path / "s.mid")
    import_files(store, [path], client="C12", therapist="T01", players=["client=s.mid:2"])
    return store


def _no_audio(monkeypatch):
    """No audio device at all: a recording that gets past its codes stops at its inputs."""
    import improv.capture.plan as plan

    monkeypatch.setattr(plan, "init_portaudio", lambda **kw: None)
    monkeypatch.setattr(plan, "list_audio_devices", lambda **kw: [])


def test_a_name_as_a_code_is_refused_in_one_line(run_cli, store):
    from tests.sessions.helpers import tree_snapshot

    assert run_cli("sessions", "list").exit_code == 0  # the catalog made
    before = tree_snapshot(store.root)
    r = run_cli("record", "--client", "Anna", "--player", "client=midi:kb", "--no-display")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == ("error: the client code 'Anna' looks like a name: a code must not "
                        "identify the person; use a pseudonym such as C07, or add "
                        "--not-a-name if it is one\n")
    r = run_cli("record", "--client", "Maria", "--therapist", "Thomas", "--player",
                "client=midi:kb")
    assert r.exit_code == 1 and "the client code 'Maria' and the therapist code 'Thomas' look " \
        "like names" in r.stderr and r.stderr.count("\n") == 1
    assert tree_snapshot(store.root) == before


def test_not_a_name_records_with_it(run_cli, monkeypatch):
    _no_audio(monkeypatch)
    r = run_cli("record", "--client", "Anna", "--not-a-name", "--player", "client=audio:1",
                "--no-display")
    # past the codes: refused for want of a device, not for the name
    assert r.exit_code == 1 and "no audio input device found" in r.stderr, r.stderr
    assert "looks like a name" not in r.stderr


def test_a_new_client_code_is_asked_about_at_a_terminal(run_cli, with_client, monkeypatch):
    """C21 for C12: the therapist at the terminal is asked, and 'no' records nothing."""
    import improv.cli.record as record
    from tests.sessions.helpers import tree_snapshot

    monkeypatch.setattr(record, "can_ask", lambda: True)
    _no_audio(monkeypatch)
    before = tree_snapshot(with_client.root)
    r = run_cli("record", "--client", "C21", "--player", "client=audio:1", "--no-display",
                input="n\n")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith("There is no session or goal of client C21 yet; did you mean "
                               "C12?\nStart a new client C21? [y/N]: ")
    assert r.stderr.endswith("nothing recorded: record again with the client's code as before, "
                             "or add --new-client for a new client\n")
    assert tree_snapshot(with_client.root) == before
    # yes: it goes on to the inputs
    r = run_cli("record", "--client", "C21", "--player", "client=audio:1", "--no-display",
                input="y\n")
    assert r.exit_code == 1 and "no audio input device found" in r.stderr
    # --new-client: nothing asked; a known code in another case: nothing asked either
    for args in (("--client", "C21", "--new-client"), ("--client", "c12")):
        r = run_cli("record", *args, "--player", "client=audio:1", "--no-display", input="n\n")
        assert "Start a new client" not in r.stderr and "no audio input device" in r.stderr


def test_a_known_code_is_recorded_as_stored(run_cli, with_client, monkeypatch):
    """k12 is K12's session, t01 is T01: no second client for a code typed in small letters."""
    import improv.cli.record as record

    seen = {}

    class Stop(Exception):
        pass

    def fake_recorder(**kw):
        seen.update(kw)
        raise Stop

    monkeypatch.setattr("improv.capture.recorder.Recorder", fake_recorder)
    monkeypatch.setattr(record, "can_ask", lambda: True)
    with pytest.raises(Stop):
        from improv.cli import main

        main(["record", "--client", "c12", "--therapist", "t01", "--player", "client=midi:kb",
              "--no-display"])
    assert (seen["client"], seen["therapist"]) == ("C12", "T01")


def test_no_one_to_ask_the_new_client_is_said(run_cli, with_client, monkeypatch):
    """A script (stdin no terminal) is not stopped by a question: once it records, a note says
    the client is new, naming no code (nothing printed while recording names the client)."""
    import improv.cli.record as record
    from improv.errors import ImprovError

    said = []

    class Started(ImprovError):  # the recording ran: stopped here with one error line
        pass

    class FakeRecorder:
        session_id = "20261207-100000-abcd"
        inputs = ()

        def __init__(self, **kw):
            pass

        def start(self):
            pass

        def run(self, **kw):
            raise Started

        def stop(self, reason):
            return {}

    monkeypatch.setattr("improv.capture.recorder.Recorder", FakeRecorder)
    monkeypatch.setattr(record, "info", lambda text: said.append(text))
    assert "C21" not in record.NEW_CLIENT_NOTE and "C12" not in record.NEW_CLIENT_NOTE
    for args, note in ((("--client", "C21"), True), (("--client", "C21", "--new-client"), False),
                       (("--client", "c12"), False)):
        said.clear()
        r = run_cli("record", *args, "--player", "client=midi:kb", "--no-display")
        assert r.exit_code == 1 and "Start a new client" not in r.stderr  # Started: no answer
        assert (record.NEW_CLIENT_NOTE in said) is note, (args, said)
