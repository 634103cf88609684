"""Training tasks: what one step and one evaluation mean for a kind of model.

The trainer's loop (epochs, events, pause/stop, early stopping, checkpoints, failures) is the
same for every task; a task supplies the optimizers, ``train_step`` and ``evaluate``. GAN and
VAE training plug in as further Task subclasses (two optimizers, their own losses).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import torch

from .compiler import CompiledModel
from .optim import clip_gradients, make_optimizer

SUPERVISED = ("classification", "regression", "binary", "sequence_classification", "forecasting")


class TaskError(Exception):
    """The model and the chosen task do not fit together; one sentence with the fix."""


@dataclass
class TaskContext:
    compiled: CompiledModel
    module: torch.nn.Module  # possibly wrapped (DistributedDataParallel, torch.compile)
    graph: Any
    settings: dict
    device: torch.device
    amp_dtype: torch.dtype | None


class Task:
    name = "task"
    classifies = False

    def __init__(self, ctx: TaskContext):
        self.ctx = ctx

    def autocast(self):
        if self.ctx.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.ctx.device.type, dtype=self.ctx.amp_dtype)

    def train_step(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """One update; returns (batch loss, number correct or None), both detached, on the device."""
        raise NotImplementedError

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> dict[str, Any]:
        raise NotImplementedError


class SupervisedTask(Task):
    """Classification, regression, binary, sequence classification and forecasting: one input,
    one head whose ``loss`` compares the model's output with the dataset's targets."""

    name = "supervised"

    def __init__(self, ctx: TaskContext, task: str):
        super().__init__(ctx)
        compiled, graph = ctx.compiled, ctx.graph
        if len(compiled.input_ids) != 1 or len(compiled.output_ids) != 1:
            raise TaskError(f"{task} training needs exactly one input block and one head, but this model has "
                            f"{len(compiled.input_ids)} input(s) and {len(compiled.output_ids)} head(s)")
        head = graph.nodes[compiled.output_ids[0]]
        self.head, self.head_params = head.block, head.params
        self.task = task
        self.classifies = self.head.task in ("classification", "binary")
        self.optimizer = make_optimizer(ctx.module.parameters(), ctx.settings)
        self.params = [p for p in ctx.module.parameters() if p.requires_grad]
        fp16 = ctx.amp_dtype == torch.float16 and ctx.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda") if fp16 else None

    def target(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Shape the dataset's targets like the head expects (float targets take the output's shape)."""
        if self.head.task == "classification":
            return y
        y = y.to(out.dtype if out.is_floating_point() else torch.float32)
        return y.reshape(out.shape) if y.numel() == out.numel() else y

    def correct(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor | None:
        if self.head.task == "classification":
            return (out.argmax(-1) == y).sum()
        if self.head.task == "binary":
            return ((out.reshape(-1) > 0) == (y.reshape(-1) > 0.5)).sum()
        return None

    def train_step(self, xb, yb):
        with self.autocast():
            out = self.ctx.module(xb)
        loss = self.head.loss(self.head_params, [out], self.target(out, yb))
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
            clip_gradients(self.params, self.ctx.settings)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            clip_gradients(self.params, self.ctx.settings)
            self.optimizer.step()
        return loss.detach(), self.correct(out.detach(), yb)

    @torch.no_grad()
    def outputs(self, x: torch.Tensor, batch_size: int) -> torch.Tensor:
        """The model's raw outputs for a whole split, in eval mode, batch by batch, on the device."""
        module = self.ctx.compiled.module
        was_training = module.training
        module.train(False)  # inference mode (dropout off, batch-norm statistics frozen)
        try:
            with self.autocast():
                outs = [module(x[i:i + batch_size]).float() for i in range(0, len(x), batch_size)]
        finally:
            module.train(was_training)
        return torch.cat(outs) if outs else torch.empty(0)

    @torch.no_grad()
    def evaluate(self, x, y, batch_size):
        if len(x) == 0:
            return {}
        out = self.outputs(x, batch_size)
        loss = float(self.head.loss(self.head_params, [out], self.target(out, y)))
        result: dict[str, Any] = {"loss": loss}
        if self.head.task == "classification":
            result["accuracy"] = float((out.argmax(-1) == y).float().mean())
        elif self.head.task == "binary":
            result["accuracy"] = float(((out.reshape(-1) > 0) == (y.reshape(-1) > 0.5)).float().mean())
        else:
            from . import metrics

            flat_out, flat_y = out.reshape(len(out), -1), self.target(out, y).reshape(len(out), -1)
            result.update(mae=metrics.mae(flat_out, flat_y), mse=metrics.mse(flat_out, flat_y),
                          r2=metrics.r2(flat_out, flat_y))
        return result


def resolve_task(settings: dict, compiled: CompiledModel, graph) -> str:
    """The task to train: the setting, or (auto) the head's task."""
    task = settings.get("task", "auto")
    if task != "auto":
        return task
    if not compiled.output_ids:
        raise TaskError("the model has no head: end it with a Classification head (or another head)")
    head_task = graph.nodes[compiled.output_ids[0]].block.task
    return head_task if head_task in SUPERVISED else head_task


def make_task(ctx: TaskContext, task: str) -> Task:
    if task in SUPERVISED:
        return SupervisedTask(ctx, task)
    raise TaskError(f"training for the '{task}' task is not available yet: choose a classification or "
                    "regression head")
