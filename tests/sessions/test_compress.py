"""Lossless FLAC for recorded audio: what is exact is compressed, nothing else changes."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from sessions import manifest as mf
from sessions.annotation_edits import add_annotation
from sessions.compress import compress_session, exact_depth
from sessions.errors import SessionFormatError
from sessions.verify import verify_folder
from tests.cli_status import Usage, exit_status
from tests.sessions.helpers import tree_snapshot

SR = 48000


def _signals(seconds: float = 6.0) -> dict[str, np.ndarray]:
    """Three inputs as a recorder would write them (float32): one from a 16-bit converter, one
    from a 24-bit converter (both exact steps), and one made in software (not exact)."""
    t = np.arange(int(seconds * SR)) / SR
    tone = 0.5 * np.sin(2 * np.pi * 220 * t) * np.exp(-((t % 1.0) * 3))  # notes that decay
    two = np.stack([tone, 0.3 * np.sin(2 * np.pi * 331 * t)], axis=1)
    return {
        "usb16": (np.round(two * 2**15) / 2**15).astype(np.float32),
        "iface24": (np.round(tone[:, None] * 2**23) / 2**23).astype(np.float32),
        "software": (0.1 * two).astype(np.float32),
    }


@pytest.fixture
def recorded(store):
    sig = _signals()
    w = store.create_session(client="C07", players=["client", "therapist"])
    for name, y in sig.items():
        a = w.add_audio_input(name, sr=SR, channels=y.shape[1],
                              players={"client": [1]}, t0=0.0)
        for i in range(0, len(y), 4800):
            a.write(y[i:i + 4800].copy())
    w.midi(1.0, player="client", port="Keys", data=bytes([0x90, 60, 100]))
    m = w.finalize(duration_s=6.0)
    return m["id"], sig


def test_exact_audio_becomes_flac_and_reads_back_the_same(store, recorded):
    sid, sig = recorded
    folder = store.folder(sid)
    before = {n: (folder / mf.AUDIO_DIR / f"{n}.wav").stat().st_size for n in sig}
    res = {r.name: r for r in compress_session(store, sid)}
    assert (res["usb16"].status, res["usb16"].bits) == ("compressed", 16)
    assert (res["iface24"].status, res["iface24"].bits) == ("compressed", 24)
    assert res["software"].status == "kept" and "not exact in 24 bits" in res["software"].reason
    s = store.session(sid)
    for name, y in sig.items():  # every reader gets the very same float32 samples
        assert np.array_equal(s.read_audio(name), y), name
    files = {a["name"]: a["file"] for a in s.manifest["audio"]}
    assert files == {"usb16": "audio/usb16.flac", "iface24": "audio/iface24.flac",
                     "software": "audio/software.wav"}
    assert not (folder / "audio/usb16.wav").exists() and not (folder / "audio/iface24.wav").exists()
    entry = next(a for a in s.manifest["audio"] if a["name"] == "iface24")
    assert entry["subtype"] == "PCM_24" and entry["compressed"]["from"] == "audio/iface24.wav"
    assert res["usb16"].bytes_after < 0.5 * before["usb16"]  # 16 of 32 bits, then FLAC
    assert res["iface24"].bytes_after < 0.75 * before["iface24"]
    assert verify_folder(folder)["ok"], verify_folder(folder)["problems"]
    for p in (folder / "audio").iterdir():  # health data: owner-only, as every file
        assert p.stat().st_mode & 0o777 == 0o600, p
    # a second run finds nothing to do
    again = {r.name: r.status for r in compress_session(store, sid)}
    assert again == {"usb16": "flac", "iface24": "flac", "software": "kept"}


def test_compressing_keeps_the_analysis_current(store, recorded):
    """Review 30: compressing changed the files' checksums, which key the analysis, so every
    compressed session was analysed again (hours on an archive) or exported without measures.
    The samples are the same, so the analysis keys are too; a later change to the recorded data
    still changes them."""
    from improv.analyze import analyze_session
    from improv.analyze.cache import default_keys

    sid, _sig = recorded
    analyze_session(store, sid, dialogue=True)
    before = default_keys(store.session(sid))
    compress_session(store, sid)
    s = store.session(sid)
    assert default_keys(s) == before
    entry = next(a for a in s.manifest["audio"] if a["name"] == "usb16")
    assert len(entry["compressed"]["sha256_from"]) == 64
    # a manifest whose note names another WAV checksum keys the analysis differently
    entry["compressed"]["sha256_from"] = "0" * 64
    from improv.analyze.cache import data_checksums

    assert data_checksums(s)["audio/usb16.wav"] == "0" * 64
    assert default_keys(s) != before


def test_an_annotation_saved_after_compressing_keeps_the_flac_in_the_manifest(store, recorded):
    """The annotation code rewrites the manifest (the SMF's checksum) from the file as it is now,
    under the manifest lock, so it cannot put the removed WAV back."""
    sid, _ = recorded
    compress_session(store, sid)
    add_annotation(store, sid, t=1.0, text="after compressing")
    s = store.session(sid)
    assert next(a["file"] for a in s.manifest["audio"] if a["name"] == "usb16").endswith(".flac")
    assert verify_folder(store.folder(sid))["ok"]


def test_dry_run_changes_nothing(store, recorded, store_path):
    sid, _ = recorded
    snap = tree_snapshot(store_path)
    res = {r.name: r.status for r in compress_session(store, sid, dry_run=True)}
    assert res == {"usb16": "compressed", "iface24": "compressed", "software": "kept"}
    assert tree_snapshot(store_path) == snap


def test_a_damaged_wav_is_not_compressed(store, recorded, store_path):
    sid, _ = recorded
    wav = store.folder(sid) / "audio/iface24.wav"
    data = bytearray(wav.read_bytes())
    data[-1] ^= 1  # one flipped bit in the last sample
    wav.write_bytes(bytes(data))
    snap = tree_snapshot(store_path)
    with pytest.raises(SessionFormatError, match="does not match its checksum"):
        compress_session(store, sid)
    assert tree_snapshot(store_path) == snap


def test_what_an_interrupted_run_leaves_is_cleaned_up(store, recorded):
    """Killed after the manifest named the FLAC but before the WAV was removed, and with a
    partial FLAC of another input: the next run removes both, and the session verifies."""
    sid, sig = recorded
    folder = store.folder(sid)
    keep = folder.parent / "usb16.wav.copy"
    shutil.copy2(folder / "audio/usb16.wav", keep)
    compress_session(store, sid)
    shutil.copy2(keep, folder / "audio/usb16.wav")  # the WAV a crash would have left
    (folder / "audio/.software.flac.partial").write_bytes(b"fLaC half")
    compress_session(store, sid)
    assert not (folder / "audio/usb16.wav").exists()
    assert not (folder / "audio/.software.flac.partial").exists()
    assert np.array_equal(store.session(sid).read_audio("usb16"), sig["usb16"])
    assert verify_folder(folder)["ok"]


def test_a_manifest_that_cannot_be_written_leaves_no_flac(store, recorded, store_path,
                                                          monkeypatch):
    """The FLAC is written, but the manifest that would name it cannot be (disk full, a
    read-only folder): the FLAC goes, the WAV stays the session's audio, the session verifies.
    A FLAC that a run killed at that moment left beside its WAV is removed by the next run,
    also for an input that stays WAV (float audio from software is never compressed)."""
    import sessions.compress as compress
    from sessions.errors import StoreWriteError

    sid, sig = recorded
    folder = store.folder(sid)
    snap = tree_snapshot(store_path)

    def full(path, obj):
        raise StoreWriteError(f"cannot write {path}: No space left on device")

    monkeypatch.setattr(compress, "atomic_write_json", full)
    with pytest.raises(StoreWriteError, match="No space left"):
        compress_session(store, sid)
    assert tree_snapshot(store_path) == snap
    assert verify_folder(folder)["ok"]
    monkeypatch.undo()
    stray = folder / "audio/software.flac"
    stray.write_bytes(b"fLaC written, manifest not")
    compress_session(store, sid)
    assert not stray.exists()
    assert next(a["file"] for a in store.session(sid).manifest["audio"]
                if a["name"] == "usb16") == "audio/usb16.flac"
    assert np.array_equal(store.session(sid).read_audio("usb16"), sig["usb16"])
    assert verify_folder(folder)["ok"]


def test_an_input_with_no_audio_is_kept_and_the_others_compressed(store):
    """A recording stopped at once leaves a header-only WAV: it is kept (libsndfile cannot
    open a FLAC without frames: the run crashed with a traceback on it, every time, and never
    reached the sessions after it)."""
    w = store.create_session(client="C07", players=["client"])
    w.add_audio_input("silent", sr=SR, channels=1, players={"client": [1]}, t0=0.0)
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"client": [1]}, t0=0.0)
    a.write((np.round(0.3 * np.sin(np.arange(SR) / 7.0) * 2**15) / 2**15).astype(np.float32))
    sid = w.finalize(duration_s=1.0)["id"]
    res = {r.name: r for r in compress_session(store, sid)}
    assert res["silent"].status == "kept" and "no audio" in res["silent"].reason
    assert res["mic"].status == "compressed" and res["mic"].bits == 16
    assert verify_folder(store.folder(sid))["ok"]


def test_exact_depth_of_edge_values(tmp_path):
    import soundfile as sf

    p = tmp_path / "x.wav"
    full = np.array([[-1.0], [(2**15 - 1) / 2**15], [0.0]], np.float32)
    sf.write(p, full, SR, subtype="FLOAT")
    assert exact_depth(p) == 16
    sf.write(p, np.array([[1.0]], np.float32), SR, subtype="FLOAT")  # +1.0 is out of range
    assert exact_depth(p) is None
    sf.write(p, np.array([[2.0**-23]], np.float32), SR, subtype="FLOAT")
    assert exact_depth(p) == 24


def test_cli_compress(run_cli, store, recorded):
    sid, _ = recorded
    r = run_cli("sessions", "compress", sid, "--dry-run")
    assert r.exit_code == 0 and "would compress to 16-bit FLAC" in r.stdout, r.stderr
    r = run_cli("sessions", "compress", "--all", "--json")
    assert r.exit_code == 0, r.stderr
    (out,) = json.loads(r.stdout)
    assert {i["name"]: i["status"] for i in out["inputs"]} == {
        "usb16": "compressed", "iface24": "compressed", "software": "kept"}
    assert run_cli("sessions", "verify", sid).exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["sessions", "compress"], Usage("give session IDs or --all")),
    (["sessions", "compress", "20990101-000000-0000"], "no session 20990101-000000-0000"),
])
def test_cli_compress_errors(run_cli, store_path, recorded, args, message):
    snap = tree_snapshot(store_path)
    r = run_cli(*args)
    assert r.exit_code == exit_status(message), r.stderr
    assert message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert tree_snapshot(store_path) == snap


def test_compress_all_names_the_session_it_stops_at(run_cli, store, recorded, tmp_path):
    """One damaged session among several: --all stops there and says which it is."""
    from tests.sessions.helpers import write_midi

    sid, _ = recorded
    other = run_cli("sessions", "import", write_midi(tmp_path / "x.mid"), "--json").json()["id"]
    wav = store.folder(sid) / "audio/iface24.wav"
    data = bytearray(wav.read_bytes())
    data[-1] ^= 1
    wav.write_bytes(bytes(data))
    r = run_cli("sessions", "compress", "--all", "--dry-run")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert f"error: session {sid}: " in r.stderr and "does not match its checksum" in r.stderr
    assert other != sid


def test_two_runs_at_once_compress_each_input_once(store, recorded):
    """The CLI and the web app compressing one session at the same time: the second run waits
    for the first (the session's audio folder is its lock), then finds the FLACs in place."""
    import threading

    sid, sig = recorded
    out: list = []
    runs = [threading.Thread(target=lambda: out.append(compress_session(store, sid)))
            for _ in range(2)]
    for r in runs:
        r.start()
    for r in runs:
        r.join(60)
    assert len(out) == 2
    statuses = sorted(tuple(r.status for r in res) for res in out)
    assert statuses == [("compressed", "compressed", "kept"), ("flac", "flac", "kept")]
    s = store.session(sid)
    for name, y in sig.items():
        assert np.array_equal(s.read_audio(name), y)
    assert verify_folder(store.folder(sid))["ok"]


@pytest.mark.parametrize("field, value, message", [
    ("file", "../../../victim/outside.wav", "'file' must name a file inside the session folder"),
    ("file", "/tmp/outside.wav", "'file' must name a file inside the session folder"),
    ("from", "../../victim/x.wav", "'compressed' must name a file inside the session folder"),
    ("client", "../../pwnd", "'client' must be a pseudonym code"),
    ("player", "../x", "a player's name must be 1-32 letters"),
])
def test_a_copied_in_folder_cannot_point_outside_itself(store, recorded, tmp_path, run_cli,
                                                         field, value, message):
    """``Copying the folder moves the session``: a copied-in manifest is checked before any of
    its paths are opened (compress would write beside such a file and delete it) or its codes
    become file names (compare --plot, --export)."""
    sid, _ = recorded
    folder = store.folder(sid)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "outside.wav").write_bytes(b"not the store's")
    m = json.loads((folder / mf.MANIFEST).read_text())
    if field == "file":
        m["checksums"][value] = m["checksums"].pop(m["audio"][0]["file"])
        m["audio"][0]["file"] = value
    elif field == "from":
        m["audio"][0]["compressed"] = {"from": value, "utc": "2026-01-01T00:00:00Z", "bits": 16}
    elif field == "client":
        m["client"] = value
    else:
        m["players"][0]["name"] = value
    (folder / mf.MANIFEST).write_text(json.dumps(m))
    before = tree_snapshot(tmp_path)
    with pytest.raises(SessionFormatError, match=message):
        compress_session(store, sid)
    report = verify_folder(folder)
    assert not report["ok"] and any(message in p for p in report["problems"])
    res = store.reindex()
    assert sid in [s for s, _ in res["skipped"]]
    assert tree_snapshot(tmp_path) == before
