"""Heads: the last block of a model. Each says what its output is and the loss the trainer minimises.

A head passes its input through unchanged in the compiled module (its output is the model's
output, e.g. logits); ``loss`` and ``predict`` say how the trainer and the predictor use it.
"""
from __future__ import annotations

from .spec import Block, Param, Port, ShapeError, shape_text

# What a head's output is: one score per class (softmax), one logit (yes/no), numbers, a VAE's
# reconstruction with its latent statistics, a discriminator's score.
CLASS_SCORES, LOGIT, VALUES, RECONSTRUCTION, CRITIC = "class scores", "logit", "values", "reconstruction", "critic"
OUTPUT_KINDS = (CLASS_SCORES, LOGIT, VALUES, RECONSTRUCTION, CRITIC)


class Head(Block):
    """A head ends the model: its input passes through as the model's output, and its loss is
    what training minimises. ``output_kind`` says what that output is (OUTPUT_KINDS); the tasks that
    train a head name its type (runtime/tasks/)."""

    category = "Heads"
    role = "head"
    icon = "mdi6.flag-checkered"
    output_kind = CLASS_SCORES
    inputs = (Port("in", (1,)),)
    outputs = (Port("out", (1,)),)

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, cls.inputs[0].ranks)
        return [shape]

    @classmethod
    def connections(cls, p, ins):
        return 0

    @classmethod
    def target_problem(cls, p, output: tuple, targets: dict) -> str | None:
        """Why the dataset's targets cannot train this head, as the end of a sentence naming the
        fix (None: they can). ``output``: the shape the head receives; ``targets``: ``integer``
        (class ids), ``finite``, ``min``, ``max``, ``distinct`` (at most 3 counted) and ``classes``
        (the dataset's class count, None for numbers). Checked before training starts."""
        if not targets["finite"]:
            return "some targets are NaN or infinite: remove or fix those rows of the data"
        return None

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.Identity()

    @classmethod
    def loss(cls, p, outputs, target):
        """Mean loss of a batch: ``outputs`` are this head's inputs (a list of tensors)."""
        raise NotImplementedError

    @classmethod
    def predict(cls, p, output):
        """What a user reads from the raw output (probabilities, values)."""
        return output

    @classmethod
    def example_target(cls, p, ins):
        """A random target batch of 2 matching inputs ``ins`` (tests, previews)."""
        import torch

        return torch.randn(2, *ins[0])


class ClassificationHead(Head):
    type_id = "head.classification"
    title = "Classification (softmax + cross-entropy)"
    default_name = "Output"
    help = "Turns K scores into class probabilities with softmax; trained with cross-entropy on class ids."
    params = (Param("label_smoothing", "float", 0.0, "Spread this much target probability over all classes",
                    min=0.0, max=0.5),)

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = super().output_shapes(p, ins)
        if shape[0] < 2:
            raise ShapeError(f"{cls.title} needs at least 2 class scores but receives {shape[0]}: "
                             "set the Dense before it to the number of classes", "in")
        return [shape]

    @classmethod
    def loss(cls, p, outputs, target):
        import torch.nn.functional as F

        return F.cross_entropy(outputs[0].float(), target, label_smoothing=p["label_smoothing"])

    @classmethod
    def target_problem(cls, p, output, targets):
        problem = super().target_problem(p, output, targets)
        if problem:
            return problem
        if not targets["integer"]:
            return ("the targets are numbers, not class ids: use a Regression head, or a dataset of labelled "
                    "classes")
        if targets["min"] < 0 or targets["max"] >= output[-1]:
            need = int(targets["max"]) + 1
            return (f"the data has class ids up to {int(targets['max'])} ({need} classes) but the head receives "
                    f"{output[-1]} scores: set the Dense before it to {need} units")
        return None

    @classmethod
    def predict(cls, p, output):
        return output.float().softmax(-1)

    @classmethod
    def example_target(cls, p, ins):
        import torch

        return torch.randint(0, ins[0][0], (2,))

    @classmethod
    def label(cls, p):
        return "softmax, cross-entropy"


class RegressionHead(Head):
    type_id = "head.regression"
    title = "Regression (MSE / MAE)"
    default_name = "Output"
    icon = "mdi6.chart-scatter-plot"
    output_kind = VALUES
    help = "Predicts numbers directly; trained to make the outputs close to target values of the same shape."
    inputs = (Port("in"),)
    outputs = (Port("out"),)
    params = (Param("loss", "choice", "mse", "mse: mean squared error; mae: mean absolute error (less hurt by "
                    "outliers)", choices=("mse", "mae")),)

    @classmethod
    def loss(cls, p, outputs, target):
        import torch.nn.functional as F

        y = outputs[0].float()
        t = target.float().reshape(y.shape)
        return F.mse_loss(y, t) if p["loss"] == "mse" else F.l1_loss(y, t)

    @classmethod
    def target_problem(cls, p, output, targets):
        problem = super().target_problem(p, output, targets)
        if problem is None and targets["integer"] and targets["classes"]:
            return (f"the data gives class ids ({targets['classes']} classes), not numbers to predict: use a "
                    "Classification head, or a dataset of numbers")
        return problem

    @classmethod
    def label(cls, p):
        return p["loss"].upper()


class BinaryHead(Head):
    type_id = "head.binary"
    title = "Binary (sigmoid + BCE)"
    default_name = "Output"
    icon = "mdi6.toggle-switch-outline"
    output_kind = LOGIT
    help = "Answers a yes/no question: one score becomes a probability with a sigmoid; trained with binary cross-entropy."

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = super().output_shapes(p, ins)
        if shape != (1,):
            raise ShapeError(f"{cls.title} needs exactly 1 score per sample but receives {shape_text(shape)}: "
                             "set the Dense before it to 1 unit", "in")
        return [shape]

    @classmethod
    def loss(cls, p, outputs, target):
        import torch.nn.functional as F

        y = outputs[0].float()
        return F.binary_cross_entropy_with_logits(y, target.float().reshape(y.shape))

    @classmethod
    def target_problem(cls, p, output, targets):
        problem = super().target_problem(p, output, targets)
        if problem is None and (targets["distinct"] > 2 or targets["min"] < 0 or targets["max"] > 1):
            many = f"{targets['classes']} classes" if targets["classes"] else "targets outside 0 and 1"
            return (f"the data has {many} but a Binary head answers yes or no (targets 0 or 1): use a "
                    "Classification head with one unit per class")
        return problem

    @classmethod
    def predict(cls, p, output):
        return output.float().sigmoid()

    @classmethod
    def example_target(cls, p, ins):
        import torch

        return torch.randint(0, 2, (2,)).float()

    @classmethod
    def example_shapes(cls, p):
        return [(1,)]

    @classmethod
    def label(cls, p):
        return "sigmoid, BCE"


class TotalSquaredErrorHead(Head):
    """The course's total error (handbook, "Training process of the CNN", step 3):
    E = sum over the outputs k of 1/2 (t_k - y_k)^2 for one sample.

    The handbook feeds one sample at a time; for a batch the per-sample E is averaged
    (``batch`` = mean, the default, so the learning rate does not depend on the batch size)
    or added up (``sum``: the total error of the whole batch). With batch size 1 both are the
    handbook's E. Targets have the output's shape (e.g. +1/-1 for a perceptron); integer class
    ids are turned into one-hot target vectors first, as in the handbook's [0, 0, 1, 0].
    """

    type_id = "head.total_squared_error"
    title = "Total squared error (course)"
    default_name = "Output"
    icon = "mdi6.sigma"
    output_kind = VALUES
    help = "The course's error E = 1/2 x sum of (target - output)^2 over the outputs; with a Sign it trains a perceptron."
    inputs = (Port("in"),)
    outputs = (Port("out"),)
    params = (Param("batch", "choice", "mean", "How a batch's per-sample errors are combined: mean or sum",
                    choices=("mean", "sum")),)

    @classmethod
    def loss(cls, p, outputs, target):
        import torch.nn.functional as F

        y = outputs[0].float()
        if target.numel() == y.shape[0] and y[0].numel() > 1:  # one class id per sample
            target = F.one_hot(target.reshape(-1).long(), y[0].numel())
        per_sample = 0.5 * (target.float().reshape(y.shape) - y).pow(2).reshape(y.shape[0], -1).sum(1)
        return per_sample.mean() if p["batch"] == "mean" else per_sample.sum()

    @classmethod
    def example_target(cls, p, ins):
        import torch

        return torch.randint(0, 2, (2, *ins[0])).float() * 2 - 1

    @classmethod
    def label(cls, p):
        return "E = 1/2 sum (t - y)^2" + (", summed over the batch" if p["batch"] == "sum" else "")


class VAEELBOHead(Head):
    """Loss = reconstruction + beta x KL, both summed over a sample's values and averaged over
    the batch (the negative ELBO when beta = 1). KL(N(mu, sigma^2) || N(0, 1)) =
    -1/2 sum(1 + logvar - mu^2 - exp(logvar)). The target is the original input image."""

    type_id = "head.vae_elbo"
    title = "VAE loss (ELBO)"
    default_name = "VAE loss"
    icon = "mdi6.vector-difference"
    output_kind = RECONSTRUCTION
    help = "Trains a VAE: rebuild the input well (reconstruction) while keeping the latent close to N(0, 1) (KL)."
    inputs = (Port("recon", help="the decoder's output, in (0, 1) for bce"), Port("mu", (1,)),
              Port("logvar", (1,)))
    outputs = (Port("out"),)
    params = (
        Param("reconstruction", "choice", "bce", "bce: binary cross-entropy (pixels in 0..1); mse: squared error",
              choices=("bce", "mse")),
        Param("beta", "float", 1.0, "Weight of the KL term (beta-VAE: above 1 gives smoother latents)",
              min=0.0, max=1000.0),
    )

    @classmethod
    def output_shapes(cls, p, ins):
        recon, mu, logvar = ins
        cls.need_rank(cls.title, "mu", mu, (1,))
        if mu != logvar:
            raise ShapeError(f"{cls.title} needs mu and logvar of the same size but receives {shape_text(mu)} and "
                             f"{shape_text(logvar)}: connect both from the same VAE latent block", "logvar")
        return [recon]

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        return torch_modules().FirstInput()

    @classmethod
    def loss_terms(cls, p, outputs, target):
        """(reconstruction, KL): each summed over a sample's values and averaged over the batch."""
        import torch.nn.functional as F

        recon, mu, logvar = (t.float() for t in outputs)
        target = target.float().reshape(recon.shape)
        if p["reconstruction"] == "bce":
            rec = F.binary_cross_entropy(recon, target, reduction="sum")
        else:
            rec = F.mse_loss(recon, target, reduction="sum")
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum()
        return rec / recon.shape[0], kl / recon.shape[0]

    @classmethod
    def loss(cls, p, outputs, target):
        rec, kl = cls.loss_terms(p, outputs, target)
        return rec + p["beta"] * kl

    @classmethod
    def example_shapes(cls, p):
        return [(1, 8, 8), (4,), (4,)]

    @classmethod
    def example_input(cls, index, shape, p):
        import torch

        return torch.rand(2, *shape) * 0.98 + 0.01 if index == 0 else torch.randn(2, *shape)

    @classmethod
    def example_target(cls, p, ins):
        import torch

        return torch.rand(2, *ins[0])

    @classmethod
    def label(cls, p):
        return f"{p['reconstruction'].upper()} + {p['beta']:g} x KL"


class GANHead(Head):
    """The discriminator's score per sample (one logit) and the adversarial losses:

    - ``bce`` (the original GAN with the non-saturating generator loss): D minimises
      BCE(D(x), 1) + BCE(D(G(z)), 0), G minimises BCE(D(G(z)), 1). ``label_smoothing`` s makes
      the real targets 1 - s (one-sided smoothing).
    - ``hinge``: D minimises mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))), G minimises -mean(D(G(z))).
    - ``wgan-gp`` (Wasserstein GAN with gradient penalty): D, the critic, minimises
      mean(D(G(z))) - mean(D(x)) + lambda x mean((||grad D(x_hat)|| - 1)^2) on random mixes x_hat of
      real and generated samples; G minimises -mean(D(G(z))). A critic without BatchNorm suits it.
    """

    type_id = "head.gan"
    title = "GAN loss (real vs generated)"
    default_name = "GAN loss"
    icon = "mdi6.sword-cross"
    output_kind = CRITIC
    help = "Ends a GAN: the discriminator's score says real or generated; trains D to tell them apart and G to fool it."
    inputs = (Port("score", (1,), help="the discriminator's score: one logit per sample"),)
    outputs = (Port("out", (1,)),)
    params = (
        Param("loss", "choice", "bce", "bce: non-saturating GAN loss; hinge; wgan-gp: Wasserstein with gradient "
              "penalty", choices=("bce", "hinge", "wgan-gp")),
        Param("label_smoothing", "float", 0.0, "bce: real targets become 1 - this (one-sided smoothing)",
              min=0.0, max=0.5, label="label smoothing"),
        Param("gp_weight", "float", 10.0, "wgan-gp: weight lambda of the gradient penalty", min=0.0, max=1000.0,
              label="penalty weight"),
    )

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = super().output_shapes(p, ins)
        if shape != (1,):
            raise ShapeError(f"{cls.title} needs exactly 1 score per sample but receives {shape_text(shape)}: "
                             "end the discriminator with a Dense of 1 unit", "score")
        return [shape]

    @classmethod
    def loss(cls, p, outputs, target):
        """The discriminator's loss on scores ``outputs[0]`` whose ``target`` is 1 (real) or 0 (generated)."""
        import torch.nn.functional as F

        score = outputs[0].float().reshape(-1)
        real = target.float().reshape(-1)
        if p["loss"] == "bce":
            return F.binary_cross_entropy_with_logits(score, real * (1 - p["label_smoothing"]))
        sign = 1 - 2 * real  # -1 for real, +1 for generated
        if p["loss"] == "hinge":
            return F.relu(1 + sign * score).mean()
        return (sign * score).mean()

    @classmethod
    def d_loss(cls, p, real_score, fake_score):
        """What the discriminator minimises (without the gradient penalty)."""
        import torch

        ones, zeros = torch.ones_like(real_score.reshape(-1)), torch.zeros_like(fake_score.reshape(-1))
        return cls.loss(p, [real_score], ones) + cls.loss(p, [fake_score], zeros)

    @classmethod
    def g_loss(cls, p, fake_score):
        """What the generator minimises: the non-saturating BCE, or -mean(D(G(z)))."""
        import torch
        import torch.nn.functional as F

        score = fake_score.float().reshape(-1)
        if p["loss"] == "bce":
            return F.binary_cross_entropy_with_logits(score, torch.ones_like(score))
        return -score.mean()

    @classmethod
    def confidence(cls, p, score):
        """D's output as the curves show it: the probability of 'real' for bce, the raw score otherwise."""
        return score.float().sigmoid() if p["loss"] == "bce" else score.float()

    @classmethod
    def predict(cls, p, output):
        return cls.confidence(p, output)

    @classmethod
    def example_target(cls, p, ins):
        import torch

        return torch.tensor([1.0, 0.0])

    @classmethod
    def example_cases(cls):
        return [({}, None), ({"loss": "hinge"}, None), ({"loss": "wgan-gp"}, None),
                ({"label_smoothing": 0.1}, None)]

    @classmethod
    def example_shapes(cls, p):
        return [(1,)]

    @classmethod
    def label(cls, p):
        return {"bce": "non-saturating BCE", "hinge": "hinge", "wgan-gp": f"WGAN-GP, lambda {p['gp_weight']:g}"}[p["loss"]] \
            + (f", smoothing {p['label_smoothing']:g}" if p["loss"] == "bce" and p["label_smoothing"] else "")
