"""The perceptron rule trained inside the usual loop (imports torch): every presentation goes into
the trace (``samples`` events, and the run's history under ``perceptron``), the rule's numbers are
written into the graph's Dense unit after every step (so the trained project, evaluate and export
see the perceptron's weights), and the run ends when an epoch changes nothing (converged) or at
the epoch limit, saying whether a straight line can separate the two classes at all (XOR: none
can, so the rule never stops)."""
from __future__ import annotations

from typing import Any

import torch

from ..base import Task, TaskContext
from ..declaration import TaskDeclaration, TaskError
from .rule import VIEW, PerceptronRule, rule_settings, signed_targets


class Training(Task):
    """The graph: a Feature input of 2 values -> Dense with 1 unit (and a bias) -> Sign -> a head
    (the course's total squared error). The perceptron settings give eta, the starting weights and
    the sample order; no optimizer is used."""

    def __init__(self, ctx: TaskContext, declaration: TaskDeclaration):
        super().__init__(ctx, declaration)
        graph, compiled = ctx.graph, ctx.compiled
        if ctx.world > 1:
            raise TaskError("the perceptron rule trains on one process: run it without --nproc")
        dense = [n for n in graph.nodes.values() if n.type_id == "core.dense"]
        unit = compiled.submodule(dense[0].id) if len(dense) == 1 else None
        weights = sum(p.numel() for p in compiled.module.parameters())
        if unit is None or weights != sum(p.numel() for p in unit.parameters()) or dense[0].params["units"] != 1 \
                or not dense[0].params["bias"]:
            raise TaskError("the perceptron task trains exactly one Dense block with 1 unit and a bias (and nothing "
                            "else with weights): build Feature input -> Dense (1 unit) -> Sign -> Total squared "
                            "error, as in the perceptron-and example")
        if not any(n.type_id == "act.sign" for n in graph.nodes.values()) or dense[0].params["activation"] != "none":
            raise TaskError("the perceptron's output is sign(w.e + b): put a Sign block after its Dense unit (and "
                            "leave the Dense block's own activation at none)")
        inputs = graph.states[dense[0].id].inputs[0] if graph.states.get(dense[0].id) else None
        if not inputs or tuple(inputs)[-1] != 2:
            raise TaskError("the perceptron task trains a unit with two inputs e1, e2: set the Feature input to 2 "
                            "features")
        self.linear = unit
        s = rule_settings(ctx.plan)
        self.start = ([s["w1"], s["w2"]], s["b"])
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([self.start[0]], dtype=self.linear.weight.dtype))
            self.linear.bias.fill_(self.start[1])
        self.rule: PerceptronRule | None = None
        self.data_name = "the data"
        self.summary: dict[str, Any] = {}  # the run's history entry, kept current as the rule runs

    def prepare_data(self, data):
        """The training split as the table the rule presents, with its targets as -1/+1."""
        x, d = data.train.x.reshape(len(data.train.x), -1), signed_targets(data.train.y, data.classes, data.name)
        batch = min(self.plan.batch_size, len(x))
        if len(x) % batch:
            raise TaskError(f"the perceptron presents each of the {len(x)} samples once per epoch: choose a batch "
                            f"size that divides {len(x)} (1 presents them one at a time)")
        s = rule_settings(self.plan)
        self.rule = PerceptronRule(x.tolist(), d, *self.start, s["eta"], s["order"], self.plan.seed)
        self.data_name = f"'{data.name}'"
        self.points = (x.float().cpu().numpy(), torch.tensor(self.rule.d).numpy())
        self.summary.update(eta=float(s["eta"]), start={"w": self.start[0], "b": self.start[1]}, order=s["order"],
                            trace=self.rule.trace)
        self._sync()
        return data

    def _sync(self) -> None:
        w, b = self.rule.weights
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([w], dtype=self.linear.weight.dtype))
            self.linear.bias.fill_(b)
        self.summary.update(updates=self.rule.updates, presented=self.rule.presented, epochs=self.rule.epoch,
                            converged=self.rule.converged, w=w, b=b)

    def train_step(self, batch, only=None):
        """Present ``len(batch)`` samples of the rule's own order (the table's, or its shuffle)."""
        changed = 0
        n = len(batch["x"])
        for _ in range(n):
            record = self.rule.step()
            changed += bool(record and record["changed"])
        self._sync()
        share = torch.tensor(changed / max(n, 1), device=self.ctx.device)
        return {"mistakes": share, "accuracy": 1 - share}

    @torch.no_grad()
    def evaluate(self, split, batch_size):
        x, y = split["x"], split["y"]
        if len(x) == 0:
            return {}
        out = self.ctx.compiled.module(x).reshape(-1)
        d = torch.tensor(signed_targets(y, None, "the validation split"), device=out.device)
        right = float(((out > 0) == (d > 0)).float().mean())
        return {"mistakes": 1 - right, "accuracy": right}

    def verdict(self, last_epoch: bool) -> str | None:
        """Converged: the run ends with the line; at the epoch limit: why it did not."""
        if self.rule.converged or last_epoch:
            text = self.rule.verdict(self.data_name)
            self.summary["verdict"] = text
            return text
        return None

    def samples(self) -> dict | None:
        """The trace so far, the points and the current weights (the editor's Perceptron tab)."""
        if self.rule is None:
            return None
        w, b = self.rule.weights
        rule = self.rule
        ended = rule.converged or (rule.epoch >= self.plan.epochs and rule.epoch_done)
        return {"view": VIEW, "trace": list(rule.trace), "points": self.points[0], "labels": self.points[1],
                "w": w, "b": b, "updates": rule.updates, "converged": rule.converged,
                "verdict": rule.verdict(self.data_name) if ended else None}

    def record(self):
        return {"perceptron": self.summary}
