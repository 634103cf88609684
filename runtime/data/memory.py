"""A long-dependency sequence task: remember the first step.

Each sample is a sequence of T steps of one feature. The first step is +1 or -1 (the class:
"+1" or "-1"); every later step is Gaussian noise of standard deviation ``noise`` that says
nothing about the class. A model reading the whole sequence and answering at the end must carry
one bit across T - 1 steps: the course's test of whether a recurrent cell keeps its gradients
alive over long spans (a plain RNN's vanish; an LSTM's or a GRU's cell keeps them).
Seeded: the same settings give the same samples and splits.
"""
from __future__ import annotations

import numpy as np
import torch

from .base import Dataset, Split
from .fit import shape_mismatch
from .prep import make_splits, seed_of

CLASSES = ["-1", "+1"]


def memory_sequences(samples: int, steps: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x float32 (samples, steps, 1) and y int64 (samples,): the class is the first step's sign."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, samples)
    x = rng.normal(0.0, noise, (samples, steps, 1)).astype(np.float32)
    x[:, 0, 0] = np.where(y == 1, 1.0, -1.0)
    return x, y.astype(np.int64)


def load_memory(settings: dict, input_shape=None, progress=None) -> Dataset:
    steps = settings["steps"] or 64  # 0: the model's steps
    if input_shape is not None:
        shape = tuple(int(v) for v in input_shape)
        if len(shape) != 2 or shape[1] != 1 or (settings["steps"] and shape[0] != steps):
            raise shape_mismatch("sequences", "long-memory", (steps, 1), shape,
                                 f"use a sequence input of {steps} steps x 1 feature")
        steps = shape[0]
    samples, noise = settings["samples"], settings["noise"]
    x, y = memory_sequences(samples, steps, noise, seed_of(settings))
    parts = make_splits(x, y, settings)
    splits = [Split(torch.from_numpy(np.ascontiguousarray(a)), torch.from_numpy(b)) for a, b in parts]
    return Dataset(name="long-memory", title=f"Remember the first of {steps} steps", targets="classes",
                   input_shape=(steps, 1), classes=list(CLASSES), train=splits[0], val=splits[1], test=splits[2],
                   normalization=None, source=f"synthetic: {samples} sequences of {steps} steps; the class is the "
                   f"sign of the first step, the other steps are noise (std {noise:g})", extras={"steps": steps},
                   split=parts.plan, rows=parts.rows)
