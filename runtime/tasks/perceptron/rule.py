"""The perceptron rule itself, in exact fractions and without torch (the course's Practical Exercises 01,
Exercise 01); the editor's Perceptron tab steps it by hand.

One unit with two inputs and the sign activation (sign(0) = -1), trained one sample at a time:
s = w.e + b, y = sign(s), then w <- w + eta (d - y) e and b <- b + eta (d - y). The rule runs in
exact fractions (as a hand computation does), so a weighted sum that is 0 on paper is 0 here;
training.py runs it inside the usual loop.
"""
from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from ..declaration import TaskError

SECTION = "perceptron"  # this task's settings section (eta, the starting weights, the sample order)
VIEW = "rule"  # the editor view its samples events go to


def rule_settings(plan):
    """The rule's settings of a run plan (the section this task declares)."""
    return plan.section(SECTION)


TRACE_LIMIT = 2000  # presentations kept in the trace (events and history); the counts go on
SEPARABILITY_LIMIT = 50  # the exact line-separability test is cubic in the points: larger sets are not tested


def _exact(value: float) -> Fraction:
    """A float as the decimal a person typed (0.1 -> 1/10; float32 data read to 7 digits)."""
    return Fraction(f"{float(value):.7g}") if isinstance(value, float) else Fraction(value)


def _number(value: Fraction) -> float | int:
    return int(value) if value.denominator == 1 else float(value)


def line_text(w1: float, w2: float, b: float) -> str:
    """The separating line w1 e1 + w2 e2 + b = 0 as text ("0.2 e1 + 0.1 e2 - 0.2 = 0")."""
    if w1 == 0 and w2 == 0:
        return "no line (w1 = w2 = 0)"

    def term(value: float, name: str, first: bool) -> str:
        text = f"{abs(round(value, 6)):g}{(' ' + name) if name else ''}"
        if first:
            return text if value >= 0 else f"-{text}"
        return f"{'+' if value >= 0 else '-'} {text}"
    terms = [(v, n) for v, n in ((w1, "e1"), (w2, "e2"), (b, "")) if v != 0]
    return " ".join(term(v, n, i == 0) for i, (v, n) in enumerate(terms)) + " = 0"


class PerceptronRule:
    """The perceptron rule on a small table: ``x`` rows of inputs, ``d`` targets in {-1, +1}.

    ``order`` "fixed" presents the rows in the table's order every epoch, "shuffled" in a new
    order each epoch drawn from ``seed``. ``trace`` holds one record per presentation: epoch,
    sample (1-based row), e, d, s, y, error (d - y), the new w and b, changed."""

    def __init__(self, x, d, w, b: float, eta: float, order: str = "fixed", seed: int = 0):
        self.x = [tuple(_exact(v) for v in row) for row in x]
        self.d = [1 if float(v) > 0 else -1 for v in d]
        if not self.x or len(self.x) != len(self.d):
            raise ValueError("the perceptron needs at least one sample and one target per sample")
        self.w = [_exact(v) for v in w]
        if len(self.w) != len(self.x[0]):
            raise ValueError(f"{len(self.w)} starting weights for {len(self.x[0])} inputs")
        self.b, self.eta = _exact(b), _exact(eta)
        self.order, self._random = order, random.Random(seed)
        self.trace: list[dict[str, Any]] = []
        self.presented = self.updates = 0  # presentations, and those that changed the weights
        self.epoch = 0  # epochs started
        self.epoch_changes = 0  # changes in the current epoch
        self.converged = False
        self._queue: list[int] = []

    @property
    def weights(self) -> tuple[list[float], float]:
        return [float(v) for v in self.w], float(self.b)

    @property
    def epoch_done(self) -> bool:
        """The current epoch presented every sample (or none started yet)."""
        return not self._queue

    def output(self, e) -> tuple[Fraction, int]:
        """s = w.e + b and y = sign(s) for the inputs ``e``."""
        s = sum((wi * ei for wi, ei in zip(self.w, e)), self.b)
        return s, 1 if s > 0 else -1

    def step(self) -> dict[str, Any] | None:
        """Present the next sample and apply the rule; None once converged."""
        if self.converged:
            return None
        if not self._queue:
            self.epoch += 1
            self.epoch_changes = 0
            self._queue = list(range(len(self.x)))
            if self.order == "shuffled":
                self._random.shuffle(self._queue)
        i = self._queue.pop(0)
        e, d = self.x[i], self.d[i]
        s, y = self.output(e)
        error = d - y
        if error:
            step = self.eta * error
            self.w = [wi + step * ei for wi, ei in zip(self.w, e)]
            self.b += step
            self.updates += 1
            self.epoch_changes += 1
        self.presented += 1
        record = {"epoch": self.epoch, "sample": i + 1, "e": [_number(v) for v in e], "d": d, "s": float(s),
                  "y": y, "error": error, "w": [float(v) for v in self.w], "b": float(self.b), "changed": bool(error)}
        if len(self.trace) < TRACE_LIMIT:
            self.trace.append(record)
        if not self._queue and not self.epoch_changes:
            self.converged = True
        return record

    def run_epoch(self) -> list[dict[str, Any]]:
        """Present the rest of the current epoch (a whole new one when the last one is done)."""
        out = [self.step()]
        while out[-1] is not None and not self.epoch_done:
            out.append(self.step())
        return [r for r in out if r is not None]

    def run(self, max_epochs: int) -> bool:
        """Train until an epoch changes nothing or ``max_epochs`` epochs have run; True when converged."""
        while not self.converged and (self.epoch < max_epochs or not self.epoch_done):
            self.step()
        return self.converged

    def mistakes(self) -> int:
        """Samples the current weights put on the wrong side."""
        return sum(self.output(e)[1] != d for e, d in zip(self.x, self.d))

    def separable(self) -> bool | None:
        """Whether a straight line separates the two classes (None: too many points to test)."""
        if not hasattr(self, "_separable"):
            self._separable = linearly_separable(self.x, self.d)
        return self._separable

    def verdict(self, data_name: str = "the data") -> str:
        """One sentence on where the rule stands: converged (with the line), or why not yet."""
        w, b = self.weights
        line = line_text(w[0], w[1], b) if len(w) == 2 else ""
        weights = ", ".join(f"w{i + 1} = {v:g}" for i, v in enumerate(w)) + f", b = {b:g}"
        if self.converged:
            return (f"converged after {self.updates} weight update{'s' if self.updates != 1 else ''} in "
                    f"{self.epoch} epoch{'s' if self.epoch != 1 else ''} (epoch {self.epoch} changed nothing): "
                    f"{weights}" + (f"; separating line {line}" if line else ""))
        ran = f"{self.epoch} epoch{'s' if self.epoch != 1 else ''} ({self.updates} weight updates)"
        separable = self.separable()
        if separable is False:
            return (f"did not converge in {ran}: no straight line separates the two classes of {data_name}, so "
                    "a single perceptron always misclassifies some sample and never stops changing its weights; "
                    "a hidden layer can separate them (see the xor-perceptron example)")
        if separable:
            return (f"did not converge yet after {ran}: a straight line does separate the classes, so more "
                    "epochs will get there")
        return (f"did not converge in {ran}: the classes may not be separable by a straight line, "
                "in which case the perceptron never stops changing its weights")


def linearly_separable(points, labels) -> bool | None:
    """Whether one straight line strictly separates the 2-D points of label > 0 from the others.

    Exact on rationals: if a separating line exists, one can be slid and turned until it passes
    through two of the points with every point on its own class's side or on the line, and with
    the points on it split along it by class; each line through two points is checked for that.
    None when there are more than SEPARABILITY_LIMIT distinct points or they are not 2-D."""
    pts = {}
    for p, c in zip(points, labels):
        if len(p) != 2:
            return None
        key = tuple(_exact(v) if not isinstance(v, Fraction) else v for v in p)
        pts.setdefault(key, set()).add(float(c) > 0)
    if any(len(classes) > 1 for classes in pts.values()):
        return False  # the same point in both classes
    items = [(p, next(iter(c))) for p, c in pts.items()]
    if len({c for _, c in items}) < 2 or len(items) < 2:
        return True
    if len(items) > SEPARABILITY_LIMIT:
        return None
    for i, (p, _) in enumerate(items):
        for q, _ in items[i + 1:]:
            if _splits(p, q, items):
                return True
    return False


def _splits(p, q, items) -> bool:
    """The line through ``p`` and ``q`` has each class's other points on one side, the two
    classes on opposite sides, and the points on it in at most two runs by class (turning the
    line a little about a point between the runs then separates them strictly)."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    side_of: dict[bool, bool] = {}
    on_line: list[tuple[Fraction, bool]] = []
    for r, c in items:
        cross = dx * (r[1] - p[1]) - dy * (r[0] - p[0])
        if cross == 0:
            on_line.append((dx * (r[0] - p[0]) + dy * (r[1] - p[1]), c))
        elif side_of.setdefault(c, cross > 0) != (cross > 0):
            return False
    if len(side_of) == 2 and side_of[True] == side_of[False]:
        return False
    on_line.sort()
    return sum(a[1] != b[1] for a, b in zip(on_line, on_line[1:])) <= 1


def signed_targets(y, classes, what: str) -> list[int]:
    """Targets as -1/+1: two class ids (the second is +1) or numbers that are all -1/+1 (or 0/1)."""
    values = sorted(set(_flat(y)))
    if classes is not None and len(classes) != 2 or len(values) > 2:
        raise TaskError(f"the perceptron learns two classes, -1 and +1, but {what} has "
                        f"{len(classes) if classes is not None else len(values)}: choose a two-class dataset such "
                        "as 'and' or 'xor'")
    if set(values) <= {-1.0, 1.0}:
        return [1 if v > 0 else -1 for v in _flat(y)]
    if set(values) <= {0.0, 1.0}:
        return [1 if v > 0.5 else -1 for v in _flat(y)]
    raise TaskError(f"the perceptron's targets are -1/+1 (or two classes), but {what} has {values}: choose a "
                    "two-class dataset such as 'and' or 'xor'")


def _flat(y) -> list[float]:
    """The targets as a flat list (a tensor or nested lists)."""
    values = y.reshape(-1).tolist() if hasattr(y, "reshape") else y
    out = []
    for v in values:
        out.extend(_flat(v) if isinstance(v, (list, tuple)) else [v])
    return out
