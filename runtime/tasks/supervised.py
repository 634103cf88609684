"""Supervised tasks: classification, regression, binary, sequence classification and forecasting.

One input block takes the dataset's samples and one head compares the model's output with the
dataset's targets through its ``loss``.
"""
from __future__ import annotations

from typing import Any

import torch

from ..metric_buffer import StepHits
from .base import Task, TaskContext, TaskError, in_eval_mode, register


def target_summary(y: torch.Tensor, integer: bool, classes) -> dict:
    """What a head's ``target_problem`` reads about the targets ``y`` (one device read)."""
    finite = torch.isfinite(y)
    kept = y[finite]
    if not len(kept):
        return {"integer": integer, "finite": False, "min": 0.0, "max": 0.0, "distinct": 0, "classes": None}
    lo, hi, all_finite = torch.stack([kept.min(), kept.max(), finite.all().float()]).tolist()
    distinct = len(torch.unique(kept[:100_000])[:3])
    return {"integer": integer, "finite": bool(all_finite), "min": lo, "max": hi, "distinct": distinct,
            "classes": len(classes) if classes else None}


@register("classification", "regression", "binary", "sequence_classification", "forecasting")
class SupervisedTask(Task):
    def __init__(self, ctx: TaskContext, name: str):
        super().__init__(ctx, name)
        compiled, graph = ctx.compiled, ctx.graph
        if len(compiled.input_ids) != 1 or len(compiled.output_ids) != 1:
            raise TaskError(f"{name} training needs exactly one input block and one head, but this model has "
                            f"{len(compiled.input_ids)} input(s) and {len(compiled.output_ids)} head(s)")
        head = graph.nodes[compiled.output_ids[0]]
        self.head, self.head_params = head.block, head.params
        if self.head.task in ("gan", "vae"):
            raise TaskError(f"the head '{head.name}' trains a {self.head.task.upper()}, not {name}: set the task "
                            f"to {self.head.task} (or auto)")
        self.task = name
        self.classifies = self.head.task in ("classification", "binary")
        self.add_part("model", ctx.module.parameters(), "optimizer")
        self.optimizer = self.optimizers["model"]
        self.params = self.part_params["model"]

    def prepare_data(self, data):
        """Refuse, before training, targets the head cannot learn from (the head says why)."""
        ys = [split.y for split in (data.train, data.val, data.test) if split.y is not None and len(split.y)]
        if ys:
            summary = target_summary(torch.cat([y.reshape(len(y), -1).float() for y in ys]),
                                     all(not y.is_floating_point() for y in ys), data.classes)
            output = tuple(self.ctx.compiled.output_shapes[0])
            problem = self.head.target_problem(self.head_params, output, summary)
            if problem:
                name = self.ctx.graph.nodes[self.ctx.compiled.output_ids[0]].name
                raise TaskError(f"The head '{name}' cannot train on {data.title}: {problem}.")
        return data

    def target(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Shape the dataset's targets like the head expects (float targets take the output's shape)."""
        if self.head.task == "classification":
            return y
        y = y.to(out.dtype if out.is_floating_point() else torch.float32)
        return y.reshape(out.shape) if y.numel() == out.numel() else y

    def hits(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """1.0 per correctly classified sample, 0.0 otherwise."""
        if self.head.task == "classification":
            return (out.argmax(-1) == y).float()
        return ((out.reshape(-1) > 0) == (y.reshape(-1) > 0.5)).float()

    def train_step(self, xb, yb, only=None):
        with self.autocast():
            out = self.ctx.module(xb)
        loss = self.head.loss(self.head_params, [out], self.target(out, yb))
        self.update("model", loss)
        metrics = {"loss": loss.detach()}
        if self.classifies:  # computed with the other steps' when the metrics are read (no work now)
            metrics["accuracy"] = StepHits(out.detach(), yb, binary=self.head.task != "classification")
        return metrics

    @classmethod
    def report(cls, project, split="test", data=None, best=False, **options):
        from ..evaluate import supervised_report

        return supervised_report(project, split, data, best, **options)

    @torch.no_grad()
    def outputs(self, x: torch.Tensor, batch_size: int) -> torch.Tensor:
        """The model's raw outputs for a whole split, in eval mode, batch by batch, on the device."""
        module = self.ctx.compiled.module
        with in_eval_mode(module), self.autocast():
            outs = [module(x[i:i + batch_size]).float() for i in range(0, len(x), batch_size)]
        return torch.cat(outs) if outs else torch.empty(0)

    @torch.no_grad()
    def evaluate(self, x, y, batch_size):
        if len(x) == 0:
            return {}
        out = self.outputs(x, batch_size)
        loss = float(self.head.loss(self.head_params, [out], self.target(out, y)))
        result: dict[str, Any] = {"loss": loss}
        if self.classifies:
            result["accuracy"] = float(self.hits(out, y).mean())
        else:
            from .. import metrics

            flat_out, flat_y = out.reshape(len(out), -1), self.target(out, y).reshape(len(out), -1)
            result.update(mae=metrics.mae(flat_out, flat_y), mse=metrics.mse(flat_out, flat_y),
                          r2=metrics.r2(flat_out, flat_y))
        return result
