"""The training state of the open project, as the editor's views see it (no Qt): which task it
trains (or why none), its runs and weights, the evaluation kept with its last run, and whether a
run of it is going on. The run controller rebuilds it in one place (``training_state``) whenever
any of these change; every view renders it (views.py), so no view shows another project's results.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.plan import task_choice
from runtime.tasks import TaskDeclaration
from runtime.tasks.choice import TaskChoice

IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"


@dataclass(frozen=True)
class TrainingState:
    """What the Training tab shows. ``run``: the state of a run of this project (IDLE when none is
    going; a run of another project, left running when this one was opened, is ``elsewhere``)."""

    project: Any
    choice: TaskChoice
    runs: tuple[dict, ...] = ()
    run: str = IDLE
    elsewhere: bool = False
    evaluation: dict | None = None
    weights: Any = field(default=None, compare=False)  # the project's weights blob (identity tells a new run)
    run_number: int = 0  # runs started in this editor: a view tells a new run from the same one paused

    @property
    def task(self) -> TaskDeclaration | None:
        return self.choice.declaration

    @property
    def trained(self) -> bool:
        return self.weights is not None

    @property
    def live(self) -> bool:
        """A run of this project is going (running, paused or stopping)."""
        return self.run != IDLE

    @property
    def last_run(self) -> dict | None:
        return self.runs[-1] if self.runs else None

    def wants(self, view: str) -> bool:
        """Whether the project's task asks for the editor view ``view`` ("samples", "rule")."""
        return self.task is not None and view in self.task.views


def saved_evaluation(project) -> dict | None:
    """The evaluation kept with the project's last run, when the project still has that run's weights."""
    runs = project.history.get("runs") or [] if project is not None else []
    report = runs[-1].get("evaluation") if runs and project.weights and isinstance(runs[-1], dict) else None
    return report if isinstance(report, dict) else None


def training_state(project, run: str = IDLE, elsewhere: bool = False, run_number: int = 0) -> TrainingState:
    """The state of ``project`` with a run of it in state ``run`` (``elsewhere``: a run of another
    project goes on in the background; ``run_number``: how many runs the editor started)."""
    runs = tuple(r for r in (project.history.get("runs") or []) if isinstance(r, dict))
    return TrainingState(project, task_choice(project), runs, run, elsewhere, saved_evaluation(project),
                         project.weights, run_number)
