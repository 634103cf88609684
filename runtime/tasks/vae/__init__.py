"""VAE training: encoder -> (mu, logvar) -> z = mu + sigma * eps -> decoder, trained on
reconstruction + beta x KL (the VAE loss head), with optional KL annealing. No torch here: the
declaration only."""
from __future__ import annotations

from nodes.spec import Param

from ..declaration import (Anchor, DataFit, Ends, Metric, Option, PartRule, Prediction, SettingsSection,
                           TaskDeclaration, Wiring)
from .report import describe

LATENT, HEAD = "gen.vae_encoder_head", "head.vae_elbo"

ORDER = 40  # where the editor lists these tasks
TASKS = (
    TaskDeclaration(
        "vae", "VAE (variational)", "An encoder and a decoder learn to rebuild their input through a small random "
        "latent code (loss = reconstruction + beta x KL, the negative ELBO)",
        (Metric("loss", "loss (−ELBO)", "loss"), Metric("recon", "reconstruction", "rec", plot=1),
         Metric("kl", "KL", "kl", plot=1)),
        plots=("Loss (negative ELBO per image)", "Reconstruction and KL"), heads=(HEAD,),
        anchors=(Anchor(LATENT, "add one between the encoder and the decoder"),
                 Anchor(HEAD, "add one after the decoder")),
        wiring=(Wiring(HEAD, "mu", LATENT, "mu"), Wiring(HEAD, "logvar", LATENT, "logvar")),
        parts=(PartRule("encoder", "encoder", "enc", feeds=(Ends(inputs=("*",)),),
                        fetches=(Ends(LATENT, port="mu"), Ends(LATENT, port="logvar"))),
               PartRule("decoder", "decoder", "dec", feeds=(Ends(LATENT, port="z"),),
                        fetches=(Ends(HEAD, into="recon"),))),
        settings=(SettingsSection("vae", (
            Param("kl_annealing", "choice", "none", "KL annealing: the KL weight rises from 0 to the head's beta "
                  "(linear: once; cyclical: again every warm-up period)", choices=("none", "linear", "cyclical"),
                  label="KL annealing"),
            Param("kl_warmup_epochs", "int", 10, "Epochs the KL weight takes to rise from 0 to beta", min=1,
                  max=100000, label="KL warm-up epochs")), "VAE"),),
        data=DataFit(("any",), options=(("normalize", False),)),  # the target is the input, in [0, 1]
        schedule="none", views=("samples",), explore=("prior", "interpolate", "latent_map"),
        prediction=Prediction("images?", "images", "A VAE makes images instead of classifying them: explore this "
                                                   "model in the Samples tab."),
        evaluate_options=(Option("scores", "str", "VAE: write every test image's anomaly score to this CSV file"),),
        predict_options=(Option("samples", "int", "how many samples in the grid", 64),
                         Option("seed", "int", "random seed of the samples", 0)),
        samples_per_s=1.0, describe=describe),
)
