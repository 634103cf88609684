"""The training contract every kind of model plugs into, and the registry of tasks.

A task decides what feeds the model (which input block receives the dataset's tensors, which
get noise or labels), which parts it trains with which optimizers, what one training step does
(it returns a dict of named metrics, like Keras' ``train_step``), what an evaluation reports,
and which sample images it sends. The trainer's loop (epochs, records, pause/stop, early
stopping, checkpoints, failures) is the same for every task and only reads metric names; the
names, labels and goals come from the task list in ``projects/tasks.py``.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import torch

from projects.parts import model_parts
from projects.tasks import TASK_SPECS, TaskSpec, task_for_head

from ..compiler import CompiledModel
from ..optim import clip_gradients, guard_non_finite, make_optimizer


class TaskError(Exception):
    """The model and the chosen task do not fit together; one sentence with the fix."""


def parts_of_kind(graph, kind: str, missing: str):
    """The graph's parts (projects.parts.model_parts) when they form a ``kind`` model, else a
    TaskError: ``missing`` when they do not, or the first wiring problem when they are incomplete."""
    parts = model_parts(graph)
    if parts.kind != kind:
        raise TaskError(missing)
    if parts.problems:
        raise TaskError(parts.problems[0].message)
    return parts


@dataclass
class TaskContext:
    compiled: CompiledModel
    module: torch.nn.Module  # possibly wrapped (DistributedDataParallel, torch.compile)
    graph: Any
    settings: dict
    device: torch.device
    amp_dtype: torch.dtype | None
    world: int = 1


_REGISTRY: dict[str, type["Task"]] = {}


def register(*names: str):
    """Class decorator: ``cls`` trains the tasks ``names`` (each declared in projects/tasks.py)."""
    def wrap(cls):
        for name in names:
            if name not in TASK_SPECS:
                raise RuntimeError(f"task {name!r} is not declared in projects/tasks.py")
            _REGISTRY[name] = cls
        return cls
    return wrap


def task_class(name: str) -> type["Task"]:
    """The implementation of task ``name``."""
    if name not in _REGISTRY:
        known = ", ".join(_REGISTRY)
        raise TaskError(f"there is no training for the task '{name}': choose one of {known}")
    return _REGISTRY[name]


def registered_tasks() -> dict[str, type["Task"]]:
    return dict(_REGISTRY)


def resolve_task(settings: dict, compiled: CompiledModel, graph) -> str:
    """The task to train: the setting, or (auto) the one the head names."""
    task = settings.get("task", "auto")
    if task != "auto":
        _refuse_gan_parts(graph, compiled, task, chosen=True)
        return task
    if not compiled.output_ids:
        raise TaskError("the model has no head: end it with a Classification head (or another head)")
    head_task = graph.nodes[compiled.output_ids[0]].block.task
    found = task_for_head(head_task)
    if found is None:
        raise TaskError(f"no training task uses a '{head_task}' head: set the task in the training settings")
    _refuse_gan_parts(graph, compiled, found, chosen=False)
    return found


GAN_PART_TYPES = ("input.noise", "gan.real_or_generated")  # only adversarial training fills or splits these


def _refuse_gan_parts(graph, compiled: CompiledModel, task: str, chosen: bool) -> None:
    """A graph with GAN parts trained by a task that is not generative would feed the dataset into
    the latent noise (resized to fit): refuse it with what to do."""
    spec = TASK_SPECS.get(task)
    if spec is None or spec.generative:
        return
    parts = [n for n in graph.nodes.values() if n.type_id in GAN_PART_TYPES]
    if not parts:
        return
    named = ", ".join(f"{n.block.title} '{n.name}'" for n in parts[:2])
    if chosen:
        why = f"the task is set to {spec.title}"
    else:
        head = graph.nodes[compiled.output_ids[0]]
        why = f"it ends in a {head.block.title} ('{head.name}'), so task auto would train it as {spec.title}"
    raise TaskError(f"the graph has GAN parts ({named}) but {why}, which would feed the dataset into the latent "
                    "noise: end the discriminator with a GAN loss head and set the task to auto or GAN")


class Task:
    """Base of every task. Subclasses set ``parts``' optimizers in ``__init__`` and implement
    ``train_step`` and ``evaluate``; the class methods answer data questions before the task
    exists (which input block the dataset feeds, how the dataset is prepared)."""

    uses_wrapped_module = True  # trains ctx.module (DDP-wrapped); False: builds parts, averages gradients itself

    def __init__(self, ctx: TaskContext, name: str):
        self.ctx, self.name = ctx, name
        self.spec: TaskSpec = TASK_SPECS[name]
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.part_params: dict[str, list[torch.nn.Parameter]] = {}
        fp16 = ctx.amp_dtype == torch.float16 and ctx.device.type == "cuda"
        self._fp16 = fp16
        self.scalers: dict[str, Any] = {}
        self._found: dict[str, torch.Tensor] = {}  # per part: a step's gradients were not finite
        self.epoch_progress = 0.0  # epochs done, fractional; the loop sets it before each step

    # ---- data (before the task exists) -------------------------------------------------------------
    @classmethod
    def data_input(cls, graph, compiled: CompiledModel) -> str | None:
        """The input block the dataset's samples feed."""
        return compiled.input_ids[0] if compiled.input_ids else None

    @classmethod
    def dataset_settings(cls, settings: dict) -> dict:
        """The dataset settings to load with (a task may ask for unnormalized images)."""
        return dict(settings.get("dataset") or {})

    def prepare_data(self, data):
        """The loaded dataset as this task trains on it (e.g. images scaled to a generator's range)."""
        return data

    # ---- optimizers ---------------------------------------------------------------------------------
    def add_part(self, part: str, params, section: str) -> None:
        """Train ``params`` as ``part`` with the optimizer described by settings ``section``."""
        params = [p for p in params if p.requires_grad]
        if not params:
            raise TaskError(f"the {part} has no trainable parameters: add layers with weights to it")
        self.part_params[part] = params
        self.optimizers[part] = make_optimizer(params, self.ctx.settings, section)
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
        clip_gradients(params, self.ctx.settings)
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
    def train_step(self, xb: torch.Tensor, yb: torch.Tensor, only: str | None = None) -> dict[str, torch.Tensor]:
        """One update on a batch; returns the batch's metrics (0-d float32 tensors on the device,
        detached, the names of ``spec.metrics`` with ``step``). ``only`` names one part to update
        (step-by-step training); the others keep their weights."""
        raise NotImplementedError

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> dict[str, float]:
        """Metrics of a whole split (no update), keyed like ``train_step``'s (plus evaluation-only ones)."""
        raise NotImplementedError

    def feeds(self, xb: torch.Tensor, yb: torch.Tensor) -> list[torch.Tensor]:
        """Inputs of the whole model, in its input order, for a batch (snapshots, memory probe)."""
        return [xb]

    def probe(self, xb: torch.Tensor, yb: torch.Tensor) -> None:
        """One forward and backward pass without an update (does this batch size fit in memory?)."""
        with self.autocast():
            out = self.ctx.compiled.module(*self.feeds(xb, yb))
        outs = out if isinstance(out, (tuple, list)) else (out,)
        sum(o.float().mean() for o in outs).backward()
        self.ctx.compiled.module.zero_grad(set_to_none=True)

    def samples(self) -> dict | None:
        """The payload of a ``samples`` event (a sample grid, reconstructions, points), or None."""
        return None

    def monitor(self) -> str | None:
        """The validation metric early stopping and the best checkpoint watch (None: they do not apply)."""
        monitors = self.spec.monitors
        if not monitors:
            return None
        chosen = self.ctx.settings["early_stopping"]["monitor"]
        if chosen == "auto":  # what a person judges a classifier by; a loss can rise while accuracy still improves
            return "val_accuracy" if "val_accuracy" in monitors else monitors[0]
        return chosen if chosen in monitors else monitors[0]

    def record(self) -> dict[str, Any]:
        """Extra facts for the run's history (what prediction and evaluation need later)."""
        return {}

    def verdict(self, last_epoch: bool) -> str | None:
        """After each epoch: a sentence ends the run (finished) with it as the reason, e.g. a perceptron
        whose last epoch changed nothing; ``last_epoch``: the epoch limit is reached. None: go on."""
        return None

    # ---- after training (class methods: no run needed) ----------------------------------------------
    @classmethod
    def report(cls, project, split: str = "test", data: str | None = None, best: bool = False, **options) -> dict:
        """What `netcanvas evaluate` reports for a project trained with this task."""
        raise NotImplementedError

    @classmethod
    def export_parts(cls, compiled, graph) -> dict[str, CompiledModel]:
        """Sub-models that can be exported alone (e.g. a GAN's generator), by name; ``model`` may
        replace the whole model."""
        return {}


def average_gradients(params, world: int) -> None:
    """All-reduce the gradients of ``params`` (one flat buffer) and divide by the process count."""
    import torch.distributed as dist

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
