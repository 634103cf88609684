"""A trained VAE in use: its test report (the negative ELBO per image with its two terms, and anomaly
scores: reconstruction errors), sample grids and reconstructions as PNG files, its encoder and
decoder to export alone, and the Samples tab's explorer (samples from the prior, interpolation
between two test images, the 2-D latent map)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ...data import DatasetError, prepare_image
from ...pictures import grid_image, write_png
from ...trained import EvaluationError, evaluation_data, last_run, load_model, split_of
from ..base import checked_parts
from ..declaration import TaskDeclaration
from ..usage import TRANSIENT, LazyExplorer, Use as BaseUse
from .models import VAEModels

TOP = 16  # most unusual images listed


class TrainedVAE:
    """A trained VAE project: its compiled model (eval mode), encoder and decoder."""

    def __init__(self, project, decl: TaskDeclaration, best: bool = False, allow_untrained: bool = False):
        self.project, self.decl = project, decl
        self.model = load_model(project, best, allow_untrained)
        try:
            self.parts = VAEModels(self.model, project.graph, decl)
        except Exception as e:  # a TaskError: the wiring changed since training
            raise EvaluationError(str(e)) from None

    def data(self, data: str | None = None):
        """The dataset the VAE learned to rebuild, in [0, 1]."""
        return evaluation_data(self.project, self.model, data, options=dict(self.decl.data.options))

    def as_images(self, x: torch.Tensor) -> torch.Tensor:
        """Decoder outputs as (N, C, H, W) images in [0, 1] (a flat decoder's pixels reshaped to the
        input's image)."""
        if x.dim() != 4:
            shape = self.parts.input_shape if len(self.parts.input_shape) == 3 else square(x.shape[1])
            x = x.reshape(len(x), *shape)
        return x.float().clamp(0, 1)

    @torch.no_grad()
    def samples(self, n: int = 64, seed: int = 0) -> torch.Tensor:
        """``n`` images decoded from z ~ N(0, 1)."""
        gen = torch.Generator().manual_seed(seed)
        return self.as_images(self.parts.decode(torch.randn(n, self.parts.latent, generator=gen)))

    @torch.no_grad()
    def latent_walk(self, steps: int = 10, seed: int = 0) -> torch.Tensor:
        """Decoded z_t = (1 - t) z_1 + t z_2 between two random latent vectors."""
        gen = torch.Generator().manual_seed(seed)
        ts = torch.linspace(0, 1, steps).view(-1, 1)
        z1, z2 = torch.randn(2, self.parts.latent, generator=gen)
        return self.as_images(self.parts.decode((1 - ts) * z1 + ts * z2))

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction of ``x`` (z = mu), as images."""
        mu, _ = self.parts.encode(x)
        return self.as_images(self.parts.decode(mu))

    @torch.no_grad()
    def interpolate(self, a: torch.Tensor, b: torch.Tensor, steps: int = 9) -> torch.Tensor:
        """Decoded z_t = (1 - t) z_1 + t z_2 between the encodings (means) of images ``a`` and ``b``;
        the first and last are the reconstructions of ``a`` and ``b``."""
        mu, _ = self.parts.encode(torch.stack([a, b]))
        ts = torch.linspace(0, 1, steps).view(-1, 1)
        return self.as_images(self.parts.decode((1 - ts) * mu[0] + ts * mu[1]))

    @torch.no_grad()
    def latent_map(self, x: torch.Tensor) -> torch.Tensor:
        """The 2-D latent means of ``x`` (a VAE with latent size 2)."""
        if self.parts.latent != 2:
            raise EvaluationError(f"the latent map needs a latent size of 2, but this VAE's is {self.parts.latent}: "
                                  "set the VAE latent block to 2 (see the vae-2d example)")
        return self.parts.encode(x)[0]

    @torch.no_grad()
    def anomaly_scores(self, x: torch.Tensor) -> torch.Tensor:
        """Per-image reconstruction error (the reconstruction term of the loss, z = mu): high = unusual."""
        mu, _ = self.parts.encode(x)
        recon = self.parts.decode(mu)
        target = x.float().reshape(recon.shape)
        if self.parts.head_params["reconstruction"] == "bce":
            err = F.binary_cross_entropy(recon.clamp(1e-7, 1 - 1e-7), target, reduction="none")
        else:
            err = (recon - target).pow(2)
        return err.reshape(len(x), -1).sum(1)

    @torch.no_grad()
    def generate_batched(self, n: int, labels=None, generator=None, batch: int = 500) -> torch.Tensor:
        """``n`` images decoded from z ~ N(0, 1), batch by batch."""
        outs = []
        for i in range(0, n, batch):
            k = min(batch, n - i)
            outs.append(self.as_images(self.parts.decode(torch.randn(k, self.parts.latent, generator=generator))))
        return torch.cat(outs)


def square(n: int) -> tuple[int, int, int]:
    side = math.isqrt(n)
    if side * side == n:
        return (1, side, side)
    raise EvaluationError(f"the decoder makes {n} values, which are not a square image: end it with an image")


class Use(BaseUse):
    @classmethod
    def report(cls, project, decl, split="test", data=None, best=False, pictures=False, notify=None,
               scores=None, seed: int = 0) -> dict[str, Any]:
        t = TrainedVAE(project, decl, best)
        ds = t.data(data)
        part = split_of(ds, split)
        gen = torch.Generator().manual_seed(seed)
        rec, kl = t.parts.elbo_terms(part.x, 500, gen)
        beta = t.parts.head_params["beta"]
        report: dict[str, Any] = {
            "task": decl.name, "split": split, "dataset": ds.name, "samples": len(part), "latent": t.parts.latent,
            "neg_elbo": float((rec + kl).mean()), "recon": float(rec.mean()), "kl": float(kl.mean()), "beta": beta,
            "loss": float((rec + beta * kl).mean())}
        anomaly = t.anomaly_scores(part.x).double()
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
        transient = {}
        if scores:
            transient["anomaly_scores"] = [float(v) for v in anomaly]
        if pictures and ds.is_image:
            transient["unusual_images"] = list(t.as_images(part.x[order]).numpy())
        if transient:
            report[TRANSIENT] = transient
        return report

    @classmethod
    def predict(cls, project, decl, inputs, best=False, output: str | None = None, samples: int = 64,
                seed: int = 0) -> dict[str, Any]:
        """A grid of ``samples`` decoded images; given images, each above its reconstruction with its
        anomaly score."""
        if not output:
            raise EvaluationError("name the picture to write with -o (--output)")
        t = TrainedVAE(project, decl, best)
        out = Path(output)
        if not inputs:
            write_png(grid_image(t.samples(samples, seed)), out)
            return {"task": decl.name, "file": str(out), "samples": samples, "results": [],
                    "lines": [f"wrote {out}"]}
        try:
            x = torch.cat([prepare_image(p, t.parts.input_shape, None) for p in inputs])
        except DatasetError as e:
            raise EvaluationError(str(e)) from None
        recon = t.reconstruct(x)
        scores = t.anomaly_scores(x)
        write_png(grid_image(torch.cat([t.as_images(x), recon]), columns=len(x)), out)
        results = [{"file": str(p), "anomaly_score": float(s)} for p, s in zip(inputs, scores)]
        lines = [f"{r['file']}: anomaly score {r['anomaly_score']:.2f} (reconstruction error)" for r in results]
        return {"task": decl.name, "file": str(out), "images": results, "results": results,
                "lines": [*lines, f"wrote {out}"]}

    @classmethod
    def export_parts(cls, compiled, graph, decl):
        checked_parts(graph, decl)
        return VAEModels(compiled, graph, decl).export_parts(compiled)

    @classmethod
    def explorer(cls, project, decl, best=False):
        return VAEExplorer(project, decl, best)


class VAEExplorer(LazyExplorer):
    """What the Samples tab asks of a trained VAE, as numpy results; loaded on first use (in the tab's
    worker thread)."""

    trained_class = TrainedVAE

    def info(self) -> dict:
        t, ds = self.trained(), self.data()
        names = list(ds.classes or last_run(self.project).get("classes") or [])
        return {"explore": self.decl.explore, "classes": 0, "names": names, "latent": t.parts.latent,
                "test": len(ds.test), "points": False,
                "ready": f"The trained VAE (latent size {t.parts.latent}): decode samples from the prior, or "
                         f"interpolate between two of the {len(ds.test):,} test images."}

    def samples(self, n: int, seed: int, label: int | None = None) -> dict:
        return {"images": self.trained().samples(n, seed).numpy(), "labels": None}

    def test_images(self, indices) -> np.ndarray:
        """Test images ``indices`` in [0, 1] as (N, C, H, W)."""
        return self.trained().as_images(self.data().test.x[list(indices)]).numpy()

    def interpolate(self, a: int, b: int, steps: int) -> dict:
        """Test images ``a`` and ``b`` and the decoded z_t between their encodings, t = 0..1."""
        ds = self.data()
        for i in (a, b):
            if not 0 <= i < len(ds.test):
                raise EvaluationError(f"test image {i} does not exist: choose one from 0 to {len(ds.test) - 1}")
        row = self.trained().interpolate(ds.test.x[a], ds.test.x[b], steps).numpy()
        ends = self.test_images([a, b])
        return {"a": ends[0], "b": ends[1], "row": row, "ts": np.linspace(0, 1, steps).tolist(), "ids": (a, b)}

    def latent_map(self, n: int = 2000) -> dict:
        """The 2-D latent means of up to ``n`` test images with their classes."""
        ds = self.data()
        x, y = ds.test.x[:n], ds.test.y[:n]
        z = self.trained().latent_map(x).numpy()
        return {"z": z, "labels": y.numpy().astype(int), "names": list(ds.classes or [])}
