"""A compiled GAN graph's generator and discriminator as sub-models, and how to feed them (torch)."""
from __future__ import annotations

import torch

from projects.parts import value_range

from ..base import checked_parts
from ..declaration import TaskDeclaration, TaskError
from . import HEAD, LABEL, NOISE, SWITCH


def unit_scale(x: torch.Tensor, rng) -> torch.Tensor:
    """Values of range ``rng`` mapped to [0, 1] for display (clamped); None: as they are."""
    if rng is None:
        return x.clamp(0, 1)
    lo, hi = rng
    return ((x - lo) / (hi - lo)).clamp(0, 1)


class GANModels:
    """The generator and discriminator sub-models of a compiled GAN graph (the parts the GAN's
    declaration finds) and how to feed them."""

    def __init__(self, compiled, graph, declaration: TaskDeclaration):
        parts = checked_parts(graph, declaration)
        self.parts = parts
        self.switch, head_id = parts.anchors[SWITCH], parts.anchors[HEAD]
        self.real_input = graph.wire_into(self.switch, "real").src
        order = {nid: i for i, nid in enumerate(compiled.input_ids)}
        self.generated = parts.fetches["generator"][0]
        self.noise_ids = parts.inputs_of_type("generator", NOISE, graph)
        self.g_labels = parts.inputs_of_type("generator", LABEL, graph)
        self.d_labels = parts.inputs_of_type("discriminator", LABEL, graph)
        if self.d_labels and sorted(self.d_labels) != sorted(self.g_labels):
            raise TaskError("the discriminator's class label must be the generator's: wire the same Class label "
                            "block into both")
        self.g_inputs = sorted(self.noise_ids + self.g_labels, key=order.get)
        self.noise_shapes = {nid: tuple(graph.states[nid].outputs[0]) for nid in self.noise_ids}
        label = graph.nodes[self.g_labels[0]] if self.g_labels else None
        self.classes = label.params["classes"] if label else 0
        self.score_port = parts.fetches["discriminator"][0]
        self.G = compiled.part([(i, "out") for i in self.g_inputs], [self.generated], "Generator").module
        self.D = compiled.part([(self.switch, "out")] + [(i, "out") for i in self.d_labels], [self.score_port],
                              "Discriminator").module
        head = graph.nodes[head_id]
        self.head, self.head_params = head.block, head.params
        self.range = value_range(graph, self.generated)
        self.sample_shape = tuple(graph.states[self.switch].outputs[0])

    @staticmethod
    def real_input(graph, declaration: TaskDeclaration) -> str:
        """The input block whose real samples the discriminator reads (the dataset feeds it)."""
        parts = checked_parts(graph, declaration)
        return graph.wire_into(parts.anchors[SWITCH], "real").src

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

    def export_parts(self, compiled) -> dict:
        """The generator alone, the discriminator alone, and as the whole model the combined
        D(G(z)): noise (and label) in, the generated samples and their scores out."""
        feeds = [(i, "out") for i in self.g_inputs]
        out = {"generator": compiled.part(feeds, [self.generated], "Generator"),
               "discriminator": compiled.part([(self.switch, "out")] + [(i, "out") for i in self.d_labels],
                                              [self.score_port], "Discriminator"),
               "model": compiled.part(feeds, [self.generated, self.score_port], "GAN",
                                      alias={(self.switch, "out"): self.generated})}
        for name, part in out.items():
            part.part_name = name
        return out


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
