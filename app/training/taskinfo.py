"""Which task a project or a recorded run trains, and what it reports, without torch: the
metric names, labels and plot titles of projects.tasks, read by the curves, the status line and
the Samples tab. No Qt here."""
from __future__ import annotations

from dataclasses import dataclass, fields

from projects.tasks import TASK_SPECS, Metric, TaskSpec, task_for_head

DEFAULT_TASK = "classification"  # runs recorded without a task name were classifiers


def project_task(project) -> str | None:
    """The task ``project`` trains with: its setting, or the one its head names when it is auto
    (None when no head says)."""
    task = (project.training or {}).get("task") or "auto"
    if task != "auto":
        return task if task in TASK_SPECS else None
    for node in project.graph.nodes.values():
        block = node.block
        if block is not None and block.role == "head":
            found = task_for_head(getattr(block, "task", ""))
            if found:
                return found
    return None


def is_generative(task: str | None) -> bool:
    return bool(task in TASK_SPECS and TASK_SPECS[task].generative)


@dataclass(frozen=True)
class CurveSpec:
    """What the learning curves show: the task's metrics and the titles of the two plots."""

    task: str
    metrics: tuple[Metric, ...]
    titles: tuple[str, str]

    def metric(self, name: str) -> Metric | None:
        name = name[4:] if name.startswith("val_") else name
        return next((m for m in self.metrics if m.name == name), None)

    @property
    def step_metrics(self) -> tuple[Metric, ...]:
        return tuple(m for m in self.metrics if m.step)


def spec_of_task(task: str | None) -> CurveSpec:
    spec: TaskSpec = TASK_SPECS.get(task or "") or TASK_SPECS[DEFAULT_TASK]
    return CurveSpec(spec.name, spec.metrics, tuple(spec.plots))


def spec_of_event(e: dict) -> CurveSpec:
    """A run_started event's metrics and plot titles (older events: the task's declaration)."""
    if not e.get("metrics"):
        return spec_of_task(e.get("task"))
    names = {f.name for f in fields(Metric)}
    metrics = tuple(Metric(**{k: v for k, v in m.items() if k in names}) for m in e["metrics"])
    titles = tuple(e.get("plots") or spec_of_task(e.get("task")).titles)
    return CurveSpec(e.get("task") or DEFAULT_TASK, metrics, (titles + ("", ""))[:2])


def spec_of_run(run: dict) -> CurveSpec:
    """The curves of a recorded run (its task's declaration; loss/accuracy when it names none)."""
    return spec_of_task(run.get("task"))
