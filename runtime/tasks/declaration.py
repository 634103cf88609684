"""What a kind of training declares about itself, without torch: its name and metrics, the graphs
and datasets it accepts, its own settings, how its graph splits into trained parts, the editor
views it wants, what `evaluate` and `predict` take and what their reports show.

Everything outside a task's package renders these declarations (the editor's tabs, the command
line's options and report text, the JSON Schema, the docs); nothing outside branches on a
task's name. A task package's ``__init__.py`` holds ``TASKS``, a tuple of these.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from nodes.spec import Param
from projects.parts import Anchor, Ends, PartRule, Wiring  # noqa: F401  (declared with the parts finder)


class TaskError(Exception):
    """The model and the chosen task do not fit together; one sentence with the fix."""


@dataclass(frozen=True)
class Metric:
    """One named number a task reports per training step and/or per evaluation.

    ``goal`` is "min" or "max" for a quality early stopping may watch, "" for a diagnostic
    (e.g. D(x)); ``plot`` is the dashboard plot it is drawn in (0: left, 1: right);
    ``step`` False for metrics only an evaluation computes (MAE of the validation split)."""

    name: str
    label: str
    short: str
    goal: str = "min"
    percent: bool = False
    plot: int = 0
    step: bool = True

    def text(self, value: float) -> str:
        """The value as the progress line and status bar show it."""
        return f"{value:.2%}" if self.percent else f"{value:.4f}"


@dataclass(frozen=True)
class SettingsSection:
    """A section of training.json that a task reads (a GAN's ``gan``, its discriminator's optimizer).
    ``flag_prefix`` starts the command-line flags of its settings (``--perceptron-eta``)."""

    name: str
    params: tuple[Param, ...]
    title: str = ""
    flag_prefix: str = ""


@dataclass(frozen=True)
class Option:
    """An option of `netcanvas evaluate` or `predict` that a task understands (``--samples N``)."""

    name: str  # the flag without dashes, e.g. "samples"
    kind: str  # "int" | "str" | "choice"
    help: str
    default: Any = None
    choices: tuple = ()


@dataclass(frozen=True)
class DataFit:
    """Which datasets a task trains on: the kinds of targets it accepts (a dataset source declares
    ``classes``, ``values`` or ``forecast``; "any" accepts all) and what to choose otherwise."""

    targets: tuple[str, ...] = ("any",)
    fix: str = ""
    options: tuple[tuple[str, Any], ...] = ()  # dataset settings the task needs (a GAN: normalize off)


@dataclass(frozen=True)
class Prediction:
    """What `predict` (and the editor's Prediction tab) does for this task.

    ``takes``: "images" (files required), "images?" (optional), "none" (refused);
    ``gives``: "classes" (probabilities per class), "images" (a PNG written), "" (no prediction;
    ``note`` says where to look instead)."""

    takes: str = "images"
    gives: str = "classes"
    note: str = ""


@dataclass(frozen=True)
class TaskDeclaration:
    """A kind of training, declared once (see the module docstring).

    ``heads``: head block types that choose this task when the task setting is auto; ``anchors``
    (exactly one each) and ``exclusive`` blocks are this task's alone, refused by the others;
    ``accepts_heads``: head types it trains when chosen by name (empty: any head that no
    exclusive task owns); ``optimizers``: (part, settings section) trained by their own
    optimizer; ``views``: editor views it wants shown ("samples", "rule", "explore");
    ``describe``: report -> list of report sections (reports.py); ``samples_per_s``: how often a
    run in the editor sends its live samples (a number, or a function of the graph)."""

    name: str
    title: str
    help: str
    metrics: tuple[Metric, ...]
    plots: tuple[str, str] = ("Loss", "Accuracy")
    heads: tuple[str, ...] = ()
    accepts_heads: tuple[str, ...] = ()
    anchors: tuple[Anchor, ...] = ()
    exclusive: tuple[str, ...] = ()  # more block types only this task trains (besides its anchors)
    wiring: tuple[Wiring, ...] = ()
    parts: tuple[PartRule, ...] = ()
    optimizers: tuple[tuple[str, str], ...] = (("model", "optimizer"),)
    settings: tuple[SettingsSection, ...] = ()
    section_titles: tuple[tuple[str, str], ...] = ()  # how it names common sections ("Optimizer (generator)")
    data: DataFit = DataFit()
    schedule: str = "wsd"  # what the "auto" learning-rate schedule means for this task
    monitor: str = ""  # the auto monitor (empty: val_accuracy when reported, else the first)
    views: tuple[str, ...] = ()
    explore: tuple[str, ...] = ()
    prediction: Prediction = Prediction()
    evaluate_options: tuple[Option, ...] = ()
    predict_options: tuple[Option, ...] = ()
    traced: bool = False  # its samples events carry a ``trace`` of rows the command line prints
    samples_per_s: float | Callable[[Any], float] = 0.0
    describe: Callable[[dict], list[dict]] | None = None
    training: str = "training:Training"  # "module:class" inside the task's package
    use: str = "use:Use"
    replaces: tuple[str, ...] = ()  # former names of this task (old project files)
    package: str = field(default="", compare=False)  # set by the registry

    @property
    def monitors(self) -> tuple[str, ...]:
        """Validation metrics early stopping and the best checkpoint may watch (none: neither applies)."""
        return tuple(f"val_{m.name}" for m in self.metrics if m.goal)

    def metric(self, name: str) -> Metric | None:
        """The metric called ``name`` (``val_`` prefix allowed)."""
        name = name[4:] if name.startswith("val_") else name
        return next((m for m in self.metrics if m.name == name), None)

    @property
    def generative(self) -> bool:
        """Whether it makes samples rather than predicting targets (its prediction gives images
        from noise); the editor's Samples tab is for these."""
        return "samples" in self.views

    def samples_rate(self, graph) -> float:
        """How many live samples events a second a run of ``graph`` sends to the editor."""
        rate = self.samples_per_s
        return float(rate(graph) if callable(rate) else rate)

    def sections(self, report: dict) -> list[dict]:
        """The report as sections to show (reports.py), from the task's ``describe``."""
        return list(self.describe(report)) if self.describe else []
