"""The catalog of dataset sources: what the editor lists, and which loader each name uses.

Importing this module is cheap (no torch, no numpy); loaders are imported on first use.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from .base import Dataset, DatasetError, DatasetInfo
from .download import cache_root
from .options import (COMMON_KEYS, CSV, DOWNLOAD, FORMER_TARGETS, GRID, LOGIC, MEMORY, MOONS, RING, SERIES_CSV,
                      TEXT, WAVE, completed, merged_options, option_problems)
from .remotes import (BUNDLE_DIR, CIFAR10, CIFAR10_CLASSES, FASHION, FASHION_CLASSES, GLOSSES_CLASSES,
                      GLOSSES_FILE, MNIST, MNIST_CLASSES, download_size, has_idx, local_folder)

DEFAULT_DATASET = "fashion-mnist-small"


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    targets: str  # what its targets are: "classes", "values" or "forecast" (data/base.py TARGETS)
    input_shape: tuple
    classes: list | None
    loader: str  # "module:function" inside runtime.data
    note: str
    needs_path: bool = False
    options: tuple = ()  # nodes.spec.Param: the source's own settings (options.py; shown, checked, flags, schema)

    @property
    def defaults(self) -> dict:
        """The dataset settings a new project choosing this source starts from."""
        return {**({"path": ""} if self.needs_path else {}), **{p.name: p.default for p in self.options}}


SOURCES = {s.name: s for s in (
    Source("fashion-mnist-small", "Fashion-MNIST (small, bundled)", "classes", (1, 28, 28),
           FASHION_CLASSES, "standard:load_bundled",
           "10,000 training and 2,000 test images of clothing shipped with NetCanvas; works offline"),
    Source("fashion-mnist", "Fashion-MNIST", "classes", (1, 28, 28), FASHION_CLASSES,
           "standard:load_mnist_like", "60,000 training and 10,000 test images of clothing", options=DOWNLOAD),
    Source("mnist", "MNIST", "classes", (1, 28, 28), MNIST_CLASSES, "standard:load_mnist_like",
           "60,000 training and 10,000 test images of handwritten digits", options=DOWNLOAD),
    Source("cifar10", "CIFAR-10", "classes", (3, 32, 32), CIFAR10_CLASSES,
           "standard:load_cifar10", "50,000 training and 10,000 test colour photos in 10 classes", options=DOWNLOAD),
    Source("image-folder", "Image folder", "classes", (), None, "folder:load_image_folder",
           "Your images, one subfolder per class (optionally inside train/ and test/)", True),
    Source("csv", "CSV table", "classes", (), None, "tabular:load_csv",
           "Rows of features with a target column (the last one unless named)", True, CSV),
    Source("timeseries-csv", "CSV time series", "forecast", (), None, "tabular:load_timeseries",
           "A numeric column forecast from windows of its past values", True, SERIES_CSV),
    Source("text-lines", "Labelled text lines", "classes", (), None,
           "text:load_text_lines", "Lines of 'label<TAB>text', tokenized into words or characters",
           True, TEXT),
    Source("wordnet-glosses", "WordNet noun definitions (bundled text)", "classes", (),
           GLOSSES_CLASSES, "text:load_bundled_glosses",
           "6,000 one-line definitions of nouns from WordNet 3.0 to sort into 6 categories (animal, artifact, "
           "food, location, person, plant), shipped with NetCanvas; works offline",
           options=TEXT),
    Source("sine", "Sine wave", "forecast", (32, 1), None, "series:load_wave",
           "A noisy sine wave to forecast one step ahead", options=WAVE),
    Source("sawtooth", "Sawtooth wave", "forecast", (32, 1), None, "series:load_wave",
           "A noisy sawtooth wave to forecast one step ahead", options=WAVE),
    Source("xor", "XOR", "classes", (2,), ["-1", "1"], "synthetic:load_logic",
           "The XOR truth table a single perceptron cannot learn",
           options=LOGIC),
    Source("and", "AND (perceptron)", "classes", (2,), ["-1", "1"], "synthetic:load_logic",
           "The course's perceptron AND table, inputs and targets in {-1, 1}",
           options=LOGIC),
    Source("long-memory", "Remember the first step (long dependency)", "classes", (64, 1),
           ["-1", "+1"], "memory:load_memory",
           "Sequences of 64 steps whose class is the sign of the first step, the rest noise: the recurrent "
           "block must carry one bit to the end (compare RNN, LSTM and GRU on it from the Train menu)",
           options=MEMORY),
    Source("gaussian-ring", "Ring of 8 Gaussians (2-D points)", "classes", (2,),
           [f"mode {i}" for i in range(1, 9)], "points:load_points",
           "2-D points from 8 Gaussians on a circle of radius 2 (std 0.02), the classic test of a "
           "GAN's mode collapse; the class is the mode",
           options=RING),
    Source("gaussian-grid", "Grid of 25 Gaussians (2-D points)", "classes", (2,),
           [f"mode {i}" for i in range(1, 26)], "points:load_points",
           "2-D points from 25 Gaussians on a 5x5 grid at -4, -2, 0, 2, 4 (std 0.05), a harder "
           "mode-collapse test for GANs; the class is the mode",
           options=GRID),
    Source("two-moons", "Two moons (2-D points)", "classes", (2,), ["moon 1", "moon 2"],
           "points:load_points",
           "2-D points on two interleaving half circles (noise 0.05), for a GAN to draw or a small "
           "network to separate; the class is the moon",
           options=MOONS),
)}


def _availability(source: Source) -> tuple[bool, str]:
    """(present on this computer now, a note saying where or what a download costs)."""
    if source.name == DEFAULT_DATASET:
        ok = has_idx(BUNDLE_DIR)
        return ok, source.note if ok else f"Missing from {BUNDLE_DIR}: reinstall NetCanvas"
    if source.name == "wordnet-glosses":
        ok = GLOSSES_FILE.is_file()
        return ok, source.note if ok else f"Missing: {GLOSSES_FILE}; reinstall NetCanvas"
    remote = {"fashion-mnist": FASHION, "mnist": MNIST, "cifar10": CIFAR10}.get(source.name)
    if remote is None:
        return True, source.note
    folder = local_folder(remote)
    if folder is not None:
        return True, f"{source.note}; found in {folder}"
    return False, (f"{source.note}; downloads {download_size(remote)} on first use into "
                   f"{cache_root() / remote.key}")


def list_datasets() -> list[DatasetInfo]:
    """Every dataset source, with availability, without loading any data."""
    infos = []
    for s in SOURCES.values():
        available, note = _availability(s)
        infos.append(DatasetInfo(s.name, s.title, s.targets, s.input_shape,
                                 list(s.classes) if s.classes else None, available, note,
                                 s.needs_path, dict(s.defaults)))
    return infos


def source_options() -> tuple:
    """Every source's own options, one Param per name in catalog order (for flags and the JSON Schema)."""
    return merged_options((source.name, p) for source in SOURCES.values() for p in source.options)


def source_params(name) -> tuple:
    """The options of the source called ``name`` (none for an unknown name), with its defaults."""
    source = SOURCES.get(name) if isinstance(name, str) else None
    return source.options if source is not None else ()


def switched_source(settings: dict, name: str) -> dict:
    """The dataset section ``settings`` with its source switched to ``name``: the common settings kept,
    the options ``name`` does not take dropped (they would be refused as unknown)."""
    own = {p.name for p in source_params(name)}
    return {**{k: v for k, v in settings.items() if k in COMMON_KEYS or k in own}, "name": name}


def dataset_problems(settings: dict) -> list[str]:
    """One sentence per problem with a dataset section, without loading data: an unknown source, a
    test file it cannot use, an option out of bounds or one it does not take."""
    name = settings.get("name", DEFAULT_DATASET)
    if not isinstance(name, str) or name not in SOURCES:
        return [f"Unknown dataset {name!r}: choose one of {', '.join(SOURCES)}."]
    if settings.get("test_path") and name not in ("csv", "timeseries-csv"):
        return [f"A separate test file applies to CSV and time-series CSV data, not to '{name}': clear the test "
                "file setting."]
    owners: dict[str, list[str]] = {}
    for source in SOURCES.values():
        for p in source.options:
            owners.setdefault(p.name, []).append(source.name)
    return option_problems(SOURCES[name], settings, owners)


def source_targets(settings: dict) -> str:
    """What the targets of the dataset ``settings`` name are, without loading it: "classes",
    "values" or "forecast"; "" when unknown (a CSV whose target column decides, an unknown name)."""
    source = SOURCES.get(settings.get("name")) if isinstance(settings.get("name"), str) else None
    if source is None:
        return ""
    chosen = settings.get("targets", FORMER_TARGETS.get(settings.get("task")))
    if source.name == "csv":
        return chosen if chosen in ("classes", "values") else ""
    if chosen in ("classes", "values") and any(p.name == "targets" for p in source.options):
        return chosen
    return source.targets


def load_dataset(settings: dict | None, input_shape: tuple[int, ...] | None = None,
                 progress=None) -> Dataset:
    """Load the dataset a project's ``dataset`` settings name, fitted to ``input_shape``.

    ``progress(done_bytes, total_bytes, file_name)`` reports downloads.
    """
    from projects.trust import refusal

    settings = dict(settings or {"name": DEFAULT_DATASET})
    problems = dataset_problems(settings)
    if problems:
        raise DatasetError(problems[0])
    name = settings["name"]
    reason = refusal(settings, allowed=[cache_root(), BUNDLE_DIR.parent])  # paths and servers a file named
    if reason:
        raise DatasetError(reason)
    module, function = SOURCES[name].loader.split(":")
    loader = getattr(importlib.import_module(f"{__package__}.{module}"), function)
    shape = tuple(int(v) for v in input_shape) if input_shape is not None else None
    return loader(completed(SOURCES[name], settings), shape, progress)

