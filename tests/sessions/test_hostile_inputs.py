"""Inputs that look valid (issue 21, items 7-10): implausible recordings, Sonic Visualiser CSV
edge cases, devices and FIFOs given as files, non-ASCII digits in label times, file names with
control characters.  Each is refused with one line and leaves the store as it was, or is read
correctly."""

from __future__ import annotations

import os
import struct

import mido
import pytest

from tests.sessions.helpers import write_audio, write_midi


@pytest.fixture
def sid(run_cli, tmp_path):
    mid = write_midi(tmp_path / "a.mid", tracks={"keys": [(0.0, 0, 60, 80), (4.0, 0, 62, 80)]})
    r = run_cli("sessions", "import", mid, "--client", "C07", "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()["id"]


def _refused(r, message):
    assert r.exit_code == 1, r.stdout + r.stderr
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    assert message in r.stderr, r.stderr
    assert "store/tmp" not in r.stderr  # never a staging path


def test_a_wav_claiming_one_hertz_is_refused(run_cli, store_path, tmp_path):
    wav = tmp_path / "slow.wav"
    write_audio(wav, sr=8000, seconds=0.1, channels=1)
    blob = bytearray(wav.read_bytes())
    fmt = blob.index(b"fmt ")
    blob[fmt + 12:fmt + 16] = struct.pack("<I", 1)  # sample rate field: 1 Hz
    wav.write_bytes(bytes(blob))
    _refused(run_cli("sessions", "import", wav), "below the lowest improv accepts (8000 Hz)")
    assert not list(store_path.glob("*/*"))  # no session, nothing staged


def test_a_midi_file_lasting_142_years_is_refused(run_cli, store_path, tmp_path):
    mid = mido.MidiFile(type=1, ticks_per_beat=1)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=0xFFFFFF),
                            mido.Message("note_on", note=60, velocity=90, time=0x0FFFFFFF),
                            mido.Message("note_off", note=60, time=1)])
    mid.tracks.append(track)
    mid.save(tmp_path / "long.mid")
    _refused(run_cli("sessions", "import", tmp_path / "long.mid"),
             "beyond the limit of 12 hours for a session")
    assert not list(store_path.glob("*/*"))


def test_sonic_visualiser_bom_header_and_huge_field(run_cli, sid, tmp_path):
    csv = tmp_path / "layer.csv"
    # (rows of 3 columns need SV's header row since 628405d: a BOM before it)
    csv.write_text("\ufefftime,duration,label\n1.0,0,first\n2.0,0,second\n", encoding="utf-8")
    r = run_cli("annotations", "import", sid, csv, "--json")
    assert r.exit_code == 0, r.stderr
    assert len(run_cli("annotations", "list", sid, "--json").json()) == 2
    csv.write_text("TIME,DURATION,LABEL\n3.0,0,third\n")
    assert run_cli("annotations", "import", sid, csv).exit_code == 0
    csv.write_text("time,duration,label\n1_0,0,x\n3.5,0,y\n")
    _refused(run_cli("annotations", "import", sid, csv), ": time and duration")
    csv.write_text("time,duration,label\n3.0,0," + "x" * 200_000 + "\n")
    _refused(run_cli("annotations", "import", sid, csv), "Sonic Visualiser file cannot be read")
    assert len(run_cli("annotations", "list", sid, "--json").json()) == 3


@pytest.mark.parametrize("time", ["1_0", "\uff11", "\u0661", "0x1", " "])
def test_label_times_are_ascii_decimals(run_cli, sid, tmp_path, time):
    labels = tmp_path / "labels.txt"
    labels.write_text(f"{time}\t{time}\thello\n", encoding="utf-8")
    _refused(run_cli("annotations", "import", sid, labels), "must be seconds")
    assert run_cli("annotations", "list", sid, "--json").json() == []


@pytest.mark.parametrize("command", ["notes", "annotations"])
def test_devices_and_fifos_are_not_read(run_cli, sid, tmp_path, command):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    for path, what in (("/dev/zero", "is a device"), (fifo, "is a pipe (FIFO)")):
        args = (("notes", sid, "--from", path) if command == "notes"
                else ("annotations", "import", sid, path))
        _refused(run_cli(*args), what)
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(17 * 1024 * 1024)
    args = (("notes", sid, "--from", big) if command == "notes"
            else ("annotations", "import", sid, big))
    _refused(run_cli(*args), "larger than the limit of 16 MB")


def test_file_names_with_tabs_and_line_breaks(run_cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    mid = write_midi(folder / "take\tone\n.mid")
    r = run_cli("sessions", "import", mid, "--json")
    assert r.exit_code == 0, r.stderr
    sid = r.json()["id"]
    ports = run_cli("sessions", "show", sid, "--json").json()["midi"]["ports"]
    assert [p["name"] for p in ports] == ["take one .mid"]
    assert run_cli("sessions", "verify", sid).exit_code == 0
