"""One run plan: a project's training settings and a run's overrides merged, checked and every
"auto" resolved, once, into a typed and immutable RunPlan (no torch).

The trainer, the command line, the editor, torchrun's workers and the run record read the plan
and nothing else; defaults live in the settings schema alone (runtime/settings.py). A run's
overrides are recorded with the run (``RunPlan.overrides``) and never written into the project.
Machine-dependent choices (device, CPU threads, number format) stay "auto" here and are resolved
where the run executes (runtime/devices.py, runtime/threads.py), recorded with the run.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from projects.problems import Problem
from projects.training import complete_training, training_problems

from .data.catalog import dataset_problems
from .settings import foreign_settings, settings_schema
from .tasks import TaskDeclaration, task_declaration
from .tasks.choice import TaskChoice, choose_task

AUTO_PATIENCE_MIN = 3
SHORT_RUN_EPOCHS = 5  # auto early stopping leaves runs this short alone: they have no plateau to find
AUTO_WARMUP_MAX_EPOCHS = 1.0  # warm-up of the auto schedule: a tenth of the run, at most this


class PlanError(Exception):
    """Settings a run cannot start with; one sentence naming the setting (or block) and the fix."""

    def __init__(self, message: str, problem: Problem | None = None):
        super().__init__(message)
        self.problem = problem or Problem(message)


class Frozen(dict):
    """A read-only dict (nested values frozen too) that pickles (a plan crosses to a training process)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, value in dict.items(self):
            if isinstance(value, dict) and not isinstance(value, Frozen):
                dict.__setitem__(self, key, Frozen(value))
            elif isinstance(value, list):
                dict.__setitem__(self, key, tuple(value))

    def _refuse(self, *args, **kwargs):
        raise TypeError("a run plan cannot be changed: make a new one with plan_run")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):
        return (Frozen, (dict(self),))

    def __deepcopy__(self, memo):
        return self

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def thaw(self) -> dict:
        """A plain, mutable deep copy (for JSON)."""
        return {k: v.thaw() if isinstance(v, Frozen) else list(v) if isinstance(v, tuple) else v
                for k, v in self.items()}


@dataclass(frozen=True)
class OptimizerPlan:
    name: str
    lr: float
    momentum: float
    nesterov: bool
    beta1: float
    beta2: float
    weight_decay: float


@dataclass(frozen=True)
class SchedulePlan:
    name: str  # none | step | cosine | onecycle | wsd ("auto" resolved)
    warmup_epochs: float
    decay_fraction: float
    step_size: int
    gamma: float
    auto: bool = False  # chosen by "auto"


@dataclass(frozen=True)
class ClipPlan:
    mode: str  # none | norm | value ("auto" resolved)
    value: float
    auto: bool = False


@dataclass(frozen=True)
class StoppingPlan:
    enabled: bool
    monitor: str | None  # the validation metric watched (None: the task reports none)
    patience: int | None  # None: the run is never stopped early
    min_delta: float


@dataclass(frozen=True)
class RunPlan:
    """Everything a run needs to know about its settings, resolved (see the module docstring)."""

    task: str
    epochs: int
    batch_size: int
    seed: int
    device: str
    threads: int
    precision: str
    compile: bool
    log_every: int
    optimizers: Frozen  # part -> OptimizerPlan
    schedule: SchedulePlan
    clip: ClipPlan
    stopping: StoppingPlan
    augment: Frozen
    dataset: Frozen  # the dataset settings to load with (the task's own needs applied)
    sections: Frozen  # the task's own sections, completed: {"gan": {"d_steps": 1}}
    overrides: Frozen  # what the run changed from the project's settings
    settings: Frozen  # the merged settings with every "auto" resolved, shaped like training.json
    resume_weights: bool = False

    @property
    def declaration(self) -> TaskDeclaration:
        return task_declaration(self.task)

    def section(self, name: str) -> Frozen:
        """A task section of the plan (``plan.section("gan").d_steps``)."""
        return self.sections[name]

    def record(self) -> dict[str, Any]:
        """The settings as the run's history entry keeps them (JSON)."""
        return self.settings.thaw()


def merge_settings(training: dict | None, overrides: dict | None) -> dict[str, Any]:
    """The project's settings with ``overrides`` applied (a section is merged key by key; a dataset
    override naming another source replaces the dataset section, whose old options would not fit it)."""
    out = copy.deepcopy(dict(training or {}))
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            other_source = key == "dataset" and value.get("name", out[key].get("name")) != out[key].get("name")
            out[key] = copy.deepcopy(value) if other_source else {**out[key], **copy.deepcopy(value)}
        else:
            out[key] = copy.deepcopy(value)
    return out


def plan_run(project, overrides: dict | None = None, *, data_given: bool = False) -> RunPlan:
    """The plan of a run of ``project`` with ``overrides``; PlanError with the first problem.
    ``data_given``: the caller hands the trainer its own Dataset, so the dataset settings only label it."""
    plan, problems = check_run(project, overrides, data_given=data_given)
    if plan is None:
        raise PlanError(problems[0].message, problems[0])
    return plan


def check_run(project, overrides: dict | None = None, *,
              data_given: bool = False) -> tuple[RunPlan | None, list[Problem]]:
    """(the plan, []) or (None, every problem found, one sentence each): the editor shows them all."""
    merged = merge_settings(project.training, overrides)
    choice = choose_task(project.graph, merged.get("task"), merged.get("dataset") or {})
    decl = choice.declaration
    schema = settings_schema(decl)
    settings = complete_training(merged, schema)
    data = [] if data_given else dataset_problems(settings.get("dataset") or {})
    problems = [Problem(text) for text in training_problems(settings, schema) + data]
    if decl is not None:
        problems += [Problem(text) for text in foreign_settings(overrides, decl)]
    if choice.problem is not None:
        problems.insert(0, choice.problem)
    if problems or decl is None:
        return None, problems
    return _resolve(settings, decl, choice, project.graph, overrides or {}), []


def task_choice(project, overrides: dict | None = None) -> TaskChoice:
    """Which task ``project`` trains (the editor's views follow it), with the problem if none fits."""
    merged = merge_settings(project.training, overrides)
    return choose_task(project.graph, merged.get("task"), merged.get("dataset") or {})


def _resolve(s: dict, decl: TaskDeclaration, choice: TaskChoice, graph, overrides: dict) -> RunPlan:
    s["task"] = decl.name
    schedule = resolved_schedule(s, decl)
    clip = resolved_clip(s, graph)
    s["schedule"], s["clip"] = schedule, clip
    monitor = resolved_monitor(s, decl)
    dataset = {**s.get("dataset", {}), **dict(decl.data.options)}
    optimizers = {part: OptimizerPlan(**{k: s[section][k] for k in OptimizerPlan.__dataclass_fields__})
                  for part, section in decl.optimizers}
    sections = {sec.name: s.get(sec.name, {}) for sec in decl.settings}
    stopping = StoppingPlan(bool(s["early_stopping"]["enabled"]), monitor, resolved_patience(s),
                            float(s["early_stopping"]["min_delta"]))
    return RunPlan(
        task=decl.name, epochs=s["epochs"], batch_size=s["batch_size"], seed=s["seed"], device=s["device"],
        threads=s["threads"], precision=s["precision"], compile=bool(s["compile"]), log_every=s["log_every"],
        optimizers=Frozen(optimizers),
        schedule=SchedulePlan(**{k: schedule[k] for k in ("name", "warmup_epochs", "decay_fraction", "step_size",
                                                           "gamma")}, auto=schedule.get("chosen") == "auto"),
        clip=ClipPlan(clip["mode"], float(clip["value"]), auto=clip.get("chosen") == "auto"),
        stopping=stopping, augment=Frozen(s.get("augment") or {}), dataset=Frozen(dataset),
        sections=Frozen(sections), overrides=Frozen(overrides), settings=Frozen(s),
        resume_weights=bool(s.get("resume_weights")))


def resolved_patience(settings: dict) -> int | None:
    """Epochs without improvement before a run stops; None when early stopping does not apply
    (disabled, or auto on a short run). Auto (0) is a tenth of the epochs, at least 3, so that a
    long run is not cut short by a few noisy epochs."""
    stop = settings["early_stopping"]
    if not stop["enabled"]:
        return None
    if stop["patience"]:
        return int(stop["patience"])
    if settings["epochs"] <= SHORT_RUN_EPOCHS:
        return None
    return max(AUTO_PATIENCE_MIN, -(-settings["epochs"] // 10))


def resolved_monitor(settings: dict, decl: TaskDeclaration) -> str | None:
    """The validation metric early stopping and the best checkpoint watch (None: the task has none).
    Auto: what a person judges the model by (validation accuracy for a classifier, whose loss can
    rise while its accuracy still improves), else the task's first; one the task does not report:
    its first."""
    monitors = decl.monitors
    if not monitors:
        return None
    chosen = settings["early_stopping"]["monitor"]
    if chosen == "auto":
        preferred = decl.monitor or "val_accuracy"
        return preferred if preferred in monitors else monitors[0]
    return chosen if chosen in monitors else monitors[0]


def resolved_schedule(settings: dict, decl: TaskDeclaration) -> dict[str, Any]:
    """The schedule section of a run. "auto" (the default) becomes the task's own choice: for most,
    warm-up, stable, decay (a linear warm-up over a tenth of the run, at most one epoch; the rate
    set; a linear fall to zero over the last fifth), which keeps a still-improving run's progress
    and turns a plateau into gains (docs/training.md has the measurements); GANs and VAEs keep a
    constant rate. It is marked ``chosen: auto`` so the run record shows it was the default."""
    schedule = dict(settings["schedule"])
    if schedule["name"] != "auto":
        return schedule
    schedule.update(name=decl.schedule, chosen="auto")
    if decl.schedule in ("cosine", "wsd"):
        schedule["warmup_epochs"] = min(AUTO_WARMUP_MAX_EPOCHS, settings["epochs"] / 10)
    return schedule


def has_recurrent_block(graph) -> bool:
    """Whether ``graph`` has an RNN, LSTM or GRU block (whose gradients can explode over long spans)."""
    return any(getattr(node.block, "category", None) == "Recurrent" for node in graph.nodes.values())


def resolved_clip(settings: dict, graph) -> dict[str, Any]:
    """The clip section of a run: "auto" (the default) clips the gradient norm at ``value`` for a
    graph with a recurrent block and not at all otherwise; an explicit mode is kept."""
    clip = dict(settings["clip"])
    if clip["mode"] == "auto":
        clip["mode"] = "norm" if has_recurrent_block(graph) else "none"
        clip["chosen"] = "auto"  # the run record shows it was the default, not the user's choice
    return clip


def auto_notes(plan: RunPlan) -> str:
    """One line per "auto" setting saying what it does for this graph and task (the editor shows them)."""
    lines = []
    if plan.clip.auto:
        lines.append(f"Gradient clipping (auto): by norm at {plan.clip.value:g}, because the graph has a recurrent "
                     "block; choose none to turn it off" if plan.clip.mode == "norm" else
                     "Gradient clipping (auto): off, because the graph has no recurrent block (RNN, LSTM or GRU)")
    if plan.schedule.auto:
        s = plan.schedule
        lines.append(f"Schedule (auto): the learning rate rises over the first {s.warmup_epochs:g} epochs, stays at "
                     f"the rate set, then falls to zero over the last {s.decay_fraction:.0%} of the run; choose none "
                     "for a constant rate" if s.name == "wsd" else "Schedule (auto): a constant learning rate for "
                     "this task")
    return "\n".join(lines)
