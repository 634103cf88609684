"""The training settings every task reads: a typed schema (the same Param vocabulary as blocks, so
the inspector is generated the same way), defaults, and validation into one-sentence problems.

A task's own settings (a GAN's discriminator optimizer, a VAE's KL annealing) are declared by the
task (runtime/tasks/NAME/), a data source's options by the source; runtime/settings.py puts the
whole schema together and runtime/plan.py resolves a run's settings from it, once."""
from __future__ import annotations

import copy
from typing import Any

from nodes.spec import Param

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")


def optimizer_params(section: str, lr: float, beta1: float, what: str) -> tuple[tuple[str, Param], ...]:
    """The settings of one optimizer (the model's, or a GAN's discriminator's)."""
    return (
        (section, Param("name", "choice", "adam", f"Update rule{what}", choices=OPTIMIZERS, label="optimizer")),
        (section, Param("lr", "float", lr, f"Learning rate: size of each update step{what}", min=1e-7, max=10.0,
                        label="learning rate")),
        (section, Param("momentum", "float", 0.9, "SGD/RMSprop momentum", min=0.0, max=0.999)),
        (section, Param("nesterov", "bool", False, "Nesterov momentum (SGD)")),
        (section, Param("beta1", "float", beta1, "Adam/AdamW: decay of the running mean of the gradients "
                        "(0.5 steadies GANs)", min=0.0, max=0.9999)),
        (section, Param("beta2", "float", 0.999, "Adam/AdamW: decay of the running mean of squared gradients",
                        min=0.0, max=0.99999)),
        (section, Param("weight_decay", "float", 0.0, "L2 penalty on the weights", min=0.0, max=1.0,
                        label="weight decay")),
    )


# (section, Param); section None = top level of training.json
TRAINING_SCHEMA: tuple[tuple[str | None, Param], ...] = (
    ("dataset", Param("name", "str", "fashion-mnist-small", "Dataset to train on (see `netcanvas datasets`)",
                      label="dataset")),
    ("dataset", Param("path", "str", "", "Your own data: an image folder (one subfolder per class), a CSV or a "
                      "labelled text file; empty for the built-in datasets", label="data path")),
    ("dataset", Param("test_path", "str", "", "CSV data: a separate test file with the same header (empty: the "
                      "test rows are cut from the data file)", label="test file")),
    ("dataset", Param("val_fraction", "float", 0.1, "Share of the training set held out for validation",
                      min=0.0, max=0.9, label="validation share")),
    ("dataset", Param("test_fraction", "float", 0.2, "Share of the data held out as the test set, when the source "
                      "has no test set or test file of its own", min=0.0, max=0.9, label="test share")),
    ("dataset", Param("normalize", "choice", "auto", "Scale the inputs by the training split's mean and std "
                      "(auto: the dataset's usual choice, on for images and tables, off for synthetic waves "
                      "and points)", choices=("auto", "on", "off"))),
    (None, Param("task", "str", "auto", "What the model learns (auto: taken from the head; the tasks are listed by "
                 "`netcanvas tasks`)")),
    *optimizer_params("optimizer", 1e-3, 0.9, " (a GAN: the generator's)"),
    (None, Param("epochs", "int", 10, "Passes over the training set", min=1, max=100000)),
    (None, Param("batch_size", "int", 128, "Samples per update step", min=1, max=1_000_000, label="batch size")),
    ("schedule", Param("name", "choice", "auto", "How the learning rate changes over time (auto: wsd, a short "
                       "warm-up, the rate set, then a fall to zero over the last fifth; constant for GANs and VAEs)",
                       choices=("auto", "none", "step", "cosine", "onecycle", "wsd"), label="schedule")),
    ("schedule", Param("warmup_epochs", "float", 0.0, "Cosine and wsd schedules: epochs over which the learning "
                       "rate first rises linearly from zero (auto: a tenth of the run, at most one epoch)", min=0.0,
                       max=100000.0, label="warm-up epochs")),
    ("schedule", Param("decay_fraction", "float", 0.2, "Wsd schedule: share of the run, at its end, over which the "
                       "learning rate falls linearly to zero", min=0.01, max=1.0, label="decay share")),
    ("schedule", Param("step_size", "int", 5, "Step schedule: epochs between decays", min=1, max=100000,
                       label="step every")),
    ("schedule", Param("gamma", "float", 0.1, "Step schedule: factor applied at each decay", min=1e-6, max=1.0)),
    ("clip", Param("mode", "choice", "auto", "Gradient clipping (auto: by norm when the graph has a recurrent "
                   "block, RNN, LSTM or GRU, else none)", choices=("auto", "none", "norm", "value"),
                   label="clip gradients")),
    ("clip", Param("value", "float", 1.0, "Largest gradient norm (or value) allowed", min=1e-6, max=1e6,
                   label="clip at")),
    ("early_stopping", Param("enabled", "bool", True, "Stop when the validation metric stops improving",
                             label="early stopping")),
    ("early_stopping", Param("monitor", "str", "auto", "Metric watched by early stopping and checkpoints "
                             "(auto: validation accuracy for classifiers, else the task's first, e.g. val_loss; a "
                             "metric the task does not report: its first)")),
    ("early_stopping", Param("patience", "int", 0, "Epochs without improvement before stopping (0: auto, a tenth "
                             "of the epochs and at least 3; auto does not stop runs of 5 epochs or fewer)", min=0,
                             max=10000)),
    ("early_stopping", Param("min_delta", "float", 0.0, "Smallest change that counts as an improvement",
                             min=0.0, max=1e6, label="min delta")),
    (None, Param("seed", "int", 0, "Random seed: same seed and device give the same curves", min=0, max=2**31 - 1)),
    (None, Param("device", "choice", "auto", "Where to train (auto: CUDA, then Apple MPS, then CPU)",
                 choices=("auto", "cpu", "cuda", "mps"))),
    (None, Param("threads", "int", 0, "CPU threads for training (0: auto, one per core that is idle when the "
                 "run starts; torch's one per core collapses when other programs keep the cores busy)", min=0,
                 max=4096, label="CPU threads")),
    (None, Param("precision", "choice", "auto", "Number format on GPU (auto: bf16 where supported)",
                 choices=("auto", "fp32", "bf16", "fp16"))),
    (None, Param("compile", "bool", False, "Compile the model with torch.compile (for long runs)")),
    (None, Param("log_every", "int", 20, "Read metrics every N steps (fewer syncs = faster)", min=1, max=100000,
                 label="log every")),
    ("augment", Param("hflip", "bool", False, "Random left-right mirroring (images)", label="flip")),
    ("augment", Param("random_crop", "int", 0, "Random crops after padding by this many pixels (0: off)", min=0,
                      max=64, label="crop padding")),
    ("augment", Param("affine", "bool", False, "Small random rotations (10 degrees), shifts and zooms")),
)



def default_training(schema=None) -> dict[str, Any]:
    """training.json for a new project: the defaults of ``schema`` (the common one by default)."""
    out: dict[str, Any] = {}
    for section, p in schema or TRAINING_SCHEMA:
        (out.setdefault(section, {}) if section else out)[p.name] = p.default
    return out


def get_setting(settings: dict, section: str | None, name: str) -> Any:
    src = settings.get(section, {}) if section else settings
    return src.get(name) if isinstance(src, dict) else None


def complete_training(settings: dict | None, schema=None) -> dict[str, Any]:
    """The defaults of ``schema`` (the common one by default) overlaid with ``settings`` (extra keys,
    e.g. dataset paths and the sections of tasks, are kept)."""
    out = default_training(schema)
    for key, value in (settings or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **copy.deepcopy(value)}
        elif not isinstance(out.get(key), dict):  # a section that is not a table keeps its defaults
            out[key] = copy.deepcopy(value)
    for section, p in schema or TRAINING_SCHEMA:
        src = out.get(section) if section else out
        if isinstance(src, dict) and p.name in src:
            src[p.name] = p.coerce(src[p.name])
    return out


def training_problems(settings: dict, schema=None) -> list[str]:
    """One sentence per setting of ``schema`` (the common one by default) that is out of its type,
    bounds or choices."""
    out = []
    for section, p in schema or TRAINING_SCHEMA:
        value = get_setting(settings, section, p.name)
        if value is None:
            continue
        reason = p.check(value)
        if reason:
            out.append(f"Training setting {reason}")
    return out
