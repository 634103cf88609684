"""VAE training (task "vae"): encoder -> (mu, logvar) -> z = mu + sigma * eps -> decoder, trained
on reconstruction + beta x KL (the VAE loss head), with optional KL annealing.

The whole model returns what the loss needs (reconstruction, mu, logvar). Evaluation
estimates the negative ELBO per image with one sampled z per image (seeded), as the usual VAE
reference loops do; the decoder alone turns latent vectors into images (samples, interpolation).
"""
from __future__ import annotations

import math

import torch

from ..base import Task, TaskContext, in_eval_mode
from ..declaration import TaskDeclaration, TaskError
from .models import VAEModels

SHOWN = 8  # fixed test images whose reconstructions the editor shows live


def kl_weight(s, beta: float, epochs_done: float) -> float:
    """The KL weight after ``epochs_done`` epochs: beta, or a linear (or cyclical) rise from 0 to beta
    (``s``: the plan's ``vae`` section)."""
    if s["kl_annealing"] == "none":
        return beta
    warm = s["kl_warmup_epochs"]
    if s["kl_annealing"] == "linear":
        return beta * min(1.0, epochs_done / warm)
    return beta * min(1.0, 2.0 * math.fmod(epochs_done, warm) / warm)  # rises over the first half of each cycle


class Training(Task):
    def __init__(self, ctx: TaskContext, declaration: TaskDeclaration):
        super().__init__(ctx, declaration)
        self.models = VAEModels(ctx.compiled, ctx.graph, declaration)
        self.beta = self.models.head_params["beta"]
        self.add_part("model", ctx.module.parameters())
        self.shown = None

    def prepare_data(self, data):
        x = data.train.x
        if x.is_floating_point() and len(x) and (float(x.min()) < 0 or float(x.max()) > 1) \
                and self.models.head_params["reconstruction"] == "bce":
            raise TaskError(f"the dataset '{data.name}' has values outside 0..1, which a BCE reconstruction cannot "
                            "rebuild: set the VAE loss head's reconstruction to mse")
        source = data.val if len(data.val) else data.train
        self.shown = source.x[:SHOWN].to(self.ctx.device)
        self.image_shape = data.extras.get("image_shape")
        return data

    @property
    def kl_weight(self) -> float:
        return kl_weight(self.plan.section("vae"), self.beta, self.epoch_progress)

    def train_step(self, batch, only=None):
        m = self.models
        xb = batch["x"]
        with self.autocast():
            out = self.ctx.module(*self.feeds(batch))
        rec, kl = m.head.loss_terms(m.head_params, out, xb)
        self.update("model", rec + self.kl_weight * kl)
        rec, kl = rec.detach(), kl.detach()
        return {"loss": rec + self.beta * kl, "recon": rec, "kl": kl}

    @torch.no_grad()
    def evaluate(self, split, batch_size):
        x = split["x"]
        if len(x) == 0:
            return {}
        m = self.models
        gen = torch.Generator(device=x.device).manual_seed(self.plan.seed + 3)
        with in_eval_mode(self.ctx.compiled.module), self.autocast():
            rec, kl = m.elbo_terms(x, batch_size, gen)
        rec, kl = float(rec.mean()), float(kl.mean())
        return {"loss": rec + self.beta * kl, "recon": rec, "kl": kl}

    @torch.no_grad()
    def samples(self) -> dict | None:
        if self.shown is None:
            return None
        m = self.models
        with in_eval_mode(self.ctx.compiled.module):
            mu, _ = m.encode(self.shown)
            recon = m.decode(mu)
        shape = self.image_shape or m.output_shape
        if len(shape) != 3 or recon[0].numel() != math.prod(shape):
            return None
        as_images = [t.reshape(len(t), *shape).clamp(0, 1).cpu().numpy().astype("float16") for t in (self.shown.float(),
                                                                                                    recon)]
        return {"view": "reconstructions", "originals": as_images[0], "images": as_images[1],
                "kl_weight": self.kl_weight}

    def record(self):
        return {"latent": self.models.latent}
