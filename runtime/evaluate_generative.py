"""What `evaluate` and `predict` mean for generative projects.

GAN: the adversarial losses on the test split, the Frechet distance between test images and as
many generated ones (in the feature space of a classifier trained on the same dataset; there are
no Inception weights offline, so this is not the published FID's scale), the class agreement of
a conditional GAN, and for 2-D point data the modes covered. VAE: the negative ELBO per image
with its two terms, and anomaly scores (reconstruction errors). Prediction writes sample grids.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from projects.project import Project

from . import generative as G
from .evaluate import EvaluationError

TOP = 16  # most unusual images listed


def _split(ds, split: str):
    part = ds.test if split == "test" else ds.val
    if len(part) == 0:
        raise EvaluationError(f"the dataset '{ds.name}' has no {split} samples to evaluate on")
    return part


def gan_report(project: Project, split: str = "test", data: str | None = None, best: bool = False,
               samples: int | None = None, seed: int = 0) -> dict[str, Any]:
    """The test report of a trained GAN (see the module's docstring)."""
    from .tasks.gan import adversarial_metrics

    t = G.load_trained(project, best)
    ds = G.evaluation_data(t, data)
    part = _split(ds, split)
    real = part.x
    scaled = real
    if ds.is_image and t.value_range is not None:
        lo, hi = t.value_range
        scaled = real * (hi - lo) + lo
    report: dict[str, Any] = {"task": "gan", "split": split, "dataset": ds.name, "samples": len(part)}
    report.update(adversarial_metrics(t.parts, scaled, part.y, 500, seed))
    if ds.is_image:
        report.update(G.frechet_quality(t, ds, real, samples or len(real), seed))
    elif ds.extras.get("centers"):
        report.update(G.point_quality(t, ds, seed=seed))
    return report


def vae_report(project: Project, split: str = "test", data: str | None = None, best: bool = False,
               scores: bool = False, seed: int = 0) -> dict[str, Any]:
    """The test report of a trained VAE: negative ELBO per image and its terms, anomaly scores."""
    t = G.load_trained(project, best)
    ds = G.evaluation_data(t, data)
    part = _split(ds, split)
    gen = torch.Generator().manual_seed(seed)
    rec, kl = t.parts.elbo_terms(part.x, 500, gen)
    beta = t.parts.head_params["beta"]
    report: dict[str, Any] = {
        "task": "vae", "split": split, "dataset": ds.name, "samples": len(part), "latent": t.parts.latent,
        "neg_elbo": float((rec + kl).mean()), "recon": float(rec.mean()), "kl": float(kl.mean()), "beta": beta,
        "loss": float((rec + beta * kl).mean())}
    anomaly = G.anomaly_scores(t, part.x).double()
    names = ds.classes or []
    order = anomaly.argsort(descending=True)[:TOP]
    summary = {"mean": float(anomaly.mean()), "median": float(anomaly.median()),
               "p95": float(anomaly.quantile(0.95)), "max": float(anomaly.max()),
               "most_unusual": [{"index": int(i), "class": names[int(part.y[i])] if names else None,
                                 "score": float(anomaly[i])} for i in order]}
    if names and not part.y.dtype.is_floating_point:
        summary["per_class"] = {names[c]: float(anomaly[part.y == c].mean()) for c in range(len(names))
                                if bool((part.y == c).any())}
    report["anomaly"] = summary
    if scores:
        report["anomaly_scores"] = [float(v) for v in anomaly]
    return report


def predict_generative(project: Project, images: list, out: str | Path, n: int = 64, label: int | None = None,
                       seed: int = 0, best: bool = False) -> dict[str, Any]:
    """Write a PNG: generated samples (a GAN, or a VAE's decoder on z ~ N(0, 1)), or, for a VAE given
    ``images``, each image above its reconstruction with its anomaly score."""
    from .data import DatasetError, prepare_image

    t = G.load_trained(project, best)
    out = Path(out)
    if images:
        if t.task != "vae":
            raise EvaluationError("a GAN makes images from noise and does not read them: run predict without "
                                  "image files (add --label for a conditional GAN)")
        shape = t.parts.input_shape
        try:
            x = torch.cat([prepare_image(p, shape, None) for p in images])
        except DatasetError as e:
            raise EvaluationError(str(e)) from None
        recon = G.reconstruct(t, x)
        scores = G.anomaly_scores(t, x)
        originals = G._unit(t, G._as_images(t, x))
        G.write_png(G.grid_image(torch.cat([originals, recon]), columns=len(x)), out)
        return {"file": str(out), "task": "vae", "images": [{"file": str(p), "anomaly_score": float(s)}
                                                           for p, s in zip(images, scores)]}
    made = G.samples(t, n, label, seed)
    G.write_png(G.points_image(made) if made.dim() == 2 else G.grid_image(made), out)
    return {"file": str(out), "task": t.task, "samples": n, "label": label}
