"""VAE training (task "vae"): encoder -> (mu, logvar) -> z = mu + sigma * eps -> decoder, trained
on reconstruction + beta x KL (the VAE loss head), with optional KL annealing.

The whole model returns what the loss needs (reconstruction, mu, logvar). Evaluation
estimates the negative ELBO per image with one sampled z per image (seeded), as the usual VAE
reference loops do; the decoder alone turns latent vectors into images (samples, interpolation).
"""
from __future__ import annotations

import math

import torch


from .base import Task, TaskContext, TaskError, in_eval_mode, parts_of_kind, register

SHOWN = 8  # fixed test images whose reconstructions the editor shows live


def vae_parts(graph):
    """The VAE's parts, or a TaskError with the first wiring problem."""
    return parts_of_kind(graph, "vae", "VAE training needs an encoder, a VAE latent block, a decoder and a VAE loss "
                                       "head: build them on the canvas (see the vae-fashion example)")


class VAEModels:
    """A compiled VAE's encoder (input -> mu, logvar) and decoder (z -> reconstruction)."""

    def __init__(self, compiled, graph):
        parts = vae_parts(graph)
        if len(compiled.input_ids) != 1:
            raise TaskError(f"a VAE reads one input block, but this model has {len(compiled.input_ids)}: "
                            "remove the others")
        self.parts = parts
        self.input = compiled.input_ids[0]
        self.encoder = compiled.part([(self.input, "out")], [(parts.latent, "mu"), (parts.latent, "logvar")],
                                     "Encoder").module
        self.decoder = compiled.part([(parts.latent, "z")], [parts.recon], "Decoder").module
        head = graph.nodes[parts.head]
        self.head, self.head_params = head.block, head.params
        self.latent = graph.nodes[parts.latent].params["latent"]
        self.input_shape = tuple(graph.states[self.input].outputs[0])
        self.output_shape = tuple(graph.states[parts.recon[0]].outputs[
            [p.name for p in graph.nodes[parts.recon[0]].block.outputs].index(parts.recon[1])])

    @torch.no_grad()
    def encode(self, x: torch.Tensor, batch: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
        outs = [self.encoder(x[i:i + batch]) for i in range(0, len(x), batch)]
        return torch.cat([o[0] for o in outs]).float(), torch.cat([o[1] for o in outs]).float()

    @torch.no_grad()
    def decode(self, z: torch.Tensor, batch: int = 1024) -> torch.Tensor:
        return torch.cat([self.decoder(z[i:i + batch]).float() for i in range(0, len(z), batch)])

    @torch.no_grad()
    def elbo_terms(self, x: torch.Tensor, batch: int, generator=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-image reconstruction and KL (float64, on x's device) with one sampled z per image."""
        import torch.nn.functional as F

        recs, kls = [], []
        bce = self.head_params["reconstruction"] == "bce"
        for i in range(0, len(x), batch):
            xb = x[i:i + batch]
            mu, logvar = (t.float() for t in self.encoder(xb))
            eps = torch.randn(mu.shape, device=mu.device, generator=generator)
            recon = self.decoder(mu + torch.exp(0.5 * logvar) * eps).float()
            target = xb.float().reshape(recon.shape)
            err = F.binary_cross_entropy(recon, target, reduction="none") if bce else (recon - target).pow(2)
            recs.append(err.reshape(len(xb), -1).sum(1).double())
            kls.append((-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).reshape(len(xb), -1).sum(1).double())
        return torch.cat(recs), torch.cat(kls)


def kl_weight(settings: dict, beta: float, epochs_done: float) -> float:
    """The KL weight after ``epochs_done`` epochs: beta, or a linear (or cyclical) rise from 0 to beta."""
    s = settings["vae"]
    if s["kl_annealing"] == "none":
        return beta
    warm = s["kl_warmup_epochs"]
    if s["kl_annealing"] == "linear":
        return beta * min(1.0, epochs_done / warm)
    return beta * min(1.0, 2.0 * math.fmod(epochs_done, warm) / warm)  # rises over the first half of each cycle


@register("vae")
class VAETask(Task):
    @classmethod
    def dataset_settings(cls, settings):
        return {**(settings.get("dataset") or {}), "normalize": False}  # the target is the input, in [0, 1]

    def __init__(self, ctx: TaskContext, name: str):
        super().__init__(ctx, name)
        self.models = VAEModels(ctx.compiled, ctx.graph)
        self.beta = self.models.head_params["beta"]
        self.add_part("model", ctx.module.parameters(), "optimizer")
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
        return kl_weight(self.ctx.settings, self.beta, self.epoch_progress)

    def train_step(self, xb, yb, only=None):
        m = self.models
        with self.autocast():
            out = self.ctx.module(xb)
        rec, kl = m.head.loss_terms(m.head_params, out, xb)
        self.update("model", rec + self.kl_weight * kl)
        rec, kl = rec.detach(), kl.detach()
        return {"loss": rec + self.beta * kl, "recon": rec, "kl": kl}

    @torch.no_grad()
    def evaluate(self, x, y, batch_size):
        if len(x) == 0:
            return {}
        m = self.models
        gen = torch.Generator(device=x.device).manual_seed(self.ctx.settings["seed"] + 3)
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

    @classmethod
    def report(cls, project, split="test", data=None, best=False, **options):
        from ..evaluate_generative import vae_report

        return vae_report(project, split, data, best, **options)

    @classmethod
    def export_parts(cls, compiled, graph):
        """The encoder (image -> mu, logvar) and the decoder (z -> image) alone."""
        parts = vae_parts(graph)
        inp = compiled.input_ids[0]
        out = {"encoder": compiled.part([(inp, "out")], [(parts.latent, "mu"), (parts.latent, "logvar")], "Encoder"),
               "decoder": compiled.part([(parts.latent, "z")], [parts.recon], "Decoder")}
        for name, part in out.items():
            part.part_name = name
        return out
