"""Which task a project or a recorded run trains, and what it reports, without torch: the metric
names, labels and plot titles a task declares (runtime/tasks/), read by the curves, the status
line and the views. No Qt here."""
from __future__ import annotations

from dataclasses import dataclass, fields

from runtime.plan import task_choice
from runtime.tasks import Metric, TaskDeclaration, declarations, task_declaration


def project_task(project) -> TaskDeclaration | None:
    """The task ``project`` trains with (runtime.plan.task_choice: the one choice the command line
    and the trainer make too), None when none fits."""
    return task_choice(project).declaration if project is not None else None


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


def spec_of_task(decl: TaskDeclaration | str | None) -> CurveSpec:
    """The curves of a task (a declaration or a name; the first registered task for none, as a run
    recorded without a task name was a classifier's)."""
    if not isinstance(decl, TaskDeclaration):
        decl = task_declaration(decl) or next(iter(declarations().values()))
    return CurveSpec(decl.name, decl.metrics, tuple(decl.plots))


def spec_of_event(e: dict) -> CurveSpec:
    """A run_started event's metrics and plot titles (older events: the task's declaration)."""
    if not e.get("metrics"):
        return spec_of_task(e.get("task"))
    names = {f.name for f in fields(Metric)}
    metrics = tuple(Metric(**{k: v for k, v in m.items() if k in names}) for m in e["metrics"])
    titles = tuple(e.get("plots") or spec_of_task(e.get("task")).titles)
    return CurveSpec(e.get("task") or spec_of_task(None).task, metrics, (titles + ("", ""))[:2])


def spec_of_run(run: dict) -> CurveSpec:
    """The curves of a recorded run (its task's declaration; the first task's when it names none)."""
    return spec_of_task(run.get("task"))
