"""Measured quality of generative models: Frechet distance, class agreement and mode coverage.

There are no Inception weights offline, so the Frechet distance (FID's formula) is computed in
the 128-d feature space of a small CNN trained on the same dataset (``FeatureClassifier``),
cached as safetensors under the dataset cache. Numbers are comparable only between runs that
use the same classifier (same cache key), never with published Inception FIDs.

Images are (N, C, H, W) floats in [0, 1]: rescale a tanh generator's output with
``(x + 1) / 2`` first. Images in another shape with as many values per sample (an MLP
generator's flat 784 for 1x28x28) are reshaped.
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .data.download import cache_root

FEATURES = 128
WIDTHS = (32, 64)
ARCH_VERSION = 1
TRAINING_DEFAULTS = {"epochs": 2, "batch_size": 256, "seed": 0, "lr": 1e-3}  # as in the signature below


def gaussian_stats(features) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean (D,) and unbiased covariance (D, D), float64, of (N, D) features (N >= 2)."""
    x = torch.as_tensor(features).detach().to(torch.float64)
    x = x.reshape(x.shape[0], -1) if x.dim() != 2 else x
    if x.shape[0] < 2:
        raise ValueError(f"Gaussian statistics need at least 2 samples, not {x.shape[0]}: pass more samples.")
    mu = x.mean(0)
    centered = x - mu
    return mu, centered.T @ centered / (x.shape[0] - 1)


def _sqrt_psd(s: torch.Tensor) -> torch.Tensor:
    """Symmetric square root of a symmetric positive semi-definite matrix (negative eigenvalues,
    which are rounding noise, count as 0)."""
    w, v = torch.linalg.eigh(s)
    return (v * w.clamp_min(0).sqrt()) @ v.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) between two Gaussians, in float64.

    Tr((S1 S2)^(1/2)) is the sum of the square roots of the eigenvalues of the symmetric
    sqrt(S1) S2 sqrt(S1) (the spectrum of S1 S2), taken as the singular values of
    sqrt(S1) sqrt(S2) so that small eigenvalues are not squared into rounding noise. It stays
    finite for singular covariances (fewer samples than dimensions), where scipy's sqrtm
    needs an offset.
    """
    mu1, mu2, s1, s2 = (torch.as_tensor(t).detach().to("cpu", torch.float64) for t in (mu1, mu2, sigma1, sigma2))
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.numel(), mu1.numel()):
        raise ValueError(f"The statistics do not match (means {tuple(mu1.shape)} and {tuple(mu2.shape)}, "
                         f"covariances {tuple(s1.shape)} and {tuple(s2.shape)}): compute both from "
                         "features of the same size.")
    if not all(torch.isfinite(t).all() for t in (mu1, mu2, s1, s2)):
        raise ValueError("The statistics contain NaN or infinite values: check that the generator's "
                         "output (and so its features) is finite.")
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    tr_covmean = torch.linalg.svdvals(_sqrt_psd(s1) @ _sqrt_psd(s2)).sum()
    diff = mu1 - mu2
    distance = diff.dot(diff) + torch.trace(s1) + torch.trace(s2) - 2 * tr_covmean
    return max(float(distance), 0.0)  # a distance; below 0 only by rounding


class FeatureClassifier(nn.Module):
    """A small CNN for (C, H, W) images in [0, 1]: two conv3x3+BN+ReLU+maxpool stages, then a
    128-unit Dense+ReLU feature layer, then Dense(classes)."""

    def __init__(self, input_shape: tuple[int, int, int], classes: int):
        super().__init__()
        c, h, w = (int(v) for v in input_shape)
        if h < 4 or w < 4 or classes < 2:
            raise ValueError(f"A feature classifier needs images of at least 4x4 pixels and 2 classes, "
                             f"not {tuple(input_shape)} and {classes}: use larger images or more classes.")
        self.input_shape, self.classes = (c, h, w), int(classes)
        a, b = WIDTHS
        self.body = nn.Sequential(
            nn.Conv2d(c, a, 3, padding=1), nn.BatchNorm2d(a), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(b * (h // 4) * (w // 4), FEATURES), nn.ReLU())
        self.head = nn.Linear(FEATURES, self.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))

    def _batches(self, x, batch_size: int, part):
        """``part`` applied in eval mode without gradients to batches of ``x``; CPU results."""
        x = self._as_images(x)
        device = next(self.parameters()).device
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                outs = [part(x[i:i + batch_size].to(device, torch.float32)).cpu()
                        for i in range(0, len(x), batch_size)]
        finally:
            self.train(was_training)
        return torch.cat(outs) if outs else torch.zeros((0,))

    def features(self, x, batch_size: int = 500) -> torch.Tensor:
        """The 128-d penultimate activations (N, 128) of images in [0, 1], on the CPU."""
        return self._batches(x, batch_size, self.body).reshape(-1, FEATURES)

    def classify(self, x, batch_size: int = 500) -> torch.Tensor:
        """Class ids (N,) int64 of images in [0, 1], on the CPU."""
        return self._batches(x, batch_size, lambda b: self(b).argmax(1)).long()

    def _as_images(self, x) -> torch.Tensor:
        x = torch.as_tensor(x)
        if x.dim() >= 2 and math.prod(x.shape[1:]) == math.prod(self.input_shape):
            return x.reshape(len(x), *self.input_shape)
        raise ValueError(f"Images of shape {tuple(x.shape[1:])} do not fit this feature classifier, which "
                         f"takes {self.input_shape}: pass images of that shape (or of that many values).")


def _images(x) -> torch.Tensor:
    x = torch.as_tensor(x)
    return x.unsqueeze(1) if x.dim() == 3 else x


def train_feature_classifier(train_x, train_y, classes: int, epochs: int = 2, batch_size: int = 256,
                             seed: int = 0, lr: float = 1e-3, device=None) -> FeatureClassifier:
    """A ``FeatureClassifier`` trained with Adam on (N, C, H, W) images in [0, 1] and class ids.

    Deterministic for a seed on the CPU (the global RNG is left as it was). Trains on
    ``device``, else on the device ``train_x`` is on.
    """
    x, y = _images(train_x), torch.as_tensor(train_y).long()
    if x.dim() != 4 or len(x) != len(y) or len(x) < 2:
        raise ValueError(f"Training a feature classifier needs (N, C, H, W) images with one label each, "
                         f"not {tuple(x.shape)} and {tuple(y.shape)}: pass images and their class ids.")
    device = torch.device(device) if device is not None else x.device
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = FeatureClassifier(tuple(x.shape[1:]), classes).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size]
            xb, yb = x[idx.to(x.device)].to(device, torch.float32), y[idx.to(y.device)].to(device)
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return model.eval()


def classifier_accuracy(classifier: FeatureClassifier, x, y) -> float:
    """Share of ``x`` the classifier labels as ``y``."""
    y = torch.as_tensor(y).long().cpu()
    return float((classifier.classify(x) == y).double().mean()) if len(y) else 0.0


def classifier_key(ds) -> str:
    """The cache key of the feature classifier of a dataset (its name, sample shape and size)."""
    shape = "x".join(str(v) for v in ds.train.x.shape[1:])
    return f"{ds.name}-{shape}-{len(ds.train)}"


def cache_path(key: str) -> Path:
    """Where ``cached_feature_classifier`` keeps the weights for ``key`` (JSON sidecar beside it)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", key):
        raise ValueError(f"The cache key {key!r} is not a plain file name: use letters, digits, '.', '_' and '-'.")
    return cache_root() / "feature-classifiers" / f"{key}.safetensors"


def cached_feature_classifier(key: str, train_x, train_y, classes: int, test_x=None, test_y=None,
                              **kw) -> tuple[FeatureClassifier, dict]:
    """The classifier cached under ``key``, else one trained now (``kw`` as for
    ``train_feature_classifier``) and saved; a cached one that does not fit is retrained.

    The caller picks a key naming the dataset (e.g. ``"mnist"``). Returns (classifier, info),
    info holding ``input_shape``, ``classes``, the training settings, ``test_accuracy`` (on
    the test data given now, else the last one stored, else None), ``cached`` and ``path``.
    """
    path = cache_path(key)
    sidecar = path.with_suffix(".json")
    x = _images(train_x)
    wanted = {"version": ARCH_VERSION, "input_shape": list(x.shape[1:]), "classes": int(classes),
              "features": FEATURES, "widths": list(WIDTHS),
              "training": {k: kw.get(k, d) for k, d in TRAINING_DEFAULTS.items()}}
    device = torch.device(kw["device"]) if kw.get("device") is not None else x.device
    found = _load_cached(path, sidecar, wanted, device)
    if found is not None:
        model, info = found
    else:
        model = train_feature_classifier(x, train_y, classes, **kw)
        info = dict(wanted, test_accuracy=None)
        _write_atomic(path, _state_bytes(model))
    old = dict(info)
    if test_x is not None and test_y is not None:
        info["test_accuracy"] = classifier_accuracy(model, test_x, test_y)
    if found is None or info != old:
        _write_atomic(sidecar, (json.dumps(info, indent=1) + "\n").encode())
    return model, dict(info, cached=found is not None, path=str(path))


def _load_cached(path: Path, sidecar: Path, wanted: dict, device):
    """(classifier, sidecar dict) when the cached files fit ``wanted``; None otherwise."""
    from safetensors.torch import load_file

    try:
        meta = json.loads(sidecar.read_text())
        if not isinstance(meta, dict) or any(meta.get(k) != v for k, v in wanted.items()):
            return None
        model = FeatureClassifier(tuple(wanted["input_shape"]), wanted["classes"])
        state, own = load_file(str(path)), model.state_dict()
        if set(state) != set(own) or any(state[k].shape != own[k].shape for k in own):
            return None
        model.load_state_dict(state)
    except Exception:  # noqa: BLE001 -- a missing, damaged or foreign file is retrained
        return None
    return model.to(device).eval(), meta


def _state_bytes(model: nn.Module) -> bytes:
    from safetensors.torch import save

    return save({k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()})


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def frechet_distance_images(real, fake, classifier: FeatureClassifier, batch_size: int = 500) -> float:
    """Frechet distance between two image sets (both in [0, 1]) in the classifier's feature space."""
    stats = [gaussian_stats(classifier.features(x, batch_size)) for x in (real, fake)]
    return frechet_distance(*stats[0], *stats[1])


def class_agreement(images, labels, classifier: FeatureClassifier) -> float:
    """Share of ``images`` the classifier assigns to the class asked for (a conditional GAN's
    labels: a tensor of ids, or one id for all)."""
    pred = classifier.classify(images)
    labels = torch.as_tensor(labels).long().cpu()
    return float((pred == labels.expand_as(pred)).double().mean()) if len(pred) else 0.0


def mode_coverage(samples, centers, std: float, within: float = 3.0, min_count: int = 20) -> dict:
    """Mode figures for 2-D Gaussian mixtures (ring of 8, grid of 25), as VEEGAN and PacGAN count.

    A sample is high quality when it lies within ``within`` standard deviations of its nearest
    center; a mode is covered when at least ``min_count`` high-quality samples fall to it.
    The papers draw 2,500 samples and use 3 std and 20 samples (modes with fewer are lost).
    Returns modes_covered, modes (K), high_quality (share of samples) and per_mode (counts of
    high-quality samples per center).
    """
    x = torch.as_tensor(samples).detach().to("cpu", torch.float64).reshape(-1, 2)
    c = torch.as_tensor(centers).detach().to("cpu", torch.float64).reshape(-1, 2)
    if len(x) == 0:
        return {"modes_covered": 0, "modes": len(c), "high_quality": 0.0, "per_mode": [0] * len(c)}
    dist, nearest = torch.cdist(x, c).min(1)
    good = dist <= within * std
    per_mode = torch.bincount(nearest[good], minlength=len(c))
    return {"modes_covered": int((per_mode >= min_count).sum()), "modes": len(c),
            "high_quality": float(good.double().mean()), "per_mode": per_mode.tolist()}
