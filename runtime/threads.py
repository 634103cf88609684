"""CPU threads for training: the ``threads`` setting (0 = auto) applied to torch's intra-op pool.

Why auto is not torch's default (one thread per core): torch's OpenMP threads spin and meet at a
barrier after every operator, so on a machine whose cores are busy with other work each barrier
waits for a descheduled thread, and small models slow down by one to two orders of magnitude
(bench/threads.py measures it; docs/training.md has the figures). Auto gives the run one thread per
core that is idle when it starts (measured from /proc/stat over a few tens of milliseconds), at
least one, and respects OMP_NUM_THREADS when the user set it.
"""
from __future__ import annotations

import os
import time

SAMPLE_S = 0.05


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies of all CPUs, or None where /proc/stat is not there."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return idle, sum(fields[:8])


def idle_cores(sample_s: float = SAMPLE_S) -> float:
    """How many cores are idle right now (sampled over ``sample_s``); the load average where
    /proc/stat is missing."""
    cores = usable_cores()
    first = _cpu_times()
    if first is None:
        try:
            return max(0.0, cores - os.getloadavg()[0])
        except (AttributeError, OSError):
            return float(cores)
    time.sleep(sample_s)
    second = _cpu_times()
    total = second[1] - first[1]
    if total <= 0:
        return float(cores)
    share = (second[0] - first[0]) / total
    return share * (os.cpu_count() or cores)


def auto_threads() -> int:
    """One thread per idle core (at least 1, at most the usable cores); OMP_NUM_THREADS if set."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(usable_cores(), int(idle_cores() + 0.25)))


def apply_threads(setting) -> int:
    """Set torch's intra-op threads from the ``threads`` setting (0 or "auto": :func:`auto_threads`);
    returns the number used."""
    import torch

    n = auto_threads() if setting in (0, None, "auto") else max(1, int(setting))
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n
