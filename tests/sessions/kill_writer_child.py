"""Child process for the SIGKILL test: writes a known pattern until killed.

MIDI event i carries i in its bytes (note = i % 128, velocity = (i // 128) % 128,
plus t = i * 0.001); audio frame n has the value n (exact in float32 below
2**24).  Every 20 ms it prints "<monotonic> <events queued> <frames queued>".
"""

import sys
import time

import numpy as np

from sessions.store import Store

store = Store(sys.argv[1])
w = store.create_session(client="C99", players=["client", "therapist"], flush_interval=0.5)
a = w.add_audio_input("mic", sr=48000, channels=2, players={"client": [1], "therapist": [2]})
print(w.id, flush=True)
i = 0
n = 0
block = 480
next_report = 0.0
while True:
    for _ in range(5):
        w.midi(i * 0.001, player="client", port="Keyboard",
               data=bytes([0x90, i % 128, (i // 128) % 128]), delta_s=0.001)
        i += 1
    frames = np.arange(n, n + block, dtype=np.float32)
    a.write(np.stack([frames, -frames], axis=1))
    if n % 48000 == 0:
        a.anchor(frame=n, t=n / 48000)
    n += block
    if i % 50 == 0:
        w.marker(i * 0.001, text=f"m{i}")
    now = time.monotonic()
    if now >= next_report:
        print(f"{now:.6f} {i} {n}", flush=True)
        next_report = now + 0.02
    time.sleep(0.002)
