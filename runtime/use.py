"""Using a trained project: evaluate it, predict with it, explore it. The project's task (the one
torch-free choice: runtime.tasks.choice) does the work through its package's ``use`` module; this
module only finds the task, checks the options against what the task declares, and says what
does not apply in one sentence."""
from __future__ import annotations

from typing import Any, Callable

from .tasks import TaskDeclaration, task_declaration, use_of
from .tasks.choice import choose_task
from .tasks.usage import TRANSIENT, kept  # noqa: F401  (re-exported for the editor)
from .trained import EvaluationError, last_run  # noqa: F401


def project_task(project) -> TaskDeclaration:
    """The task ``project`` trains with (its setting, or what its head says); an EvaluationError when
    none fits."""
    choice = choose_task(project.graph, (project.training or {}).get("task"))
    if choice.declaration is None or (choice.problem is not None and not project.weights):
        raise EvaluationError(choice.problem.message if choice.problem else "this project has no task")
    return choice.declaration


def check_options(decl: TaskDeclaration, options: dict, declared, command: str) -> dict:
    """The options that were given (not None), refused in one sentence when ``decl`` does not take them."""
    given = {k: v for k, v in options.items() if v is not None}
    names = {o.name for o in declared}
    for key in given:
        if key not in names:
            flag = "--" + key.replace("_", "-")
            raise EvaluationError(f"{flag} does not apply to {command} a {decl.title} project; drop it")
    return given


def evaluate_project(project, split: str = "test", data: str | None = None, best: bool = False,
                     pictures: bool = False, notify: Callable[[str], None] | None = None, **options) -> dict[str, Any]:
    """The task's report of the trained model on a dataset split (``options``: those the task
    declares for evaluate, e.g. a GAN's ``samples``); ``pictures``: with the editor's images under
    ``transient``."""
    if not project.weights and not (best and project.checkpoint):
        raise EvaluationError("this project has no trained weights yet: run `netcanvas train` on it first")
    decl = project_task(project)
    given = check_options(decl, options, decl.evaluate_options, "evaluating")
    return use_of(decl.name).report(project, decl, split, data, best, pictures=pictures, notify=notify, **given)


def predict_project(project, inputs: list[str], best: bool = False, output: str | None = None,
                    **options) -> dict[str, Any]:
    """What the trained model says of the files ``inputs`` (or, for a model that makes samples, a
    picture of them, written to ``output``): {"task", "results", "lines", maybe "file"}."""
    decl = project_task(project)
    takes = decl.prediction.takes
    if takes == "none" and inputs and decl.prediction.gives != "images":
        raise EvaluationError(decl.prediction.note)
    if takes == "images" and not inputs and decl.prediction.gives == "classes":
        raise EvaluationError("no image files were given; name one or more image files after the project to predict "
                              "their classes")
    given = check_options(decl, options, decl.predict_options, "predicting with")
    if decl.prediction.gives == "images":
        given["output"] = output  # where the picture goes (the editor asks for none: it shows them)
    return use_of(decl.name).predict(project, decl, list(inputs), best, **given)


def explorer_of(project, best: bool = False):
    """The Samples tab's explorer of a trained generative project (None for other tasks)."""
    decl = project_task(project)
    return use_of(decl.name).explorer(project, decl, best)


def report_sections(report: dict) -> list[dict]:
    """The sections a report shows (its task's ``describe``); none for a task this NetCanvas lacks."""
    decl = task_declaration(report.get("task"))
    return decl.sections(report) if decl is not None else []
