"""The RNN / LSTM / GRU comparison: the same graph with its recurrent block swapped for each
cell (same hidden size, seed, data and settings), trained for the same budget, reporting the
validation accuracy per epoch and the gradient norm that reaches the first block with weights
(the input side, where vanishing gradients show) after each logged step.

A project without a recurrent block is compared on the standard long-dependency task
(projects/examples ``rnn-lstm-gru-memory``: remember the first of 32 steps).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

CELLS = (("rnn.rnn", "RNN"), ("rnn.lstm", "LSTM"), ("rnn.gru", "GRU"))
RECURRENT_TYPES = tuple(t for t, _ in CELLS)
_SHARED = ("hidden_size", "layers", "bidirectional", "dropout", "output")  # parameters every cell has


class CompareError(Exception):
    """The comparison cannot run on this project; one sentence with the fix."""


@dataclass
class CellResult:
    cell: str  # "RNN", "LSTM" or "GRU"
    type_id: str
    status: str
    reason: str
    metric: str  # "val_accuracy" (classification) or "val_loss"
    epochs: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)  # the metric after each epoch
    grad_block: str = ""  # the name of the block whose gradient norm is reported
    grad_steps: list[int] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    params: int = 0
    seconds: float = 0.0

    @property
    def final(self) -> float | None:
        return self.values[-1] if self.values else None


def recurrent_node(graph) -> str | None:
    """The id of the graph's first recurrent block (in forward order), or None."""
    return next((nid for nid in graph.topological_order() if graph.nodes[nid].type_id in RECURRENT_TYPES), None)


def standard_project():
    """The long-dependency task the comparison uses for a project without a recurrent block."""
    from projects.examples.build import rnn_lstm_gru_memory

    return rnn_lstm_gru_memory()


def variant(project, type_id: str):
    """A copy of ``project`` whose first recurrent block is a ``type_id`` cell with the same
    shared parameters (hidden size, layers, direction, dropout, output), name and wires."""
    from projects.dlproj import graph_from_json, graph_to_json
    from projects.project import Project

    nid = recurrent_node(project.graph)
    if nid is None:
        raise CompareError("the graph has no RNN, LSTM or GRU block: add one (or compare on the standard task)")
    data = graph_to_json(project.graph)
    for raw in data["nodes"]:
        if raw["id"] == nid:
            raw.update(type=type_id, type_version=1, params={k: v for k, v in raw["params"].items() if k in _SHARED})
    graph, errors = graph_from_json(data)
    if errors:
        raise CompareError(errors[0])
    copy = project.copy()
    return Project(graph, copy.view, copy.training, {"runs": []}, None, None, None, dict(copy.meta))


def compare_recurrent(project=None, epochs: int | None = None, max_samples: int | None = None,
                      overrides: dict | None = None, progress: Callable | None = None,
                      stopping: Callable[[], bool] | None = None) -> list[CellResult]:
    """Train the RNN, LSTM and GRU variants of ``project`` (None or no recurrent block: the standard
    task) one after the other, each ``epochs`` epochs (default: the project's) on the same data (at
    most ``max_samples`` training samples). ``progress(cell, epoch, epochs, results)`` is called
    after every epoch; ``stopping()`` True stops the run at the next batch."""
    from .data import DatasetError, load_dataset
    from .data.base import Split
    from .events import RunControl
    from .plan import PlanError, plan_run
    from .trainer import Trainer

    if project is None or recurrent_node(project.graph) is None:
        project = standard_project()
    try:
        plan = plan_run(project, overrides)
    except PlanError as e:
        raise CompareError(str(e)) from None
    epochs = int(epochs or plan.epochs)
    nid = recurrent_node(project.graph)
    inputs = [i for i in project.graph.upstream(nid) if project.graph.nodes[i].block.role == "input"]
    shape = tuple(project.graph.states[inputs[0]].outputs[0]) if len(inputs) == 1 else None
    try:
        data = load_dataset(dict(plan.dataset), shape)
    except DatasetError as e:
        raise CompareError(str(e)) from None
    if max_samples and len(data.train) > max_samples:
        data.train = Split(data.train.x[:max_samples], data.train.y[:max_samples])
    steps = max(1, len(data.train) // min(plan.batch_size, len(data.train)))
    patch = {"epochs": epochs, "early_stopping": {"enabled": False}, "log_every": max(1, steps // 10),
             **(overrides or {})}
    results: list[CellResult] = []
    for type_id, cell in CELLS:
        control = RunControl()
        control.watch_gradients(True)
        control.gradients_per_s = math.inf  # every logged step: the curves are the point here
        result = CellResult(cell, type_id, "running", "", "val_accuracy" if data.classes else "val_loss")
        results.append(result)
        trial = variant(project, type_id)
        watched: list[str] = []  # the id of the block whose norms are kept

        def sink(e, result=result, control=control, trial=trial, watched=watched):
            if stopping is not None and stopping():
                control.stop()
            kind = e["event"]
            if kind == "run_started":
                result.params = e["params"]
            elif kind == "gradients" and e["norms"]:
                first = next(iter(e["norms"]))  # forward order: the input side first
                if not watched:
                    watched.append(first)
                    result.grad_block = trial.graph.nodes[first].name
                if first == watched[0]:
                    result.grad_steps.append(e["step"])
                    result.grad_norms.append(float(e["norms"][first]))
            elif kind == "epoch" and result.metric in e:
                result.epochs.append(e["epoch"])
                result.values.append(float(e[result.metric]))
                if progress is not None:
                    progress(cell, e["epoch"], epochs, results)

        t0 = time.perf_counter()
        run = Trainer(trial, patch, [sink], control, dataset=data).run()
        result.status, result.reason, result.seconds = run.status, run.reason, time.perf_counter() - t0
        if run.status != "finished":
            break
    return results


def verdict(results: list[CellResult]) -> str:
    """One line, best first: "GRU 100%, LSTM 98%, RNN 53% validation accuracy after 20 epochs"."""
    done = [r for r in results if r.final is not None]
    if not done:
        return "No cell finished an epoch."
    accuracy = done[0].metric == "val_accuracy"
    ranked = sorted(done, key=lambda r: -r.final if accuracy else r.final)
    text = ", ".join(f"{r.cell} {r.final:.0%}" if accuracy else f"{r.cell} {r.final:.4g}" for r in ranked)
    epochs = {r.epochs[-1] for r in done}
    n = epochs.pop() if len(epochs) == 1 else None
    when = f"after {n} epoch{'s' if n != 1 else ''}" if n else "after the epochs each trained"
    return f"{text} validation {'accuracy' if accuracy else 'loss'} {when}"
