"""Building hostile session folders for the hostile-folder suite (issue 21).

A hostile folder is a copy of a good session under a new ID, edited the way a user who copies
folders between machines (or an attacker) might: links to files outside the store, malformed
manifest fields, a broken journal, bad bytes in the notes.  :func:`copy_session` makes the
copy, the ``mutate_*`` functions break it, and :func:`check_store` runs the commands over the
store and checks what every command must keep: exit 0 or 1 with a one-line message, no
traceback, the canary outside the store unchanged, the good session listed and usable.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

MANIFEST = "session.json"


def copy_session(store: Path, sid: str, new_id: str) -> Path:
    """Copy session ``sid`` of ``store`` to a folder named ``new_id`` (manifest ID too)."""
    src = store / "sessions" / sid
    dst = store / "sessions" / new_id
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".lock", "cache"))
    m = json.loads((dst / MANIFEST).read_text())
    m["id"] = new_id
    (dst / MANIFEST).write_text(json.dumps(m))
    return dst


def import_good(run, folder: Path) -> str:
    """Import the good session (MIDI and a short 8 kHz WAV, client C07); returns its ID."""
    from tests.sessions.helpers import write_audio, write_midi

    mid = write_midi(folder / "a.mid", tracks={"keys": [(0.0, 0, 60, 80), (1.0, 0, 62, 80)]})
    wav = folder / "mic.wav"
    write_audio(wav, seconds=0.5, sr=8000)
    r = run("sessions", "import", mid, wav, "--client", "C07", "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()["id"]


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# values a hostile manifest field may take
HOSTILE_VALUES = [
    5, -1, 0, 1e308, -1e-9, True, None, "x", "", "\x00", "../../../etc/passwd", "/etc/passwd",
    [], {}, [1, 2], {"file": 5}, {"a": []}, "20261127-093012-3fa2", "é" * 300,
    [[[[[]]]]], float("nan"), 2**70, "C07\nC08", {"name": "x", "file": "../x"},
]


def _paths(obj, prefix=()):
    """Every (path of keys, value) in a JSON document."""
    yield prefix, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


def mutate_manifest(folder: Path, rng: random.Random) -> str:
    """Change one field of the manifest (or its bytes) at random; returns what was done."""
    path = folder / MANIFEST
    raw = path.read_bytes()
    choice = rng.random()
    if choice < 0.15:  # byte damage
        pos = rng.randrange(len(raw))
        path.write_bytes(raw[:pos] + bytes([rng.choice([0xFF, 0x00, 0x7B, 0x5B, 0x22])])
                         + raw[pos + 1:])
        return f"byte at {pos}"
    if choice < 0.2:
        path.write_bytes(b"[" * rng.choice([1000, 100_000]))
        return "deep nesting"
    m = json.loads(raw)
    paths = [p for p, _ in _paths(m) if p and p != ("id",)]
    where = rng.choice(paths)
    parent = m
    for key in where[:-1]:
        parent = parent[key]
    if rng.random() < 0.2:
        del parent[where[-1]]
        what = f"deleted {where}"
    else:
        value = rng.choice(HOSTILE_VALUES)
        parent[where[-1]] = value
        what = f"{where} = {value!r:.40}"
    path.write_text(json.dumps(m))
    return what


JOURNAL_KINDS = ["anchor", "gap", "overflow", "count", "warnings", "stop", None, 5]
JOURNAL_FIELDS = ["t", "frame", "frames", "input", "count", "n", "name", "messages"]


def interrupt(folder: Path) -> None:
    """Make a copied session look like one whose recorder died: the ``RECORDING`` flag and
    its audio as the recorder's journals (imported WAVs are not)."""
    import soundfile as sf

    from sessions.wavjournal import WavJournal

    for a in json.loads((folder / MANIFEST).read_text())["audio"]:
        path = folder / a["file"]
        data, sr = sf.read(path, dtype="float32", always_2d=True)
        path.unlink()
        journal = WavJournal(path, sr=sr, channels=data.shape[1])
        journal.write(data)
        journal.flush()
        journal._file.close()  # killed: the header never learns the frame count
    (folder / "RECORDING").write_text("1\n")


def mutate_journal(folder: Path, rng: random.Random) -> str:
    """Flag the copy as an interrupted recording and add malformed journal entries."""
    interrupt(folder)
    m = json.loads((folder / MANIFEST).read_text())
    inputs = [a["name"] for a in m.get("audio", [])] or ["mic"]
    lines = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.1:
            lines.append(rng.choice(["{", "[]", "5", '"x"', "[" * 5000, "\udcff"]))
            continue
        entry = {"kind": rng.choice(JOURNAL_KINDS), "input": rng.choice(inputs)}
        for field in rng.sample(JOURNAL_FIELDS, rng.randint(0, 4)):
            entry[field] = rng.choice(HOSTILE_VALUES[:20] + [1.5, 10])
        lines.append(json.dumps(entry))
    with open(folder / "journal.jsonl", "a", encoding="utf-8", errors="surrogateescape") as f:
        f.write("\n".join(lines) + "\n")
    return f"journal {lines!r:.80}"


def mutate_notes(folder: Path, rng: random.Random) -> str:
    """Bad bytes or malformed history in the notes."""
    blob = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
    if rng.random() < 0.5:
        (folder / "notes.md").write_bytes(blob)
        return f"notes.md {blob!r:.40}"
    (folder / "notes.history.jsonl").write_bytes(blob + b"\n")
    return f"notes history {blob!r:.40}"


def random_labels(rng: random.Random) -> str:
    """Audacity-like label text, mostly broken."""
    times = ["1", "1.5", "1_0", "１", "١", "1e3", "nan", "inf", "-1", "", "0x10", "2.0",
             "\ufeff0.5", "9" * 400]
    rows = []
    for _ in range(rng.randint(1, 5)):
        rows.append("\t".join([rng.choice(times), rng.choice(times),
                               rng.choice(["hello", "", "x" * 10, "\x00", "a\tb"])]))
    return "\n".join(rows) + rng.choice(["\n", ""])


def sane(result, *, what: str) -> None:
    """Exit 0 or 1, no traceback; a failure says one ``error:`` line (after any warnings)."""
    assert result.exit_code in (0, 1), (what, result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr, (what, result.stderr)
    lines = result.stderr.strip().splitlines()
    # every line a sentence of its own (warnings, "recovered ..."), none an indented dump
    assert not any(line[:1].isspace() for line in lines), (what, lines)
    if result.exit_code == 1:
        assert sum(line.startswith("error: ") for line in lines) <= 1, (what, lines)
        assert lines, what


def check_store(run_cli, *, good: str, bad: str, canary: Path, canary_digest: str,
                out: Path, what: str) -> list[str]:
    """Run the commands over a store with a hostile session ``bad``; assert the rules.

    Returns the commands that failed (exit 1) on the hostile session.
    """
    failed = []
    for args in (("sessions", "list", "--json"), ("sessions", "show", bad),
                 ("sessions", "verify", "--all", "--json"), ("sessions", "reindex"),
                 ("sessions", "export", bad, "--to", out / f"{bad}.zip"),
                 ("notes", bad, "--show")):
        r = run_cli(*args)
        sane(r, what=f"{what}: {' '.join(map(str, args))}")
        if r.exit_code:
            failed.append(args[1])
    listed = run_cli("sessions", "list", "--json")
    sane(listed, what=f"{what}: list")
    assert listed.exit_code == 0, (what, listed.stderr)
    rows = {row["id"]: row for row in listed.json()}
    assert good in rows and rows[good]["client"] == "C07", (what, rows.keys())
    shown = run_cli("sessions", "show", good, "--json")
    assert shown.exit_code == 0 and shown.json()["id"] == good, (what, shown.stderr)
    verified = run_cli("sessions", "verify", good, "--json")
    assert verified.exit_code == 0, (what, verified.stdout, verified.stderr)
    assert digest(canary) == canary_digest, what
    return failed
