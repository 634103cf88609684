"""Using a trained GAN or VAE: samples, latent walks, reconstructions, interpolation, the 2-D latent
map, anomaly scores, measured quality, and sample grids as PNG files. The command line
(evaluate, predict) and the editor's views call these; no Qt.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from projects.project import Project
from projects.training import complete_training

from .evaluate import EvaluationError, last_run, project_task


@dataclass
class Trained:
    """A trained generative project: its task, compiled model, parts and data settings."""

    project: Project
    task: str
    model: Any  # CompiledModel with the trained weights, eval mode
    parts: Any  # GANModels or VAEModels

    @property
    def value_range(self):
        if self.task != "gan":
            return (0.0, 1.0)
        rng = last_run(self.project).get("value_range", self.parts.range)
        return tuple(rng) if rng else None


def load_trained(project: Project, best: bool = False, allow_untrained: bool = False) -> Trained:
    """The trained GAN or VAE of ``project`` (EvaluationError for other tasks or no weights)."""
    from .compiler import CompileError, compile_graph
    from .tasks import TaskError
    from .tasks.gan import GANModels
    from .tasks.vae import VAEModels
    from .weights import WeightsError, trained_model

    try:
        if project.weights or not allow_untrained:
            model = trained_model(project, best)
        else:
            model = compile_graph(project.graph)
            model.module.train(False)
        task = project_task(project, model)
        if task not in ("gan", "vae"):
            raise EvaluationError(f"this project trains a {task} model, not a GAN or a VAE")
        parts = (GANModels if task == "gan" else VAEModels)(model, project.graph)
    except (WeightsError, CompileError, TaskError) as e:
        raise EvaluationError(str(e)) from None
    return Trained(project, task, model, parts)


def _unit(t: Trained, x: torch.Tensor) -> torch.Tensor:
    from .tasks.gan import unit_scale

    return unit_scale(x.float(), t.value_range)


def _check_label(t: Trained, label: int | None) -> None:
    if label is None:
        return
    classes = getattr(t.parts, "classes", 0)
    if not classes:
        raise EvaluationError("--label needs a conditional GAN (a Class label feeding the generator)")
    if not 0 <= label < classes:
        raise EvaluationError(f"--label {label} is out of range: this generator knows classes 0 to {classes - 1}")


@torch.no_grad()
def samples(t: Trained, n: int = 64, label: int | None = None, seed: int = 0) -> torch.Tensor:
    """``n`` new samples in [0, 1] (images) or as they are (points): a GAN's generator on fresh
    noise (``label``: the class asked for; default: classes in turn), a VAE's decoder on z ~ N(0, 1)."""
    gen = torch.Generator().manual_seed(seed)
    if t.task == "vae":
        z = torch.randn(n, t.parts.latent, generator=gen)
        return _unit(t, _as_images(t, t.parts.decode(z)))
    _check_label(t, label)
    labels = None
    if t.parts.classes:
        labels = torch.full((n,), label, dtype=torch.long) if label is not None else torch.arange(n) % t.parts.classes
    out = t.parts.G(*t.parts.generator_inputs(t.parts.noise(n, "cpu", gen), labels)).float()
    return out if out.dim() == 2 else _unit(t, out)


@torch.no_grad()
def latent_walk(t: Trained, steps: int = 10, seed: int = 0, label: int | None = None) -> torch.Tensor:
    """Samples along the straight line between two latent vectors: z_t = (1 - t) z_1 + t z_2."""
    gen = torch.Generator().manual_seed(seed)
    ts = torch.linspace(0, 1, steps).view(-1, 1)
    if t.task == "vae":
        z1, z2 = torch.randn(2, t.parts.latent, generator=gen)
        return _unit(t, _as_images(t, t.parts.decode((1 - ts) * z1 + ts * z2)))
    _check_label(t, label)
    ends = t.parts.noise(2, "cpu", gen)
    z = {nid: (1 - ts.view(-1, *[1] * (v.dim() - 1))) * v[0] + ts.view(-1, *[1] * (v.dim() - 1)) * v[1]
         for nid, v in ends.items()}
    labels = torch.full((steps,), label if label is not None else 0, dtype=torch.long) if t.parts.classes else None
    out = t.parts.G(*t.parts.generator_inputs(z, labels)).float()
    return out if out.dim() == 2 else _unit(t, out)


def _as_images(t: Trained, x: torch.Tensor) -> torch.Tensor:
    """Decoder outputs as (N, C, H, W) images (a flat decoder's pixels reshaped to the input's image)."""
    if x.dim() == 4:
        return x
    shape = t.parts.input_shape if len(t.parts.input_shape) == 3 else _square(x.shape[1])
    return x.reshape(len(x), *shape)


def _square(n: int) -> tuple[int, int, int]:
    side = math.isqrt(n)
    if side * side == n:
        return (1, side, side)
    raise EvaluationError(f"the decoder makes {n} values, which are not a square image: end it with an image")


# ---- VAE ------------------------------------------------------------------------------------------
@torch.no_grad()
def reconstruct(t: Trained, x: torch.Tensor) -> torch.Tensor:
    """The VAE's reconstruction of ``x`` (z = mu), as images in [0, 1]."""
    mu, _ = t.parts.encode(x)
    return _unit(t, _as_images(t, t.parts.decode(mu)))


@torch.no_grad()
def interpolate(t: Trained, a: torch.Tensor, b: torch.Tensor, steps: int = 9) -> torch.Tensor:
    """Decoded z_t = (1 - t) z_1 + t z_2 between the encodings (means) of images ``a`` and ``b``;
    the first and last are the reconstructions of ``a`` and ``b``."""
    mu, _ = t.parts.encode(torch.stack([a, b]))
    ts = torch.linspace(0, 1, steps).view(-1, 1)
    return _unit(t, _as_images(t, t.parts.decode((1 - ts) * mu[0] + ts * mu[1])))


@torch.no_grad()
def latent_map(t: Trained, x: torch.Tensor) -> torch.Tensor:
    """The 2-D latent means of ``x`` (a VAE with latent size 2)."""
    if t.parts.latent != 2:
        raise EvaluationError(f"the latent map needs a latent size of 2, but this VAE's is {t.parts.latent}: "
                              "set the VAE latent block to 2 (see the vae-2d example)")
    return t.parts.encode(x)[0]


@torch.no_grad()
def anomaly_scores(t: Trained, x: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Per-image reconstruction error (the reconstruction term of the loss, z = mu): high = unusual."""
    import torch.nn.functional as F

    mu, _ = t.parts.encode(x)
    recon = t.parts.decode(mu)
    target = x.float().reshape(recon.shape)
    if t.parts.head_params["reconstruction"] == "bce":
        err = F.binary_cross_entropy(recon.clamp(1e-7, 1 - 1e-7), target, reduction="none")
    else:
        err = (recon - target).pow(2)
    return err.reshape(len(x), -1).sum(1)


# ---- data and quality ------------------------------------------------------------------------------
def evaluation_data(t: Trained, data: str | None = None):
    """The project's dataset as the task trains on it (GAN images keep [0, 1] here)."""
    from .data import DatasetError, load_dataset
    from .datasel import dataset_from_argument
    from .tasks import task_class

    cls = task_class(t.task)
    settings = complete_training(t.project.training)
    try:
        if data:
            settings["dataset"] = dataset_from_argument(data, settings["dataset"])
        input_id = cls.data_input(t.project.graph, t.model)
        shape = tuple(t.project.graph.states[input_id].outputs[0])
        return load_dataset(cls.dataset_settings(settings), shape)
    except DatasetError as e:
        raise EvaluationError(str(e)) from None


def classifier_key(ds) -> str:
    shape = "x".join(str(v) for v in ds.train.x.shape[1:])
    return f"{ds.name}-{shape}-{len(ds.train)}"


def frechet_quality(t: Trained, ds, real: torch.Tensor, n: int | None = None, seed: int = 0,
                    labels: torch.Tensor | None = None) -> dict[str, Any]:
    """The Frechet distance between ``real`` test images and as many generated ones, in the feature
    space of a classifier trained on the dataset's training images (cached); for a conditional GAN
    also the share of samples the classifier puts in the class they were generated for."""
    from . import quality

    if not ds.classes:
        raise EvaluationError(f"the Frechet distance needs a labelled image dataset to train its feature "
                              f"classifier, and '{ds.name}' has no classes")
    n = n or len(real)
    classifier, info = quality.cached_feature_classifier(classifier_key(ds), ds.train.x, ds.train.y, len(ds.classes),
                                                         ds.test.x, ds.test.y)
    gen = torch.Generator().manual_seed(seed)
    asked = None
    if t.task == "gan" and t.parts.classes:
        asked = labels if labels is not None else torch.randint(0, t.parts.classes, (n,), generator=gen)
    fake = generate_batched(t, n, asked, gen)
    out = {"frechet_distance": quality.frechet_distance_images(real, fake, classifier), "generated": n,
           "feature_classifier": {"test_accuracy": info.get("test_accuracy"), "features": quality.FEATURES,
                                  "cached": info.get("cached")}}
    if asked is not None:
        out["class_agreement"] = quality.class_agreement(fake, asked, classifier)
    return out


@torch.no_grad()
def generate_batched(t: Trained, n: int, labels=None, generator=None, batch: int = 500) -> torch.Tensor:
    """``n`` generated images in [0, 1], batch by batch (GAN: fresh noise; VAE: z ~ N(0, 1))."""
    outs = []
    for i in range(0, n, batch):
        k = min(batch, n - i)
        if t.task == "vae":
            x = _as_images(t, t.parts.decode(torch.randn(k, t.parts.latent, generator=generator)))
        else:
            x = t.parts.generate(k, "cpu", labels[i:i + k] if labels is not None else None, generator)
        outs.append(_unit(t, x))
    return torch.cat(outs)


def point_quality(t: Trained, ds, n: int = 2500, seed: int = 0) -> dict[str, Any]:
    """Modes covered and the share of high-quality samples (within 3 standard deviations of a
    mode) among ``n`` generated 2-D points, for the Gaussian-mixture datasets."""
    from . import quality

    centers, std = ds.extras.get("centers"), ds.extras.get("std")
    if not centers:
        return {}
    pts = samples(t, n, seed=seed)
    return quality.mode_coverage(pts, torch.tensor(centers, dtype=torch.float32), float(std))


# ---- files ------------------------------------------------------------------------------------------
def grid_image(images: torch.Tensor, columns: int | None = None, pad: int = 2):
    """(N, C, H, W) images in [0, 1] tiled into one PIL image (``columns`` per row)."""
    from PIL import Image

    n, c, h, w = images.shape
    columns = columns or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / columns)
    canvas = torch.ones(c, rows * (h + pad) + pad, columns * (w + pad) + pad)
    for i in range(n):
        r, col = divmod(i, columns)
        canvas[:, pad + r * (h + pad):pad + r * (h + pad) + h, pad + col * (w + pad):pad + col * (w + pad) + w] = images[i]
    array = (canvas.clamp(0, 1) * 255).round().to(torch.uint8)
    array = array[0].numpy() if c == 1 else array[:3].permute(1, 2, 0).numpy()
    return Image.fromarray(array, "L" if c == 1 else "RGB")


def points_image(points: torch.Tensor, size: int = 480):
    """2-D samples drawn as dots on a white square (a GAN on a point dataset)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)
    lo, hi = points.min(0).values, points.max(0).values
    span = float((hi - lo).max()) * 1.1 + 1e-6
    mid = (lo + hi) / 2
    for x, y in points.tolist():
        px = (x - float(mid[0])) / span * size + size / 2
        py = size / 2 - (y - float(mid[1])) / span * size
        draw.ellipse((px - 1.5, py - 1.5, px + 1.5, py + 1.5), fill=(232, 113, 10))
    return img


def write_png(image, path) -> Path:
    """Save a PIL image as PNG; OSError is turned into one sentence."""
    path = Path(path)
    try:
        image.save(path, "PNG")
    except OSError as e:
        raise EvaluationError(f"could not write {path}: {e.strerror or e}") from None
    return path
