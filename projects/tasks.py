"""The list of training tasks, declared once: what each task is called, what it reports, which
parts of a graph it trains and with which optimizer settings. No torch, no Qt.

The training schema (``projects/training.py``), the JSON Schema and docs, the editor's curves
and the command line's progress line read this list; ``runtime/tasks/`` registers one
implementation per name (a test checks that both lists agree).
"""
from __future__ import annotations

from dataclasses import dataclass


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
class TaskSpec:
    """A kind of training. ``heads``: the head block tasks that choose it when ``task`` is auto;
    ``parts``: (part name, optimizer settings section) trained by their own optimizer;
    ``sections``: further training-settings sections the task reads; ``plots``: titles of the
    dashboard's two plots."""

    name: str
    title: str
    help: str
    metrics: tuple[Metric, ...]
    heads: tuple[str, ...] = ()
    parts: tuple[tuple[str, str], ...] = (("model", "optimizer"),)
    sections: tuple[str, ...] = ()
    plots: tuple[str, str] = ("Loss", "Accuracy")
    generative: bool = False
    traced: bool = False  # its samples events carry a ``trace`` of rows the command line prints
    schedule: str = "wsd"  # what the "auto" learning-rate schedule means for this task (docs/training.md)

    @property
    def monitors(self) -> tuple[str, ...]:
        """Validation metrics early stopping and the best checkpoint may watch (none: neither applies)."""
        return tuple(f"val_{m.name}" for m in self.metrics if m.goal)

    def metric(self, name: str) -> Metric | None:
        """The metric called ``name`` (``val_`` prefix allowed)."""
        name = name[4:] if name.startswith("val_") else name
        return next((m for m in self.metrics if m.name == name), None)


LOSS = Metric("loss", "loss", "loss")
ACCURACY = Metric("accuracy", "accuracy", "acc", goal="max", percent=True, plot=1)
REGRESSION = (LOSS, Metric("mae", "MAE", "mae", plot=1, step=False), Metric("mse", "MSE", "mse", plot=1, step=False),
              Metric("r2", "R²", "r2", goal="max", plot=1, step=False))

TASK_SPECS: dict[str, TaskSpec] = {t.name: t for t in (
    TaskSpec("classification", "Classification", "Learn class ids from examples (softmax + cross-entropy)",
             (LOSS, ACCURACY), heads=("classification",)),
    TaskSpec("regression", "Regression", "Learn numbers: make the outputs close to the targets",
             REGRESSION, heads=("regression",), plots=("Loss", "Validation error")),
    TaskSpec("binary", "Binary classification", "Answer a yes/no question (sigmoid + binary cross-entropy)",
             (LOSS, ACCURACY), heads=("binary",)),
    TaskSpec("sequence_classification", "Sequence classification",
             "Classify whole sequences (text lines, signals) with a classification head", (LOSS, ACCURACY)),
    TaskSpec("forecasting", "Forecasting", "Predict the next values of a series from a window of its past",
             REGRESSION, plots=("Loss", "Validation error")),
    TaskSpec("gan", "GAN (adversarial)", "A generator learns to make samples a discriminator cannot tell from "
             "real ones; both are parts of one graph, each with its own optimizer",
             (Metric("d_loss", "D loss", "D", goal=""), Metric("g_loss", "G loss", "G", goal=""),
              Metric("d_real", "D(x)", "D(x)", goal="", plot=1), Metric("d_fake", "D(G(z))", "D(G(z))", goal="", plot=1)),
             heads=("gan",), parts=(("generator", "optimizer"), ("discriminator", "d_optimizer")),
             sections=("gan",), plots=("Generator and discriminator losses", "D(x) and D(G(z))"), generative=True,
             schedule="none"),
    TaskSpec("vae", "VAE (variational)", "An encoder and a decoder learn to rebuild their input through a small "
             "random latent code (loss = reconstruction + beta x KL, the negative ELBO)",
             (Metric("loss", "loss (−ELBO)", "loss"), Metric("recon", "reconstruction", "rec", plot=1),
              Metric("kl", "KL", "kl", plot=1)),
             heads=("vae",), sections=("vae",), plots=("Loss (negative ELBO per image)", "Reconstruction and KL"),
             generative=True, schedule="none"),
    TaskSpec("perceptron", "Perceptron rule", "One sign unit learns two classes one sample at a time: w <- w + "
             "eta (d - y) e, until an epoch changes nothing (Practical Exercises 01)",
             (Metric("mistakes", "mistakes (weight updates)", "wrong", goal="", percent=True),
              Metric("accuracy", "accuracy", "acc", goal="", percent=True, plot=1)),
             parts=(), sections=("perceptron",), plots=("Mistakes: samples that changed the weights", "Accuracy"),
             traced=True, schedule="none"),
)}

TASK_NAMES: tuple[str, ...] = tuple(TASK_SPECS)
ALL_MONITORS: tuple[str, ...] = tuple(dict.fromkeys(m for t in TASK_SPECS.values() for m in t.monitors))


def task_for_head(head_task: str) -> str | None:
    """The task a head of kind ``head_task`` trains with when the setting is auto."""
    return next((t.name for t in TASK_SPECS.values() if head_task in t.heads), None)


def task_spec(name: str) -> TaskSpec:
    """The declaration of task ``name`` (KeyError for an unknown name)."""
    return TASK_SPECS[name]
