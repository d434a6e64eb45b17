"""What hearing every player costs: rendering the MIDI players, and mixing them with a recording.

Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_mix.py [--minutes 10]

Builds a session in a temporary store: a microphone (mono, 48 kHz, noise bursts) for the
therapist and a keyboard for the client (a note every 0.25 s), ``--minutes`` long. Prints
the time of the first rendering of the keyboard (FluidSynth, cached afterwards), of
``render --mix`` writing the whole mix, and of the web player's Range reads (the mix of one
second, made on request, at ten places through the session).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
SR = 48000


def main(argv: list[str] | None = None) -> int:
    from improv.playback.mix import mix_length, session_mix, wav_bytes, wav_size, write_mix
    from sessions.store import Store

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args(argv)
    seconds = args.minutes * 60
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "store") as store:
        w = store.create_session(client="C01", players=["client", "therapist"])
        a = w.add_audio_input("mic", sr=SR, channels=1, players={"therapist": [1]}, t0=0.0)
        for _ in range(int(seconds)):
            a.write((rng.standard_normal((SR, 1)) * 0.05).astype(np.float32))
        w.add_midi_input("Keys", player="client")
        for k in range(int(seconds * 4)):
            w.midi(k * 0.25, player="client", port="Keys", data=bytes([0x90, 48 + k % 24, 90]))
            w.midi(k * 0.25 + 0.2, player="client", port="Keys", data=bytes([0x80, 48 + k % 24, 0]))
        sid = w.finalize(duration_s=seconds)["id"]
        session = store.session(sid)
        t = time.perf_counter()
        m = session_mix(session)
        t_render = time.perf_counter() - t
        t = time.perf_counter()
        write_mix(m, to=Path(tmp) / "mix.wav", duration=mix_length(m, duration=seconds))
        t_mix = time.perf_counter() - t
        size = wav_size(m, duration=seconds)
        one_s = SR * 2 * 2
        reads = []
        for start in np.linspace(44, size - one_s - 1, 10).astype(int):
            t = time.perf_counter()
            n = sum(len(b) for b in wav_bytes(m, duration=seconds, start=int(start),
                                              end=int(start) + one_s - 1))
            reads.append(time.perf_counter() - t)
            assert n == one_s
        t = time.perf_counter()
        session_mix(session)
        t_cached = time.perf_counter() - t
    print(f"session: {args.minutes:g} min, a microphone and a keyboard ({int(seconds * 4)} notes)")
    print(f"first rendering of the keyboard (FluidSynth): {t_render:.1f} s "
          f"({seconds / t_render:.0f}x real time); later (cached): {t_cached * 1000:.0f} ms")
    print(f"render --mix, the whole mix as 32-bit WAV: {t_mix:.1f} s "
          f"({seconds / t_mix:.0f}x real time)")
    print(f"web player, one second of the mix (16-bit) at 10 places: median "
          f"{np.median(reads) * 1000:.1f} ms, max {max(reads) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
