"""Truth tables from the course: the perceptron's AND and the XOR a single perceptron cannot learn.

The course (Practical Exercises 01, Exercise 01) writes AND with inputs and target in {-1, 1}
and a sign activation:

    e1  e2   d
     1   1   1
    -1   1  -1
    -1  -1  -1
     1  -1  -1

XOR uses the same encoding (d = 1 when exactly one input is 1). ``encoding: "binary"`` uses
{0, 1} instead. By default the target is a class id (classes "-1" and "1", or "0" and "1");
``targets: "values"`` gives the raw target as a float (N, 1) for a single sign/tanh neuron
trained as regression. The table is tiny, so train, val and test are all the whole table.
"""
from __future__ import annotations

import torch

from .base import Dataset, Split
from .fit import shape_mismatch

COURSE_AND = [((1, 1), 1), ((-1, 1), -1), ((-1, -1), -1), ((1, -1), -1)]  # row order of the handbook
COURSE_XOR = [((1, 1), -1), ((-1, 1), 1), ((-1, -1), -1), ((1, -1), 1)]


def truth_table(name: str, encoding: str = "signed") -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (4, 2) and targets (4,) as floats in the chosen encoding."""
    rows = COURSE_AND if name == "and" else COURSE_XOR
    x = torch.tensor([r[0] for r in rows], dtype=torch.float32)
    d = torch.tensor([r[1] for r in rows], dtype=torch.float32)
    if encoding == "binary":
        x, d = (x + 1) / 2, (d + 1) / 2
    return x, d


def load_logic(settings: dict, input_shape=None, progress=None) -> Dataset:
    name, encoding, targets = settings["name"], settings["encoding"], settings["targets"]
    if input_shape is not None and tuple(input_shape) != (2,):
        raise shape_mismatch("feature vectors", name, (2,), input_shape, "set the feature input to 2 features")
    x, d = truth_table(name, encoding)
    low = "-1" if encoding == "signed" else "0"
    if targets == "classes":
        y, classes = (d > d.min()).long(), [low, "1"]
    else:
        y, classes = d[:, None], None
    title = {"and": "AND (perceptron table)", "xor": "XOR"}[name]
    split = Split(x, y)
    return Dataset(name=name, title=title, targets=targets, input_shape=(2,), classes=classes,
                   train=split, val=Split(x.clone(), y.clone()), test=Split(x.clone(), y.clone()),
                   normalization=None, source=f"the course's {name.upper()} truth table, "
                   f"{encoding} encoding (Practical Exercises 01)", extras={"encoding": encoding},
                   split={"method": "truth table", "test": "the whole truth table (four rows: it is the "
                          "complete problem, so there is no unseen row to hold out)"})
