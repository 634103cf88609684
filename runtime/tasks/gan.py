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

from projects.parts import value_range

from .base import Task, TaskContext, TaskError, in_eval_mode, parts_of_kind, register

GRID = 64  # fixed-noise samples in the live grid
POINTS = 1000  # generated points in the 2-D view
HEAT = 48  # the 2-D view's decision map is HEAT x HEAT


def gan_parts(graph):
    """The GAN's parts, or a TaskError with the first wiring problem."""
    return parts_of_kind(graph, "gan", "GAN training needs a generator, a Real or generated block, a discriminator "
                                       "and a GAN loss head: build them on the canvas (see the gan-ring example)")


def unit_scale(x: torch.Tensor, rng) -> torch.Tensor:
    """Values of range ``rng`` mapped to [0, 1] for display (clamped); None: as they are."""
    if rng is None:
        return x.clamp(0, 1)
    lo, hi = rng
    return ((x - lo) / (hi - lo)).clamp(0, 1)


class GANModels:
    """The generator and discriminator sub-models of a compiled GAN graph and how to feed them."""

    def __init__(self, compiled, graph):
        parts = gan_parts(graph)
        self.parts = parts
        order = {nid: i for i, nid in enumerate(compiled.input_ids)}
        g_set = graph.upstream(parts.generated[0])
        self.g_labels = [i for i in parts.labels if i in g_set]
        self.d_labels = [i for i in parts.labels if parts.members.get(i) in ("shared", "discriminator")]
        if self.d_labels and sorted(self.d_labels) != sorted(self.g_labels):
            raise TaskError("the discriminator's class label must be the generator's: wire the same Class label "
                            "block into both")
        self.g_inputs = sorted(parts.noise + self.g_labels, key=order.get)
        self.noise_shapes = {nid: tuple(graph.states[nid].outputs[0]) for nid in parts.noise}
        label = graph.nodes[self.g_labels[0]] if self.g_labels else None
        self.classes = label.params["classes"] if label else 0
        score = graph.wire_into(parts.head, "score")
        self.G = compiled.part([(i, "out") for i in self.g_inputs], [parts.generated], "Generator").module
        self.D = compiled.part([(parts.switch, "out")] + [(i, "out") for i in self.d_labels],
                               [(score.src, score.src_port)], "Discriminator").module
        head = graph.nodes[parts.head]
        self.head, self.head_params = head.block, head.params
        self.range = value_range(graph, parts.generated)
        self.sample_shape = tuple(graph.states[parts.switch].outputs[0])

    def generator_inputs(self, z: dict, labels) -> list:
        return [z[i] if i in z else labels for i in self.g_inputs]

    def noise(self, n: int, device, generator=None) -> dict:
        return {nid: torch.randn(n, *shape, device=device, generator=generator)
                for nid, shape in self.noise_shapes.items()}

    def generate(self, n: int, device, labels=None, generator=None) -> torch.Tensor:
        """``n`` samples from fresh noise (``labels``: class ids for a conditional generator)."""
        if self.classes and labels is None:
            labels = torch.randint(0, self.classes, (n,), device=device, generator=generator)
        return self.G(*self.generator_inputs(self.noise(n, device, generator), labels))

    def score(self, x: torch.Tensor, labels) -> torch.Tensor:
        return self.D(x, *([labels] if self.d_labels else []))


@torch.no_grad()
def adversarial_metrics(m: GANModels, x, y, batch_size: int, seed: int) -> dict[str, float]:
    """D and G losses and mean D outputs on real samples ``x`` (labels ``y``) and as many generated
    ones (seeded noise), without updating anything."""
    if len(x) == 0:
        return {}
    p = m.head_params
    sums = torch.zeros(4, dtype=torch.float64, device=x.device)
    gen = torch.Generator(device=x.device).manual_seed(seed)
    for i in range(0, len(x), batch_size):
        xb, yb = x[i:i + batch_size], y[i:i + batch_size]
        labels = torch.randint(0, m.classes, (len(xb),), device=x.device, generator=gen) if m.classes else None
        fake = m.generate(len(xb), x.device, labels, gen)
        d_real, d_fake = m.score(xb, yb).float(), m.score(fake, labels).float()
        sums += torch.stack([m.head.d_loss(p, d_real, d_fake), m.head.g_loss(p, d_fake),
                             m.head.confidence(p, d_real).mean(), m.head.confidence(p, d_fake).mean()]
                            ).double() * len(xb)
    d_loss, g_loss, d_real, d_fake = (sums / len(x)).tolist()
    return {"d_loss": d_loss, "g_loss": g_loss, "d_real": d_real, "d_fake": d_fake}


@register("gan")
class GANTask(Task):
    uses_wrapped_module = False  # two parts, each its own optimizer; gradients averaged by hand with --nproc

    @classmethod
    def data_input(cls, graph, compiled):
        return gan_parts(graph).real_input

    @classmethod
    def dataset_settings(cls, settings):
        return {**(settings.get("dataset") or {}), "normalize": False}  # real images keep [0, 1], then scaled

    def __init__(self, ctx: TaskContext, name: str):
        super().__init__(ctx, name)
        self.models = m = GANModels(ctx.compiled, ctx.graph)
        self.add_part("generator", m.G.parameters(), "optimizer")
        self.add_part("discriminator", m.D.parameters(), "d_optimizer")
        self.d_steps = ctx.settings["gan"]["d_steps"]
        self.loss_kind = m.head_params["loss"]
        self.steps_done = 0
        zero = torch.zeros((), device=ctx.device)
        self.last = {"d_loss": zero, "g_loss": zero, "d_real": zero, "d_fake": zero}
        fixed = torch.Generator().manual_seed(ctx.settings["seed"] + 1)
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
    def train_step(self, xb, yb, only=None):
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
    def evaluate(self, x, y, batch_size):
        m = self.models
        with in_eval_mode(m.G, m.D), self.autocast():
            return adversarial_metrics(m, x, y, batch_size, self.ctx.settings["seed"] + 2)

    def feeds(self, xb, yb):
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

    @classmethod
    def report(cls, project, split="test", data=None, best=False, **options):
        from ..evaluate_generative import gan_report

        return gan_report(project, split, data, best, **options)

    @classmethod
    def export_parts(cls, compiled, graph):
        """The generator alone, the discriminator alone, and as the whole model the combined
        D(G(z)): noise (and label) in, the generated samples and their scores out."""
        parts = gan_parts(graph)
        m = GANModels(compiled, graph)
        score = graph.wire_into(parts.head, "score")
        feeds = [(i, "out") for i in m.g_inputs]
        out = {"generator": compiled.part(feeds, [parts.generated], "Generator"),
               "discriminator": compiled.part([(parts.switch, "out")] + [(i, "out") for i in m.d_labels],
                                              [(score.src, score.src_port)], "Discriminator"),
               "model": compiled.part(feeds, [parts.generated, (score.src, score.src_port)], "GAN",
                                      alias={(parts.switch, "out"): parts.generated})}
        for name, part in out.items():
            part.part_name = name
        return out
