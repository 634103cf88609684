"""A denoising autoencoder, as one task package outside NetCanvas (issue 22's test of "a new kind of
training is one package"): the model sees each image with Gaussian noise added and learns to give
back the clean image, through a Regression head whose output has the image's shape. No torch here:
the declaration only."""
from __future__ import annotations

from nodes.spec import Param
from runtime.tasks import DataFit, Metric, Option, Prediction, SettingsSection, TaskDeclaration

from .report import describe

SECTION = "denoise"

TASKS = (
    TaskDeclaration(
        "denoising", "Denoising autoencoder", "Learn to remove noise: the model sees each image with Gaussian noise "
        "added and gives back the clean image",
        (Metric("loss", "loss", "loss"), Metric("psnr", "PSNR (dB)", "psnr", goal="max", plot=1)),
        plots=("Loss", "Peak signal-to-noise ratio"), accepts_heads=("head.regression",),
        settings=(SettingsSection(SECTION, (
            Param("noise_std", "float", 0.3, "Standard deviation of the Gaussian noise added to each pixel (images in "
                  "0..1)", min=0.0, max=2.0, label="noise"),), "Denoising", "denoise-"),),
        data=DataFit(("any",), options=(("normalize", False),)),  # pixels stay in [0, 1]
        schedule="none", monitor="val_psnr",
        prediction=Prediction("images", "images"),
        evaluate_options=(Option("examples", "int", "denoising: how many test images the report shows", 8),),
        predict_options=(Option("seed", "int", "denoising: the seed of the noise added to the images", 0),),
        describe=describe),
)
