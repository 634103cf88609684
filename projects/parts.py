"""The parts of a generative graph, found from its wiring (no torch, no Qt).

A GAN is one graph with two parts: the generator (from a Latent noise input, and a Class label
for a conditional GAN, to the ``generated`` input of a Real or generated block) and the
discriminator (from that block to the GAN loss head). A VAE's encoder ends at the VAE latent
block and its decoder runs from the latent's ``z`` to the VAE loss head. The canvas colours the
blocks by part, validation reports a wiring that does not make the parts, and the runtime builds
one sub-model per part from the same modules (the parameters stay shared).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .problems import Problem

if TYPE_CHECKING:
    from .graph import Graph

SWITCH = "gan.real_or_generated"
GAN_HEAD = "head.gan"
LATENT = "gen.vae_encoder_head"
VAE_HEAD = "head.vae_elbo"
NOISE, LABEL = "input.noise", "input.label"

PART_TITLES = {"generator": "G", "discriminator": "D", "shared": "G+D", "encoder": "enc", "decoder": "dec"}


@dataclass
class ModelParts:
    """Which blocks form which part. ``kind`` is "gan", "vae" or "" (one part: the whole model).

    GAN anchors: ``switch`` (the Real or generated block), ``real_input`` (the input block that
    feeds it real samples), ``generated`` (the (node, port) wired into its ``generated`` input),
    ``noise`` and ``labels`` (input blocks of the generator), ``head``. VAE anchors: ``latent``,
    ``recon`` (the (node, port) wired into the head's reconstruction), ``head``."""

    kind: str = ""
    members: dict[str, str] = field(default_factory=dict)  # node id -> part name
    problems: list[Problem] = field(default_factory=list)
    switch: str | None = None
    real_input: str | None = None
    generated: tuple[str, str] | None = None
    noise: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    latent: str | None = None
    recon: tuple[str, str] | None = None
    head: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.kind) and not self.problems


def model_parts(graph: "Graph") -> ModelParts:
    """The parts of ``graph`` (empty ``kind`` for a graph that is not a GAN or a VAE)."""
    types = {n.type_id for n in graph.nodes.values()}
    if GAN_HEAD in types or SWITCH in types:
        return _gan(graph)
    if VAE_HEAD in types or LATENT in types:
        return _vae(graph)
    return ModelParts()


def _of_type(graph: "Graph", type_id: str) -> list[str]:
    return [n.id for n in graph.nodes.values() if n.type_id == type_id]


def _gan(graph: "Graph") -> ModelParts:
    parts = ModelParts("gan")
    switches, heads = _of_type(graph, SWITCH), _of_type(graph, GAN_HEAD)
    if len(switches) != 1:
        where = switches[1] if switches else (heads[0] if heads else None)
        parts.problems.append(Problem(
            "A GAN needs exactly one Real or generated block (the discriminator's entrance), but this graph has "
            f"{len(switches)}: {'remove the extra ones' if switches else 'add one between the generator and the discriminator'}",
            where))
        return parts
    if len(heads) != 1:
        parts.problems.append(Problem(f"A GAN needs exactly one GAN loss head, but this graph has {len(heads)}: "
                                      f"{'remove the extra ones' if heads else 'end the discriminator with a GAN loss head'}",
                                      heads[1] if heads else switches[0]))
        return parts
    switch, head = switches[0], heads[0]
    parts.switch, parts.head = switch, head
    real, gen = graph.wire_into(switch, "real"), graph.wire_into(switch, "generated")
    if real is None or gen is None:
        return parts  # the block itself reports its unconnected input
    name = graph.nodes[switch].name
    if graph.nodes[real.src].block is None or graph.nodes[real.src].block.role != "input":
        parts.problems.append(Problem(f"'{name}' must receive its real samples straight from an input block "
                                      "(an Image or Feature input fed by the dataset): wire one into 'real'",
                                      switch, port="real"))
    else:
        parts.real_input = real.src
        others = [w for w in graph.outputs_of(real.src) if w.dst != switch]
        if others:
            parts.problems.append(Problem(f"the real-samples input '{graph.nodes[real.src].name}' should feed only "
                                          f"'{name}': the discriminator reads it through that block", real.src))
    if not graph.is_acyclic():
        return parts
    g_set = graph.upstream(gen.src)
    if switch in g_set:
        parts.problems.append(Problem(f"the generator feeding '{name}' must not depend on its output", switch))
        return parts
    if head not in graph.downstream([switch]):
        parts.problems.append(Problem(f"the GAN loss head must be fed by the discriminator that reads '{name}': "
                                      "wire the discriminator's score into it", head))
    parts.generated = (gen.src, gen.src_port)
    g_inputs = [i for i in g_set if graph.nodes[i].block and graph.nodes[i].block.role == "input"]
    parts.noise = [i for i in g_inputs if graph.nodes[i].type_id == NOISE]
    parts.labels = [i for i in g_inputs if graph.nodes[i].type_id == LABEL]
    wrong = [i for i in g_inputs if i not in parts.noise and i not in parts.labels]
    if not parts.noise:
        parts.problems.append(Problem(f"the generator feeding '{name}' has no Latent noise input: start it from a "
                                      "Latent noise z block", gen.src))
    for i in wrong:
        parts.problems.append(Problem(f"the generator may start only from Latent noise and Class label inputs, "
                                      f"not from '{graph.nodes[i].name}': remove that wire", i))
    d_set = (graph.upstream(head) - g_set) | {switch}
    for i in d_set:
        block = graph.nodes[i].block
        if block and block.role == "input" and i != parts.real_input and graph.nodes[i].type_id != LABEL:
            parts.problems.append(Problem(f"the discriminator may read only the Real or generated block and Class "
                                          f"labels, not '{graph.nodes[i].name}': remove that wire", i))
    d_labels = [i for i in d_set if graph.nodes[i].type_id == LABEL]
    parts.labels += [i for i in d_labels if i not in parts.labels]
    shared = {i for i in parts.labels if i in g_set and any(w.dst in d_set for w in graph.outputs_of(i))}
    for i in g_set:
        parts.members[i] = "shared" if i in shared else "generator"
    for i in d_set:
        parts.members.setdefault(i, "discriminator")
    return parts


def _vae(graph: "Graph") -> ModelParts:
    parts = ModelParts("vae")
    latents, heads = _of_type(graph, LATENT), _of_type(graph, VAE_HEAD)
    if len(latents) != 1 or len(heads) != 1:
        many, what, fix = (latents, "VAE latent block", "between the encoder and the decoder") if len(latents) != 1 \
            else (heads, "VAE loss head", "after the decoder")
        parts.problems.append(Problem(f"A VAE needs exactly one {what}, but this graph has {len(many)}: "
                                      f"{'remove the extra ones' if many else 'add one ' + fix}",
                                      many[1] if len(many) > 1 else (heads or latents or [None])[0]))
        return parts
    latent, head = latents[0], heads[0]
    parts.latent, parts.head = latent, head
    wires = {p: graph.wire_into(head, p) for p in ("recon", "mu", "logvar")}
    if any(w is None for w in wires.values()) or not graph.is_acyclic():
        return parts
    hname = graph.nodes[head].name
    for port in ("mu", "logvar"):
        if (wires[port].src, wires[port].src_port) != (latent, port):
            parts.problems.append(Problem(f"'{hname}' must take its '{port}' from the VAE latent block "
                                          f"'{graph.nodes[latent].name}': wire its '{port}' output there", head,
                                          port=port))
    recon = wires["recon"]
    parts.recon = (recon.src, recon.src_port)
    encoder = graph.upstream(latent)
    decoder = graph.upstream(recon.src) - encoder
    if latent not in graph.upstream(recon.src):
        parts.problems.append(Problem(f"the reconstruction wired into '{hname}' must come from a decoder that reads "
                                      f"the latent's z: wire '{graph.nodes[latent].name}' z into the decoder", head,
                                      port="recon"))
    for i in decoder:
        block = graph.nodes[i].block
        if block and block.role == "input":
            parts.problems.append(Problem(f"the decoder may read only the latent z, not the input "
                                          f"'{graph.nodes[i].name}': remove that wire", i))
    for w in graph.outputs_of(latent):
        if w.dst in decoder and w.src_port != "z":
            parts.problems.append(Problem(f"the decoder must read the latent's 'z' (a sample), not its "
                                          f"'{w.src_port}': rewire '{graph.nodes[w.dst].name}'", w.dst))
    for i in encoder:
        parts.members[i] = "encoder"
    for i in decoder:
        parts.members[i] = "decoder"
    return parts


def value_range(graph: "Graph", source: tuple[str, str]) -> tuple[float, float] | None:
    """The interval the values on output port ``source`` lie in (following reshapes back to the
    block that bounds them), or None when they are unbounded or unknown."""
    nid = source[0]
    for _ in range(len(graph.nodes) + 1):
        node = graph.nodes[nid]
        found = node.block.value_range(node.params) if node.block else None
        if found != "input":
            return tuple(found) if found else None
        wire = next(iter(graph.inputs_of(nid)), None)
        if wire is None:
            return None
        nid = wire.src
    return None
