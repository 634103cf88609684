"""A compiled VAE graph's encoder (input -> mu, logvar) and decoder (z -> reconstruction) as
sub-models (torch)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..base import checked_parts
from ..declaration import TaskDeclaration, TaskError
from . import HEAD, LATENT


class VAEModels:
    """A compiled VAE's encoder (input -> mu, logvar) and decoder (z -> reconstruction)."""

    def __init__(self, compiled, graph, declaration: TaskDeclaration):
        parts = checked_parts(graph, declaration)
        if len(compiled.input_ids) != 1:
            raise TaskError(f"a VAE reads one input block, but this model has {len(compiled.input_ids)}: "
                            "remove the others")
        self.parts = parts
        self.input = compiled.input_ids[0]
        latent = parts.anchors[LATENT]
        self.recon = parts.fetches["decoder"][0]
        self.encoder = compiled.part([(self.input, "out")], [(latent, "mu"), (latent, "logvar")], "Encoder").module
        self.decoder = compiled.part([(latent, "z")], [self.recon], "Decoder").module
        head = graph.nodes[parts.anchors[HEAD]]
        self.head, self.head_params = head.block, head.params
        self.latent = graph.nodes[latent].params["latent"]
        self.input_shape = tuple(graph.states[self.input].outputs[0])
        self.output_shape = tuple(graph.output_shape(*self.recon))

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

    def export_parts(self, compiled) -> dict:
        """The encoder (image -> mu, logvar) and the decoder (z -> image) alone."""
        latent = self.parts.anchors[LATENT]
        out = {"encoder": compiled.part([(self.input, "out")], [(latent, "mu"), (latent, "logvar")], "Encoder"),
               "decoder": compiled.part([(latent, "z")], [self.recon], "Decoder")}
        for name, part in out.items():
            part.part_name = name
        return out
