"""Training throughput by CPU thread count, on an idle machine and with a competing load:
``python bench/threads.py``.

Each setting trains the same small models (a 784-256-10 MLP and LeNet-5, batch 128) in a fresh
process with the runtime's own thread choice (`runtime.threads.apply_threads`): 1 thread, torch's
default (one per core) and NetCanvas' default ("auto"). The competing load is one busy process
per core, started by this script. Figures (samples per second, median of the repetitions):

  bench: <model> <load> threads=<n> = N samples/s
  bench: <model> busy default / best = R x      (the default must be within 10% of the best)
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
setting, model_name, seconds = sys.argv[2], sys.argv[3], float(sys.argv[4])
from runtime.threads import apply_threads
used = apply_threads(setting if setting == "auto" else int(setting))
import torch
torch.manual_seed(0)
if model_name == "mlp":
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
else:
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(400, 120), torch.nn.ReLU(), torch.nn.Linear(120, 84), torch.nn.ReLU(), torch.nn.Linear(84, 10))
opt = torch.optim.Adam(model.parameters(), 1e-3)
x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
for _ in range(5):
    opt.zero_grad(); torch.nn.functional.cross_entropy(model(x), y).backward(); opt.step()
steps, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < seconds:
    opt.zero_grad(set_to_none=True)
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    steps += 1
print(json.dumps({"threads": used, "samples_per_s": steps * 128 / (time.perf_counter() - t0)}))
"""


def measure(setting: str, model: str, seconds: float = 3.0) -> tuple[int, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS")}
    runs = []
    for _ in range(REPEATS):
        out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), setting, model, str(seconds)],
                             capture_output=True, text=True, env=env, check=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return runs[0]["threads"], statistics.median(r["samples_per_s"] for r in runs)


def busy_load(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def main() -> int:
    cores = os.cpu_count() or 1
    settings = ["1", str(cores), "auto"] if cores > 1 else ["1", "auto"]
    print(f"{cores} cores; settings: 1 thread, torch's default ({cores}), NetCanvas' auto", flush=True)
    for model in ("mlp", "lenet5"):
        results = {}
        for load in ("idle", "busy"):
            procs = busy_load(cores) if load == "busy" else []
            try:
                time.sleep(0.5 if procs else 0)
                for setting in settings:
                    used, rate = measure(setting, model)
                    results[(load, setting)] = rate
                    label = "auto" if setting == "auto" else setting
                    print(f"bench: {model} {load} threads={label} (uses {used}) = {rate:,.0f} samples/s", flush=True)
            finally:
                for p in procs:
                    p.kill()
                for p in procs:
                    p.wait()
        best = max(results[("busy", s)] for s in settings)
        print(f"bench: {model} busy default / best = {results[('busy', 'auto')] / best:.2f} x")
        best_idle = max(results[("idle", s)] for s in settings)
        print(f"bench: {model} idle default / best = {results[('idle', 'auto')] / best_idle:.2f} x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
