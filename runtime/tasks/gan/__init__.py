"""GAN training: a generator and a discriminator are two parts of one graph, each with its own
optimizer, trained in turn. No torch here: the declaration only."""
from __future__ import annotations

from nodes.spec import Param
from projects.training import optimizer_params

from ..declaration import (Anchor, DataFit, Ends, Metric, Option, PartRule, Prediction, SettingsSection,
                           TaskDeclaration, Wiring)
from .report import describe

SWITCH, HEAD = "gan.real_or_generated", "head.gan"
NOISE, LABEL = "input.noise", "input.label"
POINTS_PER_S = 4.0  # a 2-D GAN's points and decision map are cheap, and a student watches them move
GRID_PER_S = 1.0  # a sample grid costs a generator pass, taken from training


def samples_rate(graph) -> float:
    """Live samples a second: a 2-D GAN's points more often than an image grid."""
    switch = next((n for n in graph.nodes.values() if n.type_id == SWITCH), None)
    wire = graph.wire_into(switch.id, "real") if switch is not None else None
    real = graph.nodes[wire.src] if wire is not None else None
    points = real is not None and real.type_id == "input.vector" and real.params.get("features") == 2
    return POINTS_PER_S if points else GRID_PER_S


D_OPTIMIZER = tuple(p for _, p in optimizer_params("d_optimizer", 2e-4, 0.5, " (a GAN's discriminator)"))

ORDER = 30  # where the editor lists these tasks
TASKS = (
    TaskDeclaration(
        "gan", "GAN (adversarial)", "A generator learns to make samples a discriminator cannot tell from real ones; "
        "both are parts of one graph, each with its own optimizer",
        (Metric("d_loss", "D loss", "D", goal=""), Metric("g_loss", "G loss", "G", goal=""),
         Metric("d_real", "D(x)", "D(x)", goal="", plot=1), Metric("d_fake", "D(G(z))", "D(G(z))", goal="", plot=1)),
        plots=("Generator and discriminator losses", "D(x) and D(G(z))"), heads=(HEAD,),
        anchors=(Anchor(SWITCH, "add one between the generator and the discriminator"),
                 Anchor(HEAD, "end the discriminator with a GAN loss head")),
        exclusive=(NOISE,),  # only a generator reads noise: another task would feed the dataset into it
        wiring=(Wiring(SWITCH, "real", "input", fix="wire an Image or Feature input fed by the dataset into 'real': "
                                                   "the discriminator reads real samples through this block"),),
        parts=(PartRule("generator", "generator", "G", feeds=(Ends(inputs=(NOISE, LABEL)),),
                        fetches=(Ends(SWITCH, into="generated"),), required=(NOISE,)),
               PartRule("discriminator", "discriminator", "D", feeds=(Ends(SWITCH, port="out"), Ends(inputs=(LABEL,))),
                        fetches=(Ends(HEAD, into="score"),))),
        optimizers=(("generator", "optimizer"), ("discriminator", "d_optimizer")),
        section_titles=(("optimizer", "Optimizer (generator)"),),
        settings=(SettingsSection("d_optimizer", D_OPTIMIZER, "Optimizer (discriminator)", "d-"),
                  SettingsSection("gan", (Param("d_steps", "int", 1, "Discriminator updates per generator update (k; "
                                                "WGAN-GP likes 5)", min=1, max=100, label="D steps per G step"),),
                                  "GAN")),
        data=DataFit(("any",), options=(("normalize", False),)),  # real images keep [0, 1], then scaled
        schedule="none", views=("samples",), explore=("samples", "walk"),
        prediction=Prediction("none", "images", "A GAN makes images instead of classifying them: explore this model "
                                                "in the Samples tab."),
        evaluate_options=(Option("samples", "int", "GAN: generated images for the Frechet distance (default: as many "
                                                   "as test images)"),),
        predict_options=(Option("samples", "int", "how many samples in the grid", 64),
                         Option("label", "int", "conditional GAN: the class id to generate"),
                         Option("seed", "int", "random seed of the samples", 0)),
        samples_per_s=samples_rate, describe=describe),
)
