"""Training settings of a project: a typed schema (the same Param vocabulary as blocks, so the
inspector is generated the same way), defaults, and validation into one-sentence problems."""
from __future__ import annotations

import copy
from typing import Any

from nodes.spec import Param

from .tasks import ALL_MONITORS, TASK_NAMES, TASK_SPECS

TASKS = ("auto", *TASK_NAMES)
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")


def _optimizer(section: str, lr: float, beta1: float, what: str) -> tuple[tuple[str, Param], ...]:
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
    (None, Param("task", "choice", "auto", "What the model learns (auto: taken from the head)", choices=TASKS)),
    *_optimizer("optimizer", 1e-3, 0.9, " (a GAN: the generator's)"),
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
    ("early_stopping", Param("monitor", "choice", "auto", "Metric watched by early stopping and checkpoints "
                             "(auto: validation accuracy for classifiers, else the task's first, e.g. val_loss; a "
                             "metric the task does not report: its first)", choices=("auto", *ALL_MONITORS))),
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
    *_optimizer("d_optimizer", 2e-4, 0.5, " (a GAN's discriminator)"),
    ("gan", Param("d_steps", "int", 1, "Discriminator updates per generator update (k; WGAN-GP likes 5)",
                  min=1, max=100, label="D steps per G step")),
    ("vae", Param("kl_annealing", "choice", "none", "KL annealing: the KL weight rises from 0 to the head's beta "
                  "(linear: once; cyclical: again every warm-up period)", choices=("none", "linear", "cyclical"),
                  label="KL annealing")),
    ("vae", Param("kl_warmup_epochs", "int", 10, "Epochs the KL weight takes to rise from 0 to beta", min=1,
                  max=100000, label="KL warm-up epochs")),
    ("perceptron", Param("eta", "float", 0.1, "Learning step eta of the perceptron rule w <- w + eta (d - y) e",
                         min=1e-6, max=100.0, label="eta (learning step)")),
    ("perceptron", Param("w1", "float", -0.2, "Starting weight of input e1 (the course: -0.2)", min=-1e6, max=1e6,
                         label="initial w1")),
    ("perceptron", Param("w2", "float", 0.1, "Starting weight of input e2 (the course: +0.1)", min=-1e6, max=1e6,
                         label="initial w2")),
    ("perceptron", Param("b", "float", -0.2, "Starting bias (threshold) b (the course: -0.2)", min=-1e6, max=1e6,
                         label="initial b")),
    ("perceptron", Param("order", "choice", "fixed", "Order of the samples in each epoch: fixed (the table's) or "
                         "shuffled (a new order each epoch, from the seed)", choices=("fixed", "shuffled"),
                         label="sample order")),
)



def _section_tasks() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for spec in TASK_SPECS.values():
        for section in (*spec.sections, *(sec for _, sec in spec.parts if sec != "optimizer")):
            out[section] = (*out.get(section, ()), spec.name)
    out["early_stopping"] = tuple(spec.name for spec in TASK_SPECS.values() if spec.monitors)
    return out


# training.json sections that only some tasks read (the editor shows them for those tasks only;
# early stopping needs a validation metric to watch, which a GAN does not have)
SECTION_TASKS: dict[str, tuple[str, ...]] = _section_tasks()


def default_training() -> dict[str, Any]:
    """training.json for a new project."""
    out: dict[str, Any] = {}
    for section, p in TRAINING_SCHEMA:
        (out.setdefault(section, {}) if section else out)[p.name] = p.default
    return out


def get_setting(settings: dict, section: str | None, name: str) -> Any:
    src = settings.get(section, {}) if section else settings
    return src.get(name) if isinstance(src, dict) else None


def complete_training(settings: dict | None) -> dict[str, Any]:
    """Defaults overlaid with ``settings`` (extra keys, e.g. dataset paths, are kept)."""
    out = default_training()
    for key, value in (settings or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **copy.deepcopy(value)}
        else:
            out[key] = copy.deepcopy(value)
    for section, p in TRAINING_SCHEMA:
        src = out.get(section) if section else out
        if isinstance(src, dict) and p.name in src:
            src[p.name] = p.coerce(src[p.name])
    return out


AUTO_PATIENCE_MIN = 3
SHORT_RUN_EPOCHS = 5  # auto early stopping leaves runs this short alone: they have no plateau to find


def effective_patience(settings: dict) -> int | None:
    """Epochs without improvement before a run of ``settings`` (completed) stops; None when early
    stopping does not apply (disabled, or auto on a short run). Auto (0) is a tenth of the epochs,
    at least 3, so that a long run is not cut short by a few noisy epochs."""
    stop = settings["early_stopping"]
    if not stop["enabled"]:
        return None
    if stop["patience"]:
        return int(stop["patience"])
    if settings["epochs"] <= SHORT_RUN_EPOCHS:
        return None
    return max(AUTO_PATIENCE_MIN, -(-settings["epochs"] // 10))


AUTO_WARMUP_MAX_EPOCHS = 1.0  # warm-up of the auto schedule: a tenth of the run, at most this


def effective_schedule(settings: dict, task: str) -> dict[str, Any]:
    """The schedule section a run of ``task`` uses (``settings`` completed). "auto" (the default)
    becomes the task's own choice (``TaskSpec.schedule``): for most, warm-up, stable, decay (a
    linear warm-up over a tenth of the run, at most one epoch; the rate the user set; a linear fall
    to zero over the last fifth), which keeps a still-improving run's progress and turns a plateau
    into gains (docs/training.md has the measurements); GANs and VAEs keep a constant rate. The result is
    marked ``chosen: auto`` so the run record shows it was the default."""
    schedule = dict(settings["schedule"])
    if schedule["name"] != "auto":
        return schedule
    name = task_schedule(task)
    schedule.update(name=name, chosen="auto")
    if name in ("cosine", "wsd"):
        schedule["warmup_epochs"] = min(AUTO_WARMUP_MAX_EPOCHS, settings["epochs"] / 10)
    return schedule


def task_schedule(task: str) -> str:
    """What "auto" means for ``task`` (its ``TaskSpec.schedule``)."""
    return TASK_SPECS[task].schedule if task in TASK_SPECS else "none"


def has_recurrent_block(graph) -> bool:
    """Whether ``graph`` has an RNN, LSTM or GRU block (whose gradients can explode over long spans)."""
    return any(getattr(node.block, "category", None) == "Recurrent" for node in graph.nodes.values())


def effective_clip(settings: dict, graph) -> dict[str, Any]:
    """The clip section a run of ``graph`` uses (``settings`` completed): "auto" (the default) clips
    the gradient norm at ``value`` for a graph with a recurrent block and not at all otherwise; an
    explicit mode, "none" included, is kept as it is."""
    given = settings.get("clip")
    clip = {"mode": "auto", "value": 1.0, **(given if isinstance(given, dict) else {})}
    if clip["mode"] == "auto":
        clip["mode"] = "norm" if has_recurrent_block(graph) else "none"
        clip["chosen"] = "auto"  # the run record shows it was the default, not the user's choice
    return clip


def clip_note(settings: dict, graph) -> str:
    """What "auto" gradient clipping does for ``graph`` (for the editor), or "" for an explicit mode."""
    clip = effective_clip(complete_training(settings), graph)
    if clip.get("chosen") != "auto":
        return ""
    if clip["mode"] == "norm":
        return (f"Gradient clipping (auto): by norm at {clip['value']:g}, because the graph has a recurrent block; "
                "choose none to turn it off")
    return "Gradient clipping (auto): off, because the graph has no recurrent block (RNN, LSTM or GRU)"


def schedule_note(settings: dict, task: str) -> str:
    """What the "auto" learning-rate schedule does for ``task`` (for the editor), or "" for an explicit one."""
    schedule = effective_schedule(complete_training(settings), task)
    if schedule.get("chosen") != "auto":
        return ""
    if schedule["name"] == "wsd":
        return (f"Schedule (auto): the learning rate rises over the first {schedule['warmup_epochs']:g} epochs, "
                f"stays at the rate set, then falls to zero over the last {schedule['decay_fraction']:.0%} of the "
                "run; choose none for a constant rate")
    return "Schedule (auto): a constant learning rate for this task"


def auto_notes(settings: dict, graph, task: str) -> str:
    """One line per "auto" setting saying what it does for this graph and task (the editor shows them)."""
    return "\n".join(note for note in (clip_note(settings, graph), schedule_note(settings, task)) if note)


def training_problems(settings: dict) -> list[str]:
    """One sentence per setting that is out of its type, bounds or choices."""
    out = []
    for section, p in TRAINING_SCHEMA:
        value = get_setting(settings, section, p.name)
        if value is None:
            continue
        reason = p.check(value)
        if reason:
            out.append(f"Training setting {reason}")
    return out
