"""bench/gpu.py runs every path it measures (on the CPU here, with a few hundred samples), so the
figures can be taken in one command on a GPU machine."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_bench_runs_its_paths_on_the_cpu():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu.py"), "--device", "cpu", "--smoke",
                          "--only", "lenet5", "--only", "vae", "--variants", "fp32"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [line for line in out.stdout.splitlines() if line.startswith("bench: ")]
    names = [line.split(" = ")[0] for line in lines]
    assert names == ["bench: gpu lenet5 fp32 wall", "bench: gpu lenet5 fp32 training", "bench: gpu lenet5 fp32 samples/s",
                     "bench: gpu lenet5 fp32 test accuracy", "bench: gpu vae fp32 wall", "bench: gpu vae fp32 training",
                     "bench: gpu vae fp32 samples/s", "bench: gpu vae fp32 test -ELBO"]
    assert all(float(line.split(" = ")[1].split()[0].rstrip("%").replace(",", "")) > 0 for line in lines)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="a GPU is here: the bench would run")
def test_gpu_bench_says_so_without_a_gpu():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu.py"), "--device", "cuda"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0 and "bench: gpu = not measured" in out.stdout
