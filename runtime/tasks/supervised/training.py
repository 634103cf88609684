"""One training step of a supervised task: the model's output against the batch's targets through
the head's loss; a classifier's accuracy is counted when the metrics are read."""
from __future__ import annotations

from typing import Any

import torch

from nodes.heads import CLASS_SCORES, CRITIC, LOGIT, RECONSTRUCTION

from ... import metrics
from ...metric_buffer import StepHits
from ..base import Task, TaskContext, in_eval_mode
from ..declaration import TaskDeclaration, TaskError

CLASSIFYING = (CLASS_SCORES, LOGIT)  # heads whose outputs have an accuracy


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


def shaped_target(head, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The dataset's targets shaped like ``head`` expects (float targets take the output's shape)."""
    if head.output_kind == CLASS_SCORES:
        return y
    y = y.to(out.dtype if out.is_floating_point() else torch.float32)
    return y.reshape(out.shape) if y.numel() == out.numel() else y


class Training(Task):
    def __init__(self, ctx: TaskContext, declaration: TaskDeclaration):
        super().__init__(ctx, declaration)
        compiled, graph = ctx.compiled, ctx.graph
        if not compiled.input_ids or len(compiled.output_ids) != 1:
            raise TaskError(f"{declaration.title} training needs an input block and exactly one head, but this model "
                            f"has {len(compiled.input_ids)} input(s) and {len(compiled.output_ids)} head(s)")
        head = graph.nodes[compiled.output_ids[0]]
        self.head, self.head_params = head.block, head.params
        if self.head.output_kind in (RECONSTRUCTION, CRITIC):
            raise TaskError(f"the head '{head.name}' does not compare outputs with targets, so {declaration.title} "
                            "cannot train it: set the task to auto")
        self.classifies = self.head.output_kind in CLASSIFYING
        self.add_part("model", ctx.module.parameters())

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

    def hits(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """1.0 per correctly classified sample, 0.0 otherwise."""
        if self.head.output_kind == CLASS_SCORES:
            return (out.argmax(-1) == y).float()
        return ((out.reshape(-1) > 0) == (y.reshape(-1) > 0.5)).float()

    def train_step(self, batch, only=None):
        with self.autocast():
            out = self.ctx.module(*self.feeds(batch))
        y = batch["y"]
        loss = self.head.loss(self.head_params, [out], shaped_target(self.head, out, y))
        self.update("model", loss)
        step = {"loss": loss.detach()}
        if self.classifies:  # computed with the other steps' when the metrics are read (no work now)
            step["accuracy"] = StepHits(out.detach(), y, logit=self.head.output_kind == LOGIT)
        return step

    @torch.no_grad()
    def outputs(self, split, batch_size: int) -> torch.Tensor:
        """The model's raw outputs for a whole split, in eval mode, batch by batch, on the device."""
        module = self.ctx.compiled.module
        inputs = self.feeds(split)
        n = len(inputs[0])
        with in_eval_mode(module), self.autocast():
            outs = [module(*(t[i:i + batch_size] for t in inputs)).float() for i in range(0, n, batch_size)]
        return torch.cat(outs) if outs else torch.empty(0)

    @torch.no_grad()
    def evaluate(self, split, batch_size):
        y = split["y"]
        if len(y) == 0:
            return {}
        out = self.outputs(split, batch_size)
        loss = float(self.head.loss(self.head_params, [out], shaped_target(self.head, out, y)))
        result: dict[str, Any] = {"loss": loss}
        if self.classifies:
            result["accuracy"] = float(self.hits(out, y).mean())
        else:
            flat_out, flat_y = out.reshape(len(out), -1), shaped_target(self.head, out, y).reshape(len(out), -1)
            result.update(mae=metrics.mae(flat_out, flat_y), mse=metrics.mse(flat_out, flat_y),
                          r2=metrics.r2(flat_out, flat_y))
        return result
