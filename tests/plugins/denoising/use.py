"""A trained denoising autoencoder in use: the test report (PSNR of the noisy and the denoised
images, and a few of them to look at) and the denoised versions of local image files."""
from __future__ import annotations

from pathlib import Path

import torch

from runtime.data import DatasetError, prepare_image
from runtime.pictures import grid_image, write_png
from runtime.plan import plan_run
from runtime.tasks.usage import TRANSIENT, Use as BaseUse
from runtime.trained import EvaluationError, evaluation_data, input_shape, load_model, split_of

from . import SECTION
from .training import add_noise, psnr


def noise_of(project) -> float:
    """The noise the weights were trained with (the last run's), else the project's setting."""
    runs = [r for r in project.history.get("runs", []) if isinstance(r, dict)]
    recorded = ((runs[-1].get("settings") or {}).get(SECTION) or {}) if runs else {}
    return float(recorded.get("noise_std", plan_run(project).section(SECTION)["noise_std"]))


class Use(BaseUse):
    @classmethod
    def report(cls, project, decl, split="test", data=None, best=False, pictures=False, notify=None,
               examples: int = 8, seed: int = 0):
        model = load_model(project, best)
        ds = evaluation_data(project, model, data, options=dict(decl.data.options))
        part = split_of(ds, split)
        std = noise_of(project)
        gen = torch.Generator().manual_seed(seed)
        x = part.x.float()
        noisy = add_noise(x, std, gen)
        with torch.no_grad():
            out = torch.cat([model.module(noisy[i:i + 500]).float() for i in range(0, len(x), 500)])
        mse, noisy_mse = (out - x).pow(2).mean(), (noisy - x).pow(2).mean()
        shown = list(range(min(examples, len(x))))
        report = {"task": decl.name, "split": split, "dataset": ds.name, "samples": len(part), "noise_std": std,
                  "loss": float(mse), "psnr": float(psnr(mse)), "noisy_psnr": float(psnr(noisy_mse)), "shown": shown}
        if pictures:
            report[TRANSIENT] = {"triples": [img.clamp(0, 1).numpy() for i in shown
                                             for img in (noisy[i], out[i], x[i])]}
        return report

    @classmethod
    def predict(cls, project, decl, inputs, best=False, output=None, seed: int = 0):
        """Each image file with noise added, then denoised (and, with ``output``, both in a PNG)."""
        if not inputs:
            raise EvaluationError("name one or more image files to denoise")
        model = load_model(project, best)
        try:
            x = torch.cat([prepare_image(p, input_shape(project, model), None) for p in inputs]).float()
        except DatasetError as e:
            raise EvaluationError(str(e)) from None
        noisy = add_noise(x, noise_of(project), torch.Generator().manual_seed(seed))
        with torch.no_grad():
            out = model.module(noisy).float().clamp(0, 1)
        results = [{"file": str(p), "noisy_psnr": float(psnr((n - c).pow(2).mean())),
                    "psnr": float(psnr((o - c).pow(2).mean())),
                    TRANSIENT: {"input": n.numpy(), "output": o.numpy()}} for p, n, o, c in zip(inputs, noisy, out, x)]
        lines = [f"{r['file']}: PSNR {r['noisy_psnr']:.2f} dB with noise, {r['psnr']:.2f} dB denoised" for r in results]
        result = {"task": decl.name, "results": results, "lines": lines}
        if output:
            written = write_png(grid_image(torch.cat([noisy, out]), columns=len(x)), Path(output))
            result["file"] = str(written)
            lines.append(f"wrote {written}")
        return result
