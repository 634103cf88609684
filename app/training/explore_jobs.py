"""What the Samples tab asks of a trained GAN or VAE (runtime.generative), as plain numpy results.
Each method runs in the Samples tab's worker thread; the trained model and the test images are
loaded once per project copy. No Qt here."""
from __future__ import annotations

import threading

import numpy as np


class ExploreError(Exception):
    """A request the trained model cannot answer; one sentence."""


class Explorer:
    """A frozen copy of a trained generative project, loaded on first use."""

    def __init__(self, project):
        self.project = project
        self._trained = None
        self._data = None
        self._lock = threading.Lock()

    def trained(self):
        with self._lock:
            if self._trained is None:
                from runtime.generative import load_trained

                self._trained = load_trained(self.project)
            return self._trained

    def data(self):
        t = self.trained()
        with self._lock:
            if self._data is None:
                from runtime.generative import evaluation_data

                self._data = evaluation_data(t)
            return self._data

    def info(self) -> dict:
        """task, classes (a conditional GAN's count), class names, latent size, test images, points."""
        from runtime.evaluate import last_run

        t = self.trained()
        ds = self.data()
        names = list(ds.classes or last_run(self.project).get("classes") or [])
        points = ds.test.x.dim() == 2 and ds.test.x.shape[1] == 2
        return {"task": t.task, "classes": int(getattr(t.parts, "classes", 0) or 0), "names": names,
                "latent": getattr(t.parts, "latent", None), "test": len(ds.test), "points": points}

    # ---- GAN and VAE ----------------------------------------------------------------------------------
    def samples(self, n: int, seed: int, label: int | None = None) -> dict:
        """New samples: images (with the class of each for a conditional GAN) or 2-D points."""
        from runtime.generative import samples

        t = self.trained()
        x = samples(t, n, label, seed).numpy()
        if x.ndim == 2:
            return {"points": x, "real": self.real_points()}
        classes = int(getattr(t.parts, "classes", 0) or 0)
        labels = None
        if t.task == "gan" and classes:
            labels = [label] * n if label is not None else [i % classes for i in range(n)]
        return {"images": x, "labels": labels}

    def walk(self, steps: int, seed: int, label: int | None = None) -> dict:
        """Samples along z_t = (1 - t) z_1 + t z_2 between two noise vectors of ``seed``."""
        from runtime.generative import latent_walk

        x = latent_walk(self.trained(), steps, seed, label).numpy()
        return {"points": x, "real": self.real_points()} if x.ndim == 2 else {"images": x}

    def real_points(self, n: int = 1000) -> np.ndarray:
        return self.data().test.x[:n].numpy()

    # ---- VAE ----------------------------------------------------------------------------------------------
    def test_images(self, indices) -> np.ndarray:
        """Test images ``indices`` in [0, 1] as (N, C, H, W)."""
        x = self.data().test.x[list(indices)]
        return self._as_images(x).numpy()

    def _as_images(self, x):
        if x.dim() == 4:
            return x.float()
        shape = self.data().extras.get("image_shape") or self.trained().parts.input_shape
        return x.float().reshape(len(x), *shape)

    def interpolate(self, a: int, b: int, steps: int) -> dict:
        """Test images ``a`` and ``b`` and the decoded z_t between their encodings, t = 0..1."""
        from runtime.generative import interpolate

        ds = self.data()
        for i in (a, b):
            if not 0 <= i < len(ds.test):
                raise ExploreError(f"test image {i} does not exist: choose one from 0 to {len(ds.test) - 1}")
        row = interpolate(self.trained(), ds.test.x[a], ds.test.x[b], steps).numpy()
        ends = self.test_images([a, b])
        return {"a": ends[0], "b": ends[1], "row": row, "ts": np.linspace(0, 1, steps).tolist(), "ids": (a, b)}

    def latent_map(self, n: int = 2000) -> dict:
        """The 2-D latent means of up to ``n`` test images with their classes."""
        from runtime.generative import latent_map

        ds = self.data()
        x, y = ds.test.x[:n], ds.test.y[:n]
        z = latent_map(self.trained(), x).numpy()
        return {"z": z, "labels": y.numpy().astype(int), "names": list(ds.classes or [])}


def unusual_images(project, report: dict, best: bool = False) -> list[np.ndarray]:
    """The test images a VAE's report lists as most unusual, in [0, 1] (C, H, W), for thumbnails."""
    entries = (report.get("anomaly") or {}).get("most_unusual") or []
    if not entries:
        return []
    from runtime.generative import load_trained

    explorer = Explorer(project)
    explorer._trained = load_trained(project, best)
    if not explorer.data().is_image:
        return []
    return list(explorer.test_images([u["index"] for u in entries]))
