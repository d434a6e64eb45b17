"""Compiled loop of the multi-agent beat tracker (:mod:`analysis.beatroot`).

The agents walk through the events in time order; each event is offered to every live agent
(Dixon 2001, section 4; the rules and constants are described in :mod:`analysis.beatroot`).
Agents live in fixed-capacity arrays: a new agent (a seed or a fork) takes a free slot, or
the slot of the lowest-scoring agent if its score is lower than the newcomer's (the pruning
that bounds the work to ``events x capacity``). Each agent's beats are a chain of nodes
(event index, previous node, beat period at the event) shared between an agent and its forks.
A stretch of playing ends when every agent has expired; agents are then seeded again, and
the best agent of every stretch is returned. Imported lazily; :mod:`analysis._kernels` sets
numba's on-disk cache first.
"""

from __future__ import annotations

import numpy as np

from ._kernels import numba

__all__ = ["track_agents"]


@numba.njit(cache=True, nogil=True)
def _new_slot(alive, score, new_score):  # pragma: no cover - compiled
    """A free slot, else the lowest-scoring agent's if lower than ``new_score``, else -1."""
    worst, worst_s = -1, np.inf
    for a in range(alive.size):
        if not alive[a]:
            return a
        if score[a] < worst_s:
            worst, worst_s = a, score[a]
    return worst if worst_s < new_score else -1


@numba.njit(cache=True, nogil=True)
def _drop_duplicates(alive, changed, period, pred, score, dup_period,
                     dup_phase):  # pragma: no cover - compiled
    """Of two agents with the same period and phase, the lower-scoring one ends (each agent
    that changed at this event against all others)."""
    for a in range(alive.size):
        if not (alive[a] and changed[a]):
            continue
        for b in range(alive.size):
            if b == a or not alive[b]:
                continue
            if abs(period[a] - period[b]) < dup_period and abs(pred[a] - pred[b]) < dup_phase:
                if score[b] < score[a] or (score[b] == score[a] and b > a):
                    alive[b] = False
                else:
                    alive[a] = False
                    break


@numba.njit(cache=True, nogil=True)
def track_agents(times, sal, hyp, startup, cap, pre, post, inner, corr, max_change,
                 expiry, dup_period, dup_phase, nodes_cap):  # pragma: no cover - compiled
    """Run the agents; return the chain heads of the best agent of each stretch of playing
    (a stretch ends when no agent is left), the node arrays and the summed best scores
    (heads empty and score -1 when ``nodes_cap`` was too small)."""
    n = times.size
    period = np.zeros(cap)
    init = np.zeros(cap)
    pred = np.zeros(cap)
    last = np.zeros(cap)
    score = np.zeros(cap)
    alive = np.zeros(cap, dtype=np.bool_)
    head = np.full(cap, -1, dtype=np.int64)
    node_ev = np.empty(nodes_cap, dtype=np.int64)
    node_prev = np.empty(nodes_cap, dtype=np.int64)
    node_per = np.empty(nodes_cap)
    nn = 0
    best_head, best_score = -1, -np.inf
    heads = np.full(n + 1, -1, dtype=np.int64)  # the best agent of each stretch of playing
    n_heads = 0
    total = 0.0
    seed_until = times[0] + startup if n else 0.0
    changed = np.zeros(cap, dtype=np.bool_)
    for i in range(n):
        t = times[i]
        changed[:] = False
        for a in range(cap):  # expiry, missed beats, acceptance (forks go to new slots)
            if not alive[a]:
                continue
            if t - last[a] > expiry:
                alive[a] = False
                if score[a] > best_score:
                    best_score, best_head = score[a], head[a]
                continue
            lo, hi = pre * init[a], post * init[a]
            if pred[a] + hi < t:
                pred[a] += np.ceil((t - hi - pred[a]) / period[a]) * period[a]
            if t < pred[a] - lo or t > pred[a] + hi:
                continue
            err = t - pred[a]
            gain = (1.0 - 0.5 * (err / hi if err > 0 else -err / lo)) * sal[i]
            if abs(err) > inner:  # fork: a copy that lets this event pass
                b = _new_slot(alive, score, score[a])
                if b >= 0 and b != a:
                    period[b], init[b], pred[b] = period[a], init[a], pred[a]
                    last[b], score[b], head[b] = last[a], score[a], head[a]
                    alive[b] = True
            if abs(init[a] - period[a] - err / corr) < max_change * init[a]:
                period[a] += err / corr
            if nn == nodes_cap:
                return heads[:0], node_ev, node_prev, node_per, -1.0
            node_ev[nn], node_prev[nn], node_per[nn] = i, head[a], period[a]
            head[a] = nn
            nn += 1
            pred[a] = t + period[a]
            last[a] = t
            score[a] += gain
            changed[a] = True
        any_alive = False
        for a in range(cap):
            any_alive = any_alive or alive[a]
        if not any_alive:  # nobody follows: seed again from here (a new stretch of playing)
            if best_head >= 0:
                heads[n_heads] = best_head
                n_heads += 1
                total += best_score
            best_head, best_score = -1, -np.inf
            seed_until = t + startup
        if t <= seed_until:
            for h in range(hyp.size):
                b = _new_slot(alive, score, sal[i])
                if b < 0:
                    break
                period[b], init[b], pred[b], last[b] = hyp[h], hyp[h], t + hyp[h], t
                score[b] = sal[i]
                if nn == nodes_cap:
                    return heads[:0], node_ev, node_prev, node_per, -1.0
                node_ev[nn], node_prev[nn], node_per[nn] = i, -1, hyp[h]
                head[b] = nn
                nn += 1
                alive[b] = True
                changed[b] = True
        _drop_duplicates(alive, changed, period, pred, score, dup_period, dup_phase)
    for a in range(cap):
        if alive[a] and score[a] > best_score:
            best_score, best_head = score[a], head[a]
    if best_head >= 0:
        heads[n_heads] = best_head
        n_heads += 1
        total += best_score
    return heads[:n_heads], node_ev[:nn], node_prev[:nn], node_per[:nn], total
