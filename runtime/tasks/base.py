"""The training contract every task's ``training`` module implements (imports torch).

A task decides what feeds the model (each input block reads the batch field its ``field``
parameter names; a task may add fields, such as a generator's noise), which parts it trains with
which optimizers, and what one training step does: it returns a dict of named metrics, like
Keras' ``train_step``. The trainer's loop (epochs, records, pause/stop, early stopping,
checkpoints, failures) is the same for every task and only reads metric names; the names,
labels and goals come from the task's declaration, the settings from the run plan.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from ..compiler import CompiledModel
from ..optim import clip_gradients, guard_non_finite, make_optimizer
from ..plan import RunPlan
from .choice import model_parts
from .declaration import TaskDeclaration, TaskError

Batch = dict  # field name -> tensor: "x" (the dataset's samples), "y" (its targets), and any others


@dataclass
class TaskContext:
    compiled: CompiledModel
    module: torch.nn.Module  # possibly wrapped (DistributedDataParallel, torch.compile)
    graph: Any
    plan: RunPlan
    device: torch.device
    amp_dtype: torch.dtype | None
    world: int = 1


def input_field(node) -> str:
    """The batch field an input block reads ("x" unless its ``field`` parameter says otherwise)."""
    return str(node.params.get("field") or "x")


def checked_parts(graph, decl: TaskDeclaration):
    """The parts ``decl`` trains in ``graph``, or a TaskError with the first wiring problem."""
    parts = model_parts(graph, decl)
    if parts.problems:
        raise TaskError(parts.problems[0].message)
    return parts


class Task:
    """Base of every task's training. Subclasses set their parts' optimizers in ``__init__`` and
    implement ``train_step`` and ``evaluate``; the class methods answer data questions before the
    task exists (which input block the dataset feeds)."""

    uses_wrapped_module = True  # trains ctx.module (DDP-wrapped); False: builds parts, averages gradients itself

    def __init__(self, ctx: TaskContext, declaration: TaskDeclaration):
        self.ctx, self.declaration, self.name = ctx, declaration, declaration.name
        self.plan = ctx.plan
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.part_params: dict[str, list[torch.nn.Parameter]] = {}
        self._fp16 = ctx.amp_dtype == torch.float16 and ctx.device.type == "cuda"
        self.scalers: dict[str, Any] = {}
        self._found: dict[str, torch.Tensor] = {}  # per part: a step's gradients were not finite
        self.epoch_progress = 0.0  # epochs done, fractional; the loop sets it before each step
        graph, compiled = ctx.graph, ctx.compiled
        self._fields = [(i, input_field(graph.nodes[i])) for i in compiled.input_ids]

    # ---- data (before the task exists) -------------------------------------------------------------
    @classmethod
    def data_input(cls, graph, compiled: CompiledModel, declaration: TaskDeclaration) -> str | None:
        """The input block whose shape the dataset's samples (field "x") are fitted to."""
        for nid in compiled.input_ids:
            if input_field(graph.nodes[nid]) == "x":
                return nid
        return compiled.input_ids[0] if compiled.input_ids else None

    def prepare_data(self, data):
        """The loaded dataset as this task trains on it (e.g. images scaled to a generator's range)."""
        return data

    # ---- feeding the model ------------------------------------------------------------------------
    def feeds(self, batch: Batch) -> list[torch.Tensor]:
        """The model's inputs, in its input order: each input block's field of the batch."""
        try:
            return [batch[field] for _nid, field in self._fields]
        except KeyError as e:
            nid = next(n for n, f in self._fields if f == e.args[0])
            raise TaskError(f"the input '{self.ctx.graph.nodes[nid].name}' reads the batch field '{e.args[0]}', which "
                            f"this dataset does not give (it gives {', '.join(batch)}): set the input's field to one "
                            "of those") from None

    # ---- optimizers ---------------------------------------------------------------------------------
    def add_part(self, part: str, params) -> None:
        """Train ``params`` (those that require gradients: frozen blocks' do not) as ``part`` with its
        optimizer from the plan."""
        params = [p for p in params if p.requires_grad]
        if not params:
            raise TaskError(f"the {part} has no trainable parameters: add layers with weights to it (or unfreeze "
                            "its blocks)")
        self.part_params[part] = params
        self.optimizers[part] = make_optimizer(params, self.plan.optimizers[part])
        if self._fp16:
            self.scalers[part] = torch.amp.GradScaler("cuda")

    def update(self, part: str, loss: torch.Tensor) -> None:
        """One optimizer step of ``part`` on ``loss`` (gradients zeroed, clipped, averaged across
        processes when the task is not trained through DistributedDataParallel)."""
        opt, params = self.optimizers[part], self.part_params[part]
        opt.zero_grad(set_to_none=True)
        scaler = self.scalers.get(part)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
        else:
            loss.backward()
        if self.ctx.world > 1 and not self.uses_wrapped_module:
            average_gradients(params, self.ctx.world)
        clip_gradients(params, self.plan.clip)
        if scaler is not None:
            scaler.step(opt)
            scaler.update()
            return
        if getattr(opt, "skips_non_finite", False):
            found = self._found.get(part)
            if found is None:
                found = self._found[part] = torch.zeros((), device=params[0].device)
            if not guard_non_finite(opt, params, found):
                return  # not finite: this step changes nothing (see guard_non_finite)
        opt.step()

    def autocast(self):
        if self.ctx.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.ctx.device.type, dtype=self.ctx.amp_dtype)

    # ---- the contract -------------------------------------------------------------------------------
    def train_step(self, batch: Batch, only: str | None = None) -> dict[str, torch.Tensor]:
        """One update on a batch; returns the batch's metrics (0-d float32 tensors on the device,
        detached, the names of the declaration's metrics with ``step``). ``only`` names one part to
        update (step-by-step training); the others keep their weights."""
        raise NotImplementedError

    @torch.no_grad()
    def evaluate(self, split: Batch, batch_size: int) -> dict[str, float]:
        """Metrics of a whole split (no update), keyed like ``train_step``'s (plus evaluation-only ones)."""
        raise NotImplementedError

    def probe(self, batch: Batch) -> None:
        """One forward and backward pass without an update (does this batch size fit in memory?)."""
        with self.autocast():
            out = self.ctx.compiled.module(*self.feeds(batch))
        outs = out if isinstance(out, (tuple, list)) else (out,)
        sum(o.float().mean() for o in outs).backward()
        self.ctx.compiled.module.zero_grad(set_to_none=True)

    def samples(self) -> dict | None:
        """The payload of a ``samples`` event (a sample grid, reconstructions, points), or None."""
        return None

    def record(self) -> dict[str, Any]:
        """Extra facts for the run's history (what prediction and evaluation need later)."""
        return {}

    def verdict(self, last_epoch: bool) -> str | None:
        """After each epoch: a sentence ends the run (finished) with it as the reason, e.g. a perceptron
        whose last epoch changed nothing; ``last_epoch``: the epoch limit is reached. None: go on."""
        return None


def batch_len(batch: Batch) -> int:
    return len(next(iter(batch.values())))


def average_gradients(params, world: int) -> None:
    """All-reduce the gradients of ``params`` (one flat buffer) and divide by the process count."""
    for p in params:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    grads = [p.grad for p in params]
    flat = torch._utils._flatten_dense_tensors(grads)
    dist.all_reduce(flat)
    flat /= world
    for g, synced in zip(grads, torch._utils._unflatten_dense_tensors(flat, grads)):
        g.copy_(synced)


def in_eval_mode(*modules):
    """Context manager: ``modules`` in inference mode (dropout off, batch-norm statistics frozen)."""
    return _EvalMode(modules)


class _EvalMode:
    def __init__(self, modules):
        self.modules = modules

    def __enter__(self):
        self.was = [m.training for m in self.modules]
        for m in self.modules:
            m.train(False)

    def __exit__(self, *exc):
        for m, was in zip(self.modules, self.was):
            m.train(was)
        return False
