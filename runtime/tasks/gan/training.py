"""GAN training (task "gan"): the generator and the discriminator are two parts of one graph,
each with its own optimizer (``optimizer`` and ``d_optimizer``), trained in turn.

Every step updates the discriminator once on a real batch and a generated batch (separate
forward passes, as the DCGAN reference does); the generator is updated every ``gan.d_steps``
steps through the discriminator's frozen weights. The losses are the GAN loss head's (bce
with its non-saturating generator loss, hinge, or wgan-gp with its gradient penalty on random
mixes of real and generated samples). Real images are scaled to the generator's output range
(a Tanh generator sees real images in [-1, 1]).
"""
from __future__ import annotations

import dataclasses

import torch

from ..base import Task, TaskContext, in_eval_mode
from ..declaration import TaskDeclaration
from .models import GANModels, adversarial_metrics, unit_scale

GRID = 64  # fixed-noise samples in the live grid
POINTS = 1000  # generated points in the 2-D view
HEAT = 48  # the 2-D view's decision map is HEAT x HEAT


class Training(Task):
    uses_wrapped_module = False  # two parts, each its own optimizer; gradients averaged by hand with --nproc

    @classmethod
    def data_input(cls, graph, compiled, declaration):
        return GANModels.real_input(graph, declaration)

    def __init__(self, ctx: TaskContext, declaration: TaskDeclaration):
        super().__init__(ctx, declaration)
        self.models = m = GANModels(ctx.compiled, ctx.graph, declaration)
        self.add_part("generator", m.G.parameters())
        self.add_part("discriminator", m.D.parameters())
        self.d_steps = ctx.plan.section("gan")["d_steps"]
        self.loss_kind = m.head_params["loss"]
        self.steps_done = 0
        zero = torch.zeros((), device=ctx.device)
        self.last = {"d_loss": zero, "g_loss": zero, "d_real": zero, "d_fake": zero}
        fixed = torch.Generator().manual_seed(ctx.plan.seed + 1)
        self.fixed_z = {nid: torch.randn(max(GRID, POINTS), *shape, generator=fixed).to(ctx.device)
                        for nid, shape in m.noise_shapes.items()}
        self.fixed_labels = (torch.arange(GRID, device=ctx.device) % m.classes) if m.classes else None
        self.real_points = None

    def prepare_data(self, data):
        rng = self.models.range
        if data.is_image and rng is not None and tuple(rng) != (0.0, 1.0):
            lo, hi = rng
            data = dataclasses.replace(data, **{k: dataclasses.replace(s, x=s.x * (hi - lo) + lo) for k, s in
                                                (("train", data.train), ("val", data.val), ("test", data.test))})
        if data.train.x.dim() == 2 and data.train.x.shape[1] == 2:
            self.real_points = data.train.x[:POINTS].to(self.ctx.device)
        return data

    # ---- training ---------------------------------------------------------------------------------
    def train_step(self, batch, only=None):
        xb, yb = batch["x"], batch["y"]
        m, n, device = self.models, len(xb), xb.device
        if only is None:
            do_g = self.steps_done % self.d_steps == self.d_steps - 1
            self.steps_done += 1
        else:
            do_g = only == "generator"
        fake_labels = torch.randint(0, m.classes, (n,), device=device) if m.classes else None
        g_in = m.generator_inputs(m.noise(n, device), fake_labels)
        with self.autocast(), torch.set_grad_enabled(do_g):
            fake = m.G(*g_in)
        if only in (None, "discriminator"):
            self._discriminator_step(xb, yb, fake.detach(), fake_labels)
        if do_g:
            self._generator_step(fake, fake_labels)
        return dict(self.last)

    def _discriminator_step(self, real, real_labels, fake, fake_labels) -> None:
        m, p = self.models, self.models.head_params
        with self.autocast():
            d_real, d_fake = m.score(real, real_labels), m.score(fake, fake_labels)
        loss = m.head.d_loss(p, d_real, d_fake)
        if self.loss_kind == "wgan-gp" and p["gp_weight"] > 0:
            loss = loss + p["gp_weight"] * self.gradient_penalty(real, fake, real_labels)
        self.update("discriminator", loss)
        self.last.update(d_loss=loss.detach(), d_real=m.head.confidence(p, d_real.detach()).mean(),
                         d_fake=m.head.confidence(p, d_fake.detach()).mean())

    def _generator_step(self, fake, labels) -> None:
        m = self.models
        d_params = self.part_params["discriminator"]
        for q in d_params:  # no weight gradients for D: the generator's loss only moves G
            q.requires_grad_(False)
        try:
            with self.autocast():
                score = m.score(fake, labels)
            loss = m.head.g_loss(m.head_params, score)
            self.update("generator", loss)
        finally:
            for q in d_params:
                q.requires_grad_(True)
        self.last["g_loss"] = loss.detach()

    def gradient_penalty(self, real, fake, labels) -> torch.Tensor:
        """mean((||grad_x D(x)|| - 1)^2) at random mixes x of real and generated samples (WGAN-GP)."""
        eps = torch.rand(len(real), *([1] * (real.dim() - 1)), device=real.device)
        mix = (eps * real.float() + (1 - eps) * fake.float()).requires_grad_(True)
        score = self.models.score(mix, labels)
        (grad,) = torch.autograd.grad(score.float().sum(), mix, create_graph=True)
        return (grad.reshape(len(real), -1).norm(2, dim=1) - 1).pow(2).mean()

    # ---- evaluation and views -----------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self, split, batch_size):
        m = self.models
        with in_eval_mode(m.G, m.D), self.autocast():
            return adversarial_metrics(m, split["x"], split["y"], batch_size, self.plan.seed + 2)

    def feeds(self, batch):
        """The whole model's inputs: fresh noise, the batch's labels for a conditional GAN, its samples."""
        xb, yb = batch["x"], batch["y"]
        m, n = self.models, len(xb)
        z = m.noise(n, xb.device)
        labels = yb if m.classes else None
        return [z.get(nid, labels if nid in m.g_labels else xb) for nid in self.ctx.compiled.input_ids]

    @torch.no_grad()
    def samples(self) -> dict | None:
        m = self.models
        with in_eval_mode(m.G, m.D):
            if self.real_points is not None:
                return self._points()
            z = {nid: t[:GRID] for nid, t in self.fixed_z.items()}
            images = m.G(*m.generator_inputs(z, self.fixed_labels)).float()
        if images.dim() != 4:
            return None
        return {"view": "grid", "images": unit_scale(images, m.range).cpu().numpy().astype("float16"),
                "labels": self.fixed_labels.tolist() if self.fixed_labels is not None else None}

    def _points(self) -> dict:
        """Real and generated 2-D points over the discriminator's view of the plane."""
        m, p = self.models, self.models.head_params
        z = {nid: t[:POINTS] for nid, t in self.fixed_z.items()}
        labels = (torch.arange(POINTS, device=self.ctx.device) % m.classes) if m.classes else None
        fake = m.G(*m.generator_inputs(z, labels)).float()
        real = self.real_points.float()
        lo, hi = real.min(0).values, real.max(0).values
        pad = (hi - lo) * 0.25 + 0.1
        lo, hi = lo - pad, hi + pad
        xs, ys = (torch.linspace(float(lo[i]), float(hi[i]), HEAT, device=real.device) for i in (0, 1))
        grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), -1).reshape(-1, 2)
        heat_labels = torch.zeros(len(grid), dtype=torch.long, device=grid.device) if m.d_labels else None
        heat = m.head.confidence(p, m.score(grid, heat_labels)).reshape(HEAT, HEAT)
        return {"view": "points", "real": real.cpu().numpy(), "fake": fake.cpu().numpy(),
                "heat": heat.float().cpu().numpy(), "extent": [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])],
                "probability": self.loss_kind == "bce"}

    def record(self):
        return {"value_range": list(self.models.range) if self.models.range else None}
