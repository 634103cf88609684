"""The trainer: one loop for every task, fed by datasets staged once as tensors on the device.

No per-sample Python, no ``.item()`` every step (metrics accumulate on the device and are read
every ``log_every`` steps), channels_last for convolutions, autocast on GPUs. Everything the
loop does is announced as plain event records; pause, resume and stop act within one batch;
failures (bad data shape, NaN/Inf loss, out of memory) end the run with a message, not a crash.
"""
from __future__ import annotations

import dataclasses
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import torch

from projects.project import Project, now_iso

from .attention import sample_facts
from .compiler import CompileError, compile_graph
from .data import DatasetError, load_dataset
from .data.augment import apply_augmentation, check_augmentation
from .devices import DeviceError, autocast_dtype, device_label, free_memory, is_out_of_memory, pick_device
from .events import Event, RunControl, make_event
from .metric_buffer import EpochTotals, MetricBuffer
from .optim import Schedule
from .plan import PlanError, RunPlan, plan_run
from .snapshots import AttentionSnapshots, FeatureSnapshots, GradientNorms, WeightKeeper
from .tasks import TaskError, training_of
from .tasks.base import TaskContext
from .threads import apply_threads
from .weights import load_state_bytes, state_to_bytes

MAX_STEP_POINTS = 4000  # step records kept in the history (the rest are thinned out)


class RunFailed(Exception):
    """Ends a run with status 'failed' and this one-sentence reason."""


@dataclass
class TrainResult:
    status: str  # finished | stopped | failed
    reason: str
    run: dict[str, Any]  # the history record (also appended to the project)
    weights: bytes | None = None
    checkpoint: bytes | None = None


@dataclass
class Trainer:
    """Train ``project`` (a frozen copy is fine) as its run plan says: ``plan`` when given, else the
    plan of the project with ``overrides`` (runtime/plan.py)."""

    project: Project
    overrides: dict[str, Any] = field(default_factory=dict)
    sinks: Iterable[Callable[[Event], None]] = ()
    control: RunControl = field(default_factory=RunControl)
    dataset: Any = None  # a loaded runtime.data.Dataset (skips loading)
    rank: int = 0
    world: int = 1
    wrap_module: Callable[[torch.nn.Module], torch.nn.Module] | None = None  # e.g. DistributedDataParallel
    plan: RunPlan | None = None  # made from the project and the overrides when not given

    def emit(self, kind: str, **fields) -> None:
        event = make_event(kind, **fields)
        for sink in self.sinks:
            sink(event)
        if kind == "epoch":
            self.run_record["epochs"].append({k: v for k, v in event.items() if k != "event"})

    # ---- entry point ---------------------------------------------------------------------
    def run(self) -> TrainResult:
        self.run_record = {"id": uuid.uuid4().hex[:8], "started": now_iso(), "status": "running",
                           "settings": dict(self.project.training), "epochs": [], "steps": []}
        self.keeper: WeightKeeper | None = None
        self._restored = False  # weights already put back to the last finite ones
        self.best: dict[str, Any] = {}
        try:
            status, reason = self._run()
        except RunFailed as e:
            status, reason = "failed", str(e)
        except KeyboardInterrupt:
            status, reason = "stopped", "interrupted from the keyboard"
        return self._finish(status, reason)

    def _run(self) -> tuple[str, str]:
        try:
            plan = self.plan or plan_run(self.project, self.overrides, data_given=self.dataset is not None)
        except PlanError as e:
            raise RunFailed(str(e)) from None
        self.plan = plan
        self.run_record.update(settings=plan.record(), overrides=plan.overrides.thaw(), task=plan.task)
        torch.manual_seed(plan.seed)  # before compiling: the initial weights depend on it
        try:
            self.compiled = compile_graph(self.project.graph)
            self.device = pick_device(plan.device)
            self.run_record["threads"] = apply_threads(plan.threads)
            training = training_of(plan.task)
            data = self._load_data(training)
        except (CompileError, DeviceError, TaskError) as e:
            raise RunFailed(str(e)) from None
        module = self.compiled.module.to(self.device)
        self.channels_last = self._use_channels_last(data.train.x)
        if self.channels_last:
            module = module.to(memory_format=torch.channels_last)
        if self.project.weights and plan.resume_weights:
            load_state_bytes(self.compiled.module, self.project.weights)
        wrapped = self.wrap_module(module) if self.wrap_module else module
        if plan.compile:
            wrapped = torch.compile(wrapped)
        amp = autocast_dtype(self.device, plan.precision)
        try:
            self.task = training(TaskContext(self.compiled, wrapped, self.project.graph, plan, self.device, amp,
                                             self.world), plan.declaration)
            data = self.task.prepare_data(data)
        except TaskError as e:
            raise RunFailed(str(e)) from None
        self.run_record.update(self.task.record())
        self.keeper = WeightKeeper(self.compiled.module)
        sample = data.val if len(data.val.x) else data.train
        one = {k: v[:1] for k, v in sample.fields().items()}
        try:
            feeds = self.task.feeds(one)
        except TaskError as e:
            raise RunFailed(str(e)) from None
        self.snapshots = FeatureSnapshots(self.compiled, [self._stage(t) for t in feeds])
        self.attention = AttentionSnapshots(self.compiled, sample_facts(
            sample.x[0], sample.y[0] if len(sample.y) else None, data.classes, data.extras.get("vocabulary")))
        self.gradients = GradientNorms(self.compiled, self.control.gradients_per_s)
        return self._loop(data, plan.task, amp)

    def _load_data(self, training):
        graph = self.project.graph
        in_id = training.data_input(graph, self.compiled, self.plan.declaration)
        in_node = graph.nodes.get(in_id) if in_id else None
        in_shape = tuple(graph.states[in_node.id].outputs[0]) if in_node else None
        try:
            data = self.dataset or load_dataset(dict(self.plan.dataset), in_shape)
        except DatasetError as e:
            raise RunFailed(str(e)) from None
        have = tuple(data.train.x.shape[1:])
        if in_shape is not None and have != in_shape:
            raise RunFailed(f"the dataset '{data.name}' gives samples of shape {have} but the model's input "
                            f"'{in_node.name}' expects {in_shape}: change the input block or choose another dataset")
        vocab = len(data.extras.get("vocabulary") or ())
        if in_node is not None and in_node.type_id == "input.tokens" and vocab > in_node.params["vocabulary"]:
            raise RunFailed(f"the dataset '{data.name}' has {vocab} distinct tokens but the Token input "
                            f"'{in_node.name}' allows {in_node.params['vocabulary']}: set its vocabulary to {vocab}")
        if len(data.train.x) == 0:
            raise RunFailed(f"the dataset '{data.name}' has no training samples")
        self.data = data
        self.run_record.update(classes=data.classes, normalization=data.normalization,
                               input_shape=list(data.input_shape),
                               data={"name": data.name, "source": data.source, "split": data.split,
                                     "sizes": {"train": len(data.train), "val": len(data.val),
                                               "test": len(data.test)}})
        return data

    def _use_channels_last(self, x: torch.Tensor) -> bool:
        return x.dim() == 4 and self.device.type in ("cpu", "cuda") and any(
            isinstance(m, torch.nn.Conv2d) for m in self.compiled.module.modules())

    def _stage(self, t: torch.Tensor) -> torch.Tensor:
        t = t.to(self.device, non_blocking=True)
        return t.contiguous(memory_format=torch.channels_last) if self.channels_last and t.dim() == 4 else t

    # ---- the loop -----------------------------------------------------------------------
    def _loop(self, data, task_name: str, amp) -> tuple[str, str]:
        plan, task = self.plan, self.task
        train = {k: self._stage(v) for k, v in data.train.fields().items()}
        val = {k: self._stage(v) for k, v in data.val.fields().items()}
        n, world = len(train["x"]), self.world
        batch = min(plan.batch_size, n)
        steps = max(1, n // batch) if n >= batch else 1
        local = max(1, batch // world)
        self.schedules = {part: Schedule(opt, plan.schedule, plan.epochs, steps) for part, opt in task.optimizers.items()}
        log_every = plan.log_every
        gen = torch.Generator(device=self.device).manual_seed(plan.seed)
        aug = augmentation_spec(dict(plan.augment))
        self.monitor = plan.stopping.monitor
        self._announce(data, task_name, n, len(val["x"]), steps, batch, amp)
        self.global_step, self.t0, self._bad_epochs = 0, time.perf_counter(), 0
        self.total_steps = steps * plan.epochs
        self.keeper.keep()
        self.metrics = MetricBuffer(self.device)
        self._paused = False  # across epochs: a single step that ends an epoch leaves the run paused, not re-paused
        for epoch in range(1, plan.epochs + 1):
            self.compiled.module.train()
            perm = torch.randperm(n, device=self.device, generator=gen)
            # this process's batches of the epoch as views, made in one call per field (not sliced per step)
            names = list(train)
            batches = [train[k][perm][self.rank * local:].split(batch) for k in names]
            self.epoch_totals = EpochTotals()
            self.t_log, self.seen_log = time.perf_counter(), 0
            for step in range(steps):
                single, part = self._pause_point(epoch) if self.control.paused or self._paused else (False, None)
                if self.control.stopping:
                    return "stopped", f"stopped by the user at epoch {epoch}, step {self.global_step}"
                fields = {k: b[step] for k, b in zip(names, batches)}
                if world > 1:  # this rank's share of the global batch
                    fields = {k: v[:local] for k, v in fields.items()}
                if aug:
                    fields["x"] = apply_augmentation(fields["x"], aug, gen)
                task.epoch_progress = epoch - 1 + step / steps
                metrics = self._step(fields, batch, part)
                seen = len(fields["x"]) * world
                self.metrics.add(metrics, seen, self.global_step)
                self.seen_log += seen
                self.global_step += 1
                for schedule in self.schedules.values():
                    schedule.after_step()
                if self.global_step % log_every == 0 or step == steps - 1 or single:
                    self._log_step(epoch)
                    self._maybe_snapshot(self.global_step, force=single)
            if self.control.stopping:  # before validation, which would delay the stop by a full pass
                return "stopped", f"stopped by the user at the end of epoch {epoch}"
            ended = self._end_of_epoch(epoch, val, batch)
            if ended:
                return "finished", ended
        return "finished", f"trained {plan.epochs} epochs"

    def _announce(self, data, task_name: str, n: int, n_val: int, steps: int, batch: int, amp) -> None:
        """The run_started event: what trains, on what, how long, and what it reports."""
        plan, decl = self.plan, self.plan.declaration
        self.emit("run_started", run_id=self.run_record["id"], device=device_label(self.device),
                  device_type=self.device.type, task=task_name, dataset=data.name, classes=data.classes,
                  train_samples=n, val_samples=n_val, epochs=plan.epochs, steps_per_epoch=steps,
                  batch_size=batch, params=sum(p.numel() for p in self.compiled.module.parameters()),
                  precision=str(amp).replace("torch.", "") if amp else "fp32", world_size=self.world,
                  metrics=[dataclasses.asdict(m) for m in decl.metrics], plots=list(decl.plots),
                  parts=list(self.task.optimizers), monitor=self.monitor)
        self.run_record.update(device=device_label(self.device), task=task_name, dataset=data.name)

    def _pause_point(self, epoch: int) -> tuple[bool, str | None]:
        """Before a step while paused (or just resumed): wait; (True, part) when one single step was
        asked for (``part``: the one part to update, or None), (False, None) when the run goes on."""
        if not self.control.paused:  # resumed during a single step
            self.emit("resumed", epoch=epoch, step=self.global_step)
            self._paused = False
            self.t_log, self.seen_log = time.perf_counter(), 0
            return False, None
        if not self._paused:
            if self.metrics.counts:  # the steps before the pause get their own record
                self._log_step(epoch)
            self.emit("paused", epoch=epoch, step=self.global_step)
            self._paused = True
        request = self.control.wait_while_paused()
        self.t_log, self.seen_log = time.perf_counter(), 0  # a single step is timed on its own
        if request is not None:
            return True, request[1]
        if not self.control.stopping:
            self.emit("resumed", epoch=epoch, step=self.global_step)
        self._paused = False
        return False, None

    def _end_of_epoch(self, epoch: int, val: dict, batch: int) -> str | None:
        """Validate, record the epoch, keep the best weights; the reason the run ends here, or None."""
        plan, task = self.plan, self.task
        for schedule in self.schedules.values():
            schedule.after_epoch()
        train_stats = self.epoch_totals.means()
        measured = task.evaluate(val, max(batch, 1024)) if len(val["x"]) else {}
        measured = {f"val_{k}": v for k, v in measured.items()}
        epoch_record = dict(epoch=epoch, step=self.global_step, **train_stats, **self._lrs(),
                            elapsed_s=time.perf_counter() - self.t0, **measured)
        if measured:
            self.emit("validation", epoch=epoch, **measured)
        self.emit("epoch", **epoch_record)
        self._maybe_snapshot(self.global_step, force=True)
        ended = task.verdict(epoch == plan.epochs)  # a task may end the run (a perceptron that converged)
        if ended or self.monitor is None:
            return ended
        if self._track_best(epoch, {**epoch_record, **measured}, self.monitor):
            self.emit("checkpoint", epoch=epoch, monitor=self.best["monitor"], value=self.best["value"])
            self._bad_epochs = 0
        else:
            self._bad_epochs += 1
        patience = plan.stopping.patience
        if patience is not None and self.best and self._bad_epochs >= patience:
            return (f"early stopping: {self.best['monitor']} did not improve for {patience} epochs; restored the "
                    f"best weights from epoch {self.best['epoch']}")
        return None

    def _lrs(self) -> dict[str, float | None]:
        """``lr`` of the first part's optimizer, ``lr_<part>`` of the others."""
        out: dict[str, float | None] = {"lr": None}
        for i, (part, schedule) in enumerate(self.schedules.items()):
            out["lr" if i == 0 else f"lr_{part}"] = schedule.lr
        return out

    def _log_step(self, epoch: int) -> None:
        """Read the metrics since the last read (one sync) and announce a step record."""
        stats = self.metrics.read()
        self._check_finite(stats, epoch)
        self.epoch_totals.add(stats)
        self.keeper.keep()
        now = time.perf_counter()
        rate = self.seen_log / max(now - self.t_log, 1e-9)
        self.t_log, self.seen_log = now, 0
        elapsed = now - self.t0
        eta = elapsed / self.global_step * (self.total_steps - self.global_step)
        metrics = {k: v for k, v in stats.items() if k not in ("count", "first_bad_step")}
        record = dict(epoch=epoch, step=self.global_step, total_steps=self.total_steps, **metrics, **self._lrs(),
                      samples_per_s=rate, elapsed_s=elapsed, eta_s=eta)
        self.emit("step", **record)
        self._keep_step(record, list(metrics))

    def _step(self, fields, batch, only=None):
        try:
            return self.task.train_step(fields) if only is None else self.task.train_step(fields, only=only)
        except TaskError as e:
            raise RunFailed(str(e)) from None
        except Exception as e:
            if not is_out_of_memory(e):
                raise
            del e
            free_memory(self.device)
            raise RunFailed(f"the {self.device.type.upper()} ran out of memory with batch size {batch}: "
                            f"try --batch-size {self._fitting_batch(fields, batch)}") from None

    def _fitting_batch(self, fields, batch: int) -> int:
        """Halve the batch until one forward/backward fits (no optimizer step)."""
        size = batch // 2
        while size >= 1:
            try:
                self.task.probe({k: v[:size] for k, v in fields.items()})
                return size
            except Exception as e:
                if not is_out_of_memory(e):
                    return max(1, size)
                free_memory(self.device)
                size //= 2
        return 1

    def _check_finite(self, stats: dict, epoch: int) -> None:
        step = stats.get("first_bad_step")
        bad = next((k for k, v in stats.items() if k != "count" and isinstance(v, float) and not math.isfinite(v)),
                   None)
        if bad is None and step is None:
            return
        value = stats.get(bad, float("nan"))
        metric = self.plan.declaration.metric(bad) if bad else None
        self._restored = True
        if all(getattr(opt, "skips_non_finite", False) for opt in self.task.optimizers.values()):
            # the optimizers skipped the non-finite steps on the device: the weights are those of
            # the last finite step; only statistics a NaN forward touched (BatchNorm) go back
            self.keeper.restore(buffers_only=True)
            kept = "the weights of the last finite step were kept"
        else:
            self.keeper.restore()
            kept = "the last finite weights were kept"
        lr = self.plan.settings["optimizer"]["lr"]
        raise RunFailed(f"the {metric.label if metric else 'loss'} became {'NaN' if math.isnan(value) else 'infinite'} "
                        f"at step {step if step is not None else '?'} (epoch {epoch}); {kept} and saved: lower the "
                        f"learning rate (e.g. {lr / 10:g}) or turn on gradient clipping")

    def _track_best(self, epoch: int, record: dict, monitor: str) -> bool:
        key = monitor if monitor in record else (monitor[4:] if monitor[4:] in record else None)
        value = record.get(key) if key else None
        if value is None:
            return False
        metric = self.plan.declaration.metric(key)
        higher = metric is not None and metric.goal == "max"
        delta = self.plan.stopping.min_delta
        old = self.best.get("value")
        better = old is None or (value > old + delta if higher else value < old - delta)
        if better:
            self.best = {"epoch": epoch, "monitor": key, "value": value}
            self.keeper.keep_best()
        return better

    def _keep_step(self, record: dict, names: list[str]) -> None:
        steps = self.run_record["steps"]
        steps.append({k: record.get(k) for k in ("epoch", "step", *names, *self._lrs())})
        if len(steps) > MAX_STEP_POINTS:
            del steps[1::2]

    def _maybe_snapshot(self, step: int, force: bool = False) -> None:
        if self.rank:
            return
        blocks = self.control.feature_blocks
        attending = self.attention.watched(blocks)
        with self.attention.recording(attending):
            maps = self.snapshots.take(blocks, force) if blocks else None
        if maps:
            self.emit("feature_maps", step=step, maps=maps, weights=self.snapshots.weights(blocks))
        fields = self.attention.read(attending) if attending and maps is not None else None
        if fields:
            self.emit("attention", step=step, **fields)
        norms = self.gradients.take() if self.control.gradient_norms and not force else None
        if norms:
            self.emit("gradients", step=step, norms=norms)
        if self.control.samples and self._sample_due(force):
            payload = self.task.samples()
            if payload:
                self.emit("samples", step=step, epoch=self.task.epoch_progress, **payload)

    def _sample_due(self, force: bool) -> bool:
        now = time.perf_counter()
        if not force and now - getattr(self, "_last_sample", 0.0) < 1.0 / self.control.samples_per_s:
            return False
        self._last_sample = now
        return True

    # ---- the end ------------------------------------------------------------------------
    def _finish(self, status: str, reason: str) -> TrainResult:
        weights = checkpoint = None
        if self.keeper is not None:
            if status == "failed" and not self._restored:
                self.keeper.restore()
            checkpoint = self.keeper.best_bytes()
            if self.plan.stopping.enabled and checkpoint and status == "finished" and getattr(self, "monitor", None):
                self.keeper.restore_best()
            weights = state_to_bytes(self.compiled.module)
        record = self.run_record
        record.update(status=status, reason=reason, finished=now_iso(), best=self.best or None)
        if status == "failed":
            self.emit("failed", reason=reason)
        else:
            self.emit(status, reason=reason, best=self.best or None)
        return TrainResult(status, reason, record, weights, checkpoint)


DEFAULT_AFFINE = {"degrees": 10.0, "translate": 0.1, "scale": [0.9, 1.1]}


def augmentation_spec(settings: dict) -> dict:
    """The data package's augmentation spec from the training settings (affine: true -> defaults)."""
    spec = {k: v for k, v in settings.items() if v}
    if spec.get("affine") is True:
        spec["affine"] = DEFAULT_AFFINE
    try:
        return check_augmentation(spec)
    except DatasetError as e:
        raise RunFailed(str(e)) from None


def record_run(project: Project, result: TrainResult) -> None:
    """Put a finished run into the project: weights, best checkpoint and history. What the run
    changed for itself (its overrides: ``train --data``, ``--epochs``) stays in its history entry;
    the project's settings are never rewritten."""
    if result.weights:
        project.weights = result.weights
    if result.checkpoint:
        project.checkpoint = result.checkpoint
    runs = project.history.get("runs")
    if not isinstance(runs, list):  # a damaged history ("runs": {}) must not cost the new run
        runs = project.history["runs"] = []
    runs.append(result.run)
