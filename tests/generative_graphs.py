"""Tiny GAN and VAE graphs for the tests (built with the projects API, like the examples)."""
from __future__ import annotations

from projects.graph import Graph
from projects.project import Project
from projects.training import complete_training


def wire(graph: Graph, links) -> None:
    """Connect (src node, src port, dst node, dst port) tuples."""
    for a, ap, b, bp in links:
        graph.connect(a.id, ap, b.id, bp)


def point_gan(loss: str = "bce", conditional: bool = False, width: int = 16, **head) -> Graph:
    """An MLP GAN on 2-D points: z -> G -> Real or generated <- Real points; -> D -> GAN loss."""
    g = Graph()
    z = g.add_node("input.noise", "z", {"size": 2})
    parts = [z]
    if conditional:
        label = g.add_node("input.label", "Mode", {"classes": 8})
        embed_g = g.add_node("core.embedding", "G embed", {"vocabulary": 8, "dim": 2})
        embed_d = g.add_node("core.embedding", "D embed", {"vocabulary": 8, "dim": 2})
        zc = g.add_node("merge.concatenate", "z+label", {})
    g1 = g.add_node("core.dense", "G1", {"units": width, "activation": "relu"})
    gout = g.add_node("core.dense", "G out", {"units": 2})
    real = g.add_node("input.vector", "Real", {"features": 2})
    switch = g.add_node("gan.real_or_generated", "Real or fake", {})
    d1 = g.add_node("core.dense", "D1", {"units": width, "activation": "leaky_relu"})
    dout = g.add_node("core.dense", "D out", {"units": 1})
    loss_head = g.add_node("head.gan", "GAN loss", {"loss": loss, **head})
    if conditional:
        dc = g.add_node("merge.concatenate", "x+label", {})
        wire(g, [(z, "out", zc, "a"), (label, "out", embed_g, "in"), (embed_g, "out", zc, "b"),
                 (zc, "out", g1, "in"), (switch, "out", dc, "a"), (label, "out", embed_d, "in"),
                 (embed_d, "out", dc, "b"), (dc, "out", d1, "in")])
    else:
        wire(g, [(z, "out", g1, "in"), (switch, "out", d1, "in")])
    wire(g, [(g1, "out", gout, "in"), (gout, "out", switch, "generated"), (real, "out", switch, "real"),
             (d1, "out", dout, "in"), (dout, "out", loss_head, "score")])
    del parts
    return g


def image_gan(conditional: bool = False, spectral_norm: bool = False, loss: str = "bce") -> Graph:
    """A tiny DCGAN from the composites on 8x8 images (a Class label into both parts when conditional)."""
    g = Graph()
    z = g.add_node("input.noise", "z", {"size": 8})
    gen = g.add_node("gen.generator", "G", {"image_size": 8, "base_width": 4, "conditional": conditional,
                                            "spectral_norm": spectral_norm})
    real = g.add_node("input.image", "Real", {"channels": 1, "height": 8, "width": 8})
    switch = g.add_node("gan.real_or_generated", "Real or fake", {})
    disc = g.add_node("gen.discriminator", "D", {"base_width": 4, "conditional": conditional,
                                                "spectral_norm": spectral_norm, "batchnorm": loss != "wgan-gp"})
    head = g.add_node("head.gan", "GAN loss", {"loss": loss})
    wire(g, [(z, "out", gen, "z"), (gen, "image", switch, "generated"), (real, "out", switch, "real"),
             (switch, "out", disc, "image"), (disc, "logit", head, "score")])
    if conditional:
        label = g.add_node("input.label", "Class", {"classes": 10})
        wire(g, [(label, "out", gen, "label"), (label, "out", disc, "label")])
    return g


def vae(latent: int = 2, beta: float = 1.0, reconstruction: str = "bce") -> Graph:
    """Image 1x28x28 -> Dense -> VAE latent -> MLP decoder -> VAE loss."""
    g = Graph()
    x = g.add_node("input.image", "Image", {"channels": 1, "height": 28, "width": 28})
    flat = g.add_node("core.flatten", "Flatten", {})
    enc = g.add_node("core.dense", "Encoder", {"units": 32, "activation": "relu"})
    lat = g.add_node("gen.vae_encoder_head", "Latent", {"latent": latent})
    dec = g.add_node("gen.decoder", "Decoder", {"kind": "mlp", "image_size": 28, "width": 32})
    head = g.add_node("head.vae_elbo", "VAE loss", {"beta": beta, "reconstruction": reconstruction})
    wire(g, [(x, "out", flat, "in"), (flat, "out", enc, "in"), (enc, "out", lat, "in"), (lat, "z", dec, "z"),
             (dec, "image", head, "recon"), (lat, "mu", head, "mu"), (lat, "logvar", head, "logvar")])
    return g


def project(graph: Graph, dataset: dict, **training) -> Project:
    settings = {"dataset": dataset, "early_stopping": {"enabled": False}, "log_every": 5, **training}
    return Project(graph=graph, training=complete_training(settings))


RING = {"name": "gaussian-ring", "limit": 512, "val_fraction": 0.1}
FASHION = {"name": "fashion-mnist-small", "limit": 256, "val_fraction": 0.1}
