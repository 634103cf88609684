"""A trained GAN in use: its test report (the adversarial losses on the test split; the Frechet
distance between test images and as many generated ones in the feature space of a classifier
trained on the same dataset, as there are no Inception weights offline; the class agreement of a
conditional GAN; for 2-D point data the modes covered), sample grids as PNG files, its parts to
export alone, and the Samples tab's explorer (new samples, latent walks)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ... import quality
from ...pictures import grid_image, points_image, write_png
from ...trained import EvaluationError, evaluation_data, last_run, load_model, split_of
from ..base import checked_parts
from ..declaration import TaskDeclaration
from ..usage import LazyExplorer, Use as BaseUse
from .models import GANModels, adversarial_metrics, unit_scale


class TrainedGAN:
    """A trained GAN project: its compiled model (eval mode), generator and discriminator, and the
    range its generator's samples lie in."""

    def __init__(self, project, decl: TaskDeclaration, best: bool = False, allow_untrained: bool = False):
        self.project, self.decl = project, decl
        self.model = load_model(project, best, allow_untrained)
        try:
            self.parts = GANModels(self.model, project.graph, decl)
        except Exception as e:  # a TaskError: the wiring changed since training
            raise EvaluationError(str(e)) from None
        rng = last_run(project).get("value_range", self.parts.range)
        self.value_range = tuple(rng) if rng else None

    def unit(self, x: torch.Tensor) -> torch.Tensor:
        return unit_scale(x.float(), self.value_range)

    def data(self, data: str | None = None):
        """The dataset the generator learned, its images kept in [0, 1]."""
        return evaluation_data(self.project, self.model, data, options=dict(self.decl.data.options),
                               node_id=self.parts.real_input)

    def check_label(self, label: int | None) -> None:
        if label is None:
            return
        if not self.parts.classes:
            raise EvaluationError("--label needs a conditional GAN (a Class label feeding the generator)")
        if not 0 <= label < self.parts.classes:
            raise EvaluationError(f"--label {label} is out of range: this generator knows classes 0 to "
                                  f"{self.parts.classes - 1}")

    @torch.no_grad()
    def samples(self, n: int = 64, label: int | None = None, seed: int = 0) -> torch.Tensor:
        """``n`` new samples (images in [0, 1], or points as they are); ``label``: the class asked for
        (default: classes in turn)."""
        gen = torch.Generator().manual_seed(seed)
        self.check_label(label)
        labels = None
        if self.parts.classes:
            labels = (torch.full((n,), label, dtype=torch.long) if label is not None
                      else torch.arange(n) % self.parts.classes)
        out = self.parts.G(*self.parts.generator_inputs(self.parts.noise(n, "cpu", gen), labels)).float()
        return out if out.dim() == 2 else self.unit(out)

    @torch.no_grad()
    def latent_walk(self, steps: int = 10, seed: int = 0, label: int | None = None) -> torch.Tensor:
        """Samples along the straight line between two latent vectors: z_t = (1 - t) z_1 + t z_2."""
        gen = torch.Generator().manual_seed(seed)
        ts = torch.linspace(0, 1, steps).view(-1, 1)
        self.check_label(label)
        ends = self.parts.noise(2, "cpu", gen)
        z = {nid: (1 - ts.view(-1, *[1] * (v.dim() - 1))) * v[0] + ts.view(-1, *[1] * (v.dim() - 1)) * v[1]
             for nid, v in ends.items()}
        labels = torch.full((steps,), label or 0, dtype=torch.long) if self.parts.classes else None
        out = self.parts.G(*self.parts.generator_inputs(z, labels)).float()
        return out if out.dim() == 2 else self.unit(out)

    @torch.no_grad()
    def generate_batched(self, n: int, labels=None, generator=None, batch: int = 500) -> torch.Tensor:
        """``n`` generated images in [0, 1], batch by batch, from fresh noise."""
        outs = []
        for i in range(0, n, batch):
            k = min(batch, n - i)
            outs.append(self.unit(self.parts.generate(k, "cpu", labels[i:i + k] if labels is not None else None,
                                                      generator)))
        return torch.cat(outs)

    def frechet_quality(self, ds, real: torch.Tensor, n: int | None = None, seed: int = 0) -> dict[str, Any]:
        """The Frechet distance between ``real`` test images and as many generated ones, in the feature
        space of a classifier trained on the dataset's training images (cached); for a conditional GAN
        also the share of samples the classifier puts in the class they were generated for."""
        if not ds.classes:
            raise EvaluationError(f"the Frechet distance needs a labelled image dataset to train its feature "
                                  f"classifier, and '{ds.name}' has no classes")
        n = n or len(real)
        classifier, info = quality.cached_feature_classifier(quality.classifier_key(ds), ds.train.x, ds.train.y,
                                                             len(ds.classes), ds.test.x, ds.test.y)
        gen = torch.Generator().manual_seed(seed)
        asked = torch.randint(0, self.parts.classes, (n,), generator=gen) if self.parts.classes else None
        fake = self.generate_batched(n, asked, gen)
        out = {"frechet_distance": quality.frechet_distance_images(real, fake, classifier), "generated": n,
               "feature_classifier": {"test_accuracy": info.get("test_accuracy"), "features": quality.FEATURES,
                                      "cached": info.get("cached")}}
        if asked is not None:
            out["class_agreement"] = quality.class_agreement(fake, asked, classifier)
        return out

    def point_quality(self, ds, n: int = 2500, seed: int = 0) -> dict[str, Any]:
        """Modes covered and the share of high-quality samples (within 3 standard deviations of a
        mode) among ``n`` generated 2-D points, for the Gaussian-mixture datasets."""
        centers, std = ds.extras.get("centers"), ds.extras.get("std")
        if not centers:
            return {}
        pts = self.samples(n, seed=seed)
        return quality.mode_coverage(pts, torch.tensor(centers, dtype=torch.float32), float(std))


class Use(BaseUse):
    @classmethod
    def report(cls, project, decl, split="test", data=None, best=False, pictures=False, notify=None,
               samples: int | None = None, seed: int = 0) -> dict[str, Any]:
        t = TrainedGAN(project, decl, best)
        ds = t.data(data)
        part = split_of(ds, split)
        real = scaled = part.x
        if ds.is_image and t.value_range is not None:
            lo, hi = t.value_range
            scaled = real * (hi - lo) + lo
        report: dict[str, Any] = {"task": decl.name, "split": split, "dataset": ds.name, "samples": len(part)}
        report.update(adversarial_metrics(t.parts, scaled, part.y, 500, seed))
        if ds.is_image:
            if notify:
                notify("measuring the Frechet distance (its feature classifier is trained on the first use of a "
                       "dataset, then cached)...")
            report.update(t.frechet_quality(ds, real, samples or len(real), seed))
        elif ds.extras.get("centers"):
            report.update(t.point_quality(ds, seed=seed))
        return report

    @classmethod
    def predict(cls, project, decl, inputs, best=False, output: str | None = None, samples: int = 64,
                label: int | None = None, seed: int = 0) -> dict[str, Any]:
        if inputs:
            raise EvaluationError("a GAN makes images from noise and does not read them: run predict without "
                                  "image files (add --label for a conditional GAN)")
        if not output:
            raise EvaluationError("name the picture to write with -o (--output)")
        t = TrainedGAN(project, decl, best)
        made = t.samples(samples, label, seed)
        out = write_png(points_image(made) if made.dim() == 2 else grid_image(made), Path(output))
        return {"task": decl.name, "file": str(out), "samples": samples, "label": label, "results": [],
                "lines": [f"wrote {out}"]}

    @classmethod
    def export_parts(cls, compiled, graph, decl):
        checked_parts(graph, decl)
        return GANModels(compiled, graph, decl).export_parts(compiled)

    @classmethod
    def explorer(cls, project, decl, best=False):
        return GANExplorer(project, decl, best)


class GANExplorer(LazyExplorer):
    """What the Samples tab asks of a trained GAN, as numpy results; loaded on first use (in the
    tab's worker thread)."""

    trained_class = TrainedGAN

    def info(self) -> dict:
        """What the explorer offers and knows: its views, classes, class names, points or images."""
        t, ds = self.trained(), self.data()
        names = list(ds.classes or last_run(self.project).get("classes") or [])
        classes = int(t.parts.classes or 0)
        points = ds.test.x.dim() == 2 and ds.test.x.shape[1] == 2
        what = f"a conditional GAN with {classes} classes" if classes else "a GAN"
        return {"explore": self.decl.explore, "classes": classes, "names": names, "latent": None,
                "test": len(ds.test), "points": points,
                "ready": f"The trained generator of {what}: draw new samples, or walk between two noise vectors."}

    def samples(self, n: int, seed: int, label: int | None = None) -> dict:
        """New samples: images (with the class of each for a conditional GAN) or 2-D points."""
        t = self.trained()
        x = t.samples(n, label, seed).numpy()
        if x.ndim == 2:
            return {"points": x, "real": self.real_points()}
        classes = int(t.parts.classes or 0)
        labels = ([label] * n if label is not None else [i % classes for i in range(n)]) if classes else None
        return {"images": x, "labels": labels}

    def walk(self, steps: int, seed: int, label: int | None = None) -> dict:
        """Samples along z_t = (1 - t) z_1 + t z_2 between two noise vectors of ``seed``."""
        x = self.trained().latent_walk(steps, seed, label).numpy()
        return {"points": x, "real": self.real_points()} if x.ndim == 2 else {"images": x}

    def real_points(self, n: int = 1000) -> np.ndarray:
        return self.data().test.x[:n].numpy()
