"""Generative composites: a DCGAN generator and discriminator, a VAE encoder head and decoder.

Each composite derives its summary (``inner_layers``), its counts and its module from one
layer plan (nodes/plan.py). Spectral norm re-parametrizes a weight without adding trainable
parameters (its u, v vectors are buffers), so it leaves every count unchanged.
"""
from __future__ import annotations

from . import plan as P
from .spec import INDEX, Block, Param, Port, ShapeError, shape_text

_LABEL = Port("label", (0,), dtype=INDEX, optional=True, help="class ids, for a conditional model")
_COND_PARAMS = (
    Param("conditional", "bool", False, "Also read a class label (connect a Class label block)"),
    Param("classes", "int", 10, "Number of classes the label can take (conditional only)", min=2, max=100_000),
)


class _Composite(Block):
    """A composite block: its layers (listed when the card is expanded, and in the summary) and
    their counts all come from one plan of the parameters and input shape."""

    category = "Generative"
    composite = True

    @classmethod
    def plan(cls, p, ins) -> list[P.Step]:
        raise NotImplementedError

    @classmethod
    def output_shapes(cls, p, ins):
        return [cls.plan(p, ins)[-1].shape]

    @classmethod
    def param_count(cls, p, ins):
        return P.totals(cls.plan(p, ins), "params")

    @classmethod
    def connections(cls, p, ins):
        return P.totals(cls.plan(p, ins), "connections")

    @classmethod
    def macs(cls, p, ins):
        return P.totals(cls.plan(p, ins), "macs")

    @classmethod
    def inner_layers(cls, p, ins):
        return P.inner_layers(cls.plan(p, ins))

    @classmethod
    def example_input(cls, index, shape, p):
        import torch

        if index == 1:  # the optional label
            return torch.randint(0, p["classes"], (2,))
        return torch.randn(2, *shape)

    @classmethod
    def id_capacity(cls, p, port):
        return (p["classes"], "classes") if port == "label" and p.get("conditional") else None

    @classmethod
    def _check_label(cls, p, ins) -> None:
        """The label input is connected exactly when ``conditional`` is on."""
        if p["conditional"] and len(ins) < 2:
            raise ShapeError(f"{cls.title} is conditional but no class label is connected: connect a Class label "
                             "block to its 'label' input or turn 'conditional' off", "label")
        if not p["conditional"] and len(ins) > 1:
            raise ShapeError(f"{cls.title} receives a class label but is not conditional: turn 'conditional' on "
                             "or disconnect the label", "label")
        if len(ins) > 1 and ins[1] != ():
            raise ShapeError(f"{cls.title}'s label must be one class id per sample (N) but receives "
                             f"{shape_text(ins[1])}: connect a Class label block", "label")


class Generator(_Composite):
    """DCGAN generator: z (plus a label embedding of size ``classes`` when conditional) is
    projected to a 4x4 map by a 4x4 transposed convolution, then each 4x4/stride-2 transposed
    convolution + BatchNorm + ReLU doubles the size, halving the maps down to ``base_width``;
    a last transposed convolution makes the image and Tanh squashes it into (-1, 1)."""

    type_id = "gen.generator"
    title = "Generator (DCGAN)"
    icon = "mdi6.creation"
    default_name = "G"
    help = "Turns a random vector z into an image by repeated learned upsampling (the GAN's forger)."
    inputs = (Port("z", (1,), help="latent vectors"), _LABEL)
    outputs = (Port("image", (3,)),)
    params = (
        Param("image_size", "choice", 32, "Width and height of the generated images", choices=(8, 16, 32, 64, 128)),
        Param("channels", "int", 1, "Colour channels of the images: 1 grayscale, 3 RGB", min=1, max=64),
        Param("base_width", "int", 64, "Feature maps just before the image (doubled at each smaller size)",
              min=1, max=4096, label="base width"),
        *_COND_PARAMS,
        Param("spectral_norm", "bool", False, "Constrain each convolution with spectral normalization"),
    )

    @classmethod
    def plan(cls, p, ins):
        cls.need_rank(cls.title, "z", ins[0], (1,))
        cls._check_label(p, ins)
        ups = p["image_size"].bit_length() - 3  # stages from 4x4 up to image_size / 2
        widths = [p["base_width"] * 2 ** (ups - 1 - i) for i in range(ups)]
        sn, steps, cin = p["spectral_norm"], [], ins[0][0]
        if p["conditional"]:
            steps.append(P.embedding("label_embedding", p["classes"], p["classes"]))
            cin += p["classes"]
        steps += [P.unflatten("to_1x1", (cin, 1, 1)),
                  P.tconv("project", cin, widths[0], (1, 1), 4, 1, 0, bias=False, spectral=sn)]
        for i, width in enumerate(widths):
            if i:
                steps.append(P.tconv(f"up{i}", widths[i - 1], width, steps[-1].shape[1:], bias=False, spectral=sn))
            steps += [P.batchnorm(f"bn{i}", steps[-1].shape), P.act(f"relu{i}", "ReLU", steps[-1].shape)]
        steps.append(P.tconv("to_image", widths[-1], p["channels"], steps[-1].shape[1:], spectral=sn))
        return steps + [P.act("tanh", "Tanh", steps[-1].shape)]

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        parts = P.torch_parts(cls.plan(p, ins))
        return torch_modules().LabelConcat(parts["body"], parts.get("embed"))

    @classmethod
    def example_cases(cls):
        small = {"image_size": 16, "base_width": 4}
        return [(small, [(6,)]),
                ({**small, "conditional": True, "classes": 3, "spectral_norm": True, "channels": 3}, [(6,), ()]),
                ({"image_size": 8, "base_width": 2}, [(4,)])]

    @classmethod
    def label(cls, p):
        extra = (", conditional" if p["conditional"] else "") + (", SN" if p["spectral_norm"] else "")
        return f"-> {p['channels']}x{p['image_size']}x{p['image_size']}{extra}"

    @classmethod
    def value_range(cls, p):
        return (-1.0, 1.0)


class Discriminator(_Composite):
    """DCGAN discriminator: 4x4/stride-2 convolutions + LeakyReLU(0.2) (BatchNorm after all
    but the first when ``batchnorm``) halve the image, doubling the maps from ``base_width``,
    until it is at most 4x4; a Dense layer gives one logit (real vs fake). Conditional: a
    projection discriminator adds <embed(label), features> to the logit."""

    type_id = "gen.discriminator"
    title = "Discriminator (DCGAN)"
    icon = "mdi6.magnify-scan"
    default_name = "D"
    help = "Looks at an image and outputs one score saying how real it seems (the GAN's detective)."
    inputs = (Port("image", (3,)), _LABEL)
    outputs = (Port("logit", (1,)),)
    params = (
        Param("base_width", "int", 64, "Feature maps of the first convolution (doubled at each step down)",
              min=1, max=4096, label="base width"),
        Param("batchnorm", "bool", True, "BatchNorm after each convolution but the first"),
        *_COND_PARAMS,
        Param("spectral_norm", "bool", False, "Constrain every layer with spectral normalization (SN-GAN)"),
    )

    @classmethod
    def plan(cls, p, ins):
        cls.need_rank(cls.title, "image", ins[0], (3,))
        cls._check_label(p, ins)
        cin, h, w = ins[0]
        if min(h, w) < 8:
            raise ShapeError(f"{cls.title} needs images of at least 8x8 but receives {h}x{w}: "
                             "use larger images or a small Dense classifier", "image")
        sn, steps, shape = p["spectral_norm"], [], ins[0]
        while min(shape[1:]) > 4:
            i, use_bn = len([s for s in steps if s.kind == "Conv2d"]), p["batchnorm"] and bool(steps)
            steps.append(P.conv(f"down{i + 1}", shape[0], p["base_width"] * 2 ** i, shape[1:],
                                bias=not use_bn, spectral=sn))
            if use_bn:
                steps.append(P.batchnorm(f"bn{i + 1}", steps[-1].shape))
            steps.append(P.act(f"lrelu{i + 1}", "LeakyReLU", steps[-1].shape, 0.2))
            shape = steps[-1].shape
        steps.append(P.flatten("flatten", shape))
        features = steps[-1].shape[0]
        if p["conditional"]:
            steps.append(P.embedding("label_projection", p["classes"], features))
        return steps + [P.linear("to_logit", features, 1, spectral=sn, part="head")]

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        parts = P.torch_parts(cls.plan(p, ins))
        return torch_modules().ProjectionCritic(parts["body"], parts["head"], parts.get("embed"))

    @classmethod
    def example_cases(cls):
        return [({"base_width": 4}, [(1, 16, 16)]),
                ({"base_width": 4, "conditional": True, "classes": 3, "spectral_norm": True, "batchnorm": False},
                 [(3, 12, 12), ()]),
                ({"base_width": 2}, [(1, 28, 28)])]

    @classmethod
    def label(cls, p):
        extra = (", conditional" if p["conditional"] else "") + (", SN" if p["spectral_norm"] else "")
        return f"base {p['base_width']}{extra}"


class VAEEncoderHead(_Composite):
    """Two Dense layers read the features: mu and logvar (the log-variance). z is drawn with the
    reparameterization trick, z = mu + exp(logvar / 2) * eps with eps ~ N(0, 1), while
    training, and z = mu at evaluation; sampling has no parameters."""

    type_id = "gen.vae_encoder_head"
    title = "VAE latent (mu, logvar, z)"
    icon = "mdi6.dice-multiple"
    default_name = "Latent"
    help = "Turns encoder features into a Gaussian (mean mu, log-variance logvar) and samples a latent z from it."
    inputs = (Port("in", (1,), help="encoder features"),)
    outputs = (Port("mu", (1,)), Port("logvar", (1,)), Port("z", (1,)))
    params = (Param("latent", "int", 16, "Size of the latent vector z", min=1, max=100_000),)

    @classmethod
    def plan(cls, p, ins):
        cls.need_rank(cls.title, "in", ins[0], (1,))
        features, latent = ins[0][0], p["latent"]
        return [P.linear("mu", features, latent, part="mu"), P.linear("logvar", features, latent, part="logvar"),
                P.Step("sample", "Reparameterize", (), (latent,), 0, 2 * latent, latent, None)]

    @classmethod
    def output_shapes(cls, p, ins):
        return [cls.plan(p, ins)[-1].shape] * 3

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        parts = P.torch_parts(cls.plan(p, ins))
        return torch_modules().VAESample(parts["mu"], parts["logvar"])

    @classmethod
    def label(cls, p):
        return f"latent {p['latent']}"


class Decoder(_Composite):
    """Maps a latent z back to an image with values in (0, 1). ``mlp``: Dense(width) + ReLU,
    then Dense to every pixel. ``deconv``: Dense to a small map (width maps of side 3 to 7),
    then 4x4/stride-2 transposed convolutions (+ BatchNorm + ReLU) double it, halving the
    maps; the last one makes the image. A Sigmoid ends both."""

    type_id = "gen.decoder"
    title = "Decoder"
    icon = "mdi6.image-filter-center-focus"
    default_name = "Decoder"
    help = "Rebuilds an image from a latent vector z (the VAE's decoder); pixels come out between 0 and 1."
    inputs = (Port("z", (1,)),)
    outputs = (Port("image", (3,)),)
    params = (
        Param("kind", "choice", "mlp", "mlp: Dense layers, any size; deconv: transposed convolutions "
              "(even sizes of at least 6)", choices=("mlp", "deconv")),
        Param("channels", "int", 1, "Colour channels: 1 grayscale, 3 RGB", min=1, max=64),
        Param("image_size", "int", 28, "Width and height of the images", min=1, max=1024, label="image size"),
        Param("width", "int", 256, "Hidden units of the MLP, or maps of the first deconv stage", min=1,
              max=100_000),
    )

    @classmethod
    def check_combination(cls, p):
        if p.get("kind") == "deconv" and not cls._stages(p.get("image_size", 28))[1]:
            return [("image_size", "a deconv decoder needs an even image size of at least 6: "
                                   "change the size or use kind mlp")]
        return []

    @staticmethod
    def _stages(size: int) -> tuple[int, int]:
        """(start side, number of doublings) with start * 2^n = size and start >= 3."""
        n = 0
        while size % 2 == 0 and size // 2 >= 3:
            size, n = size // 2, n + 1
        return size, n

    @classmethod
    def plan(cls, p, ins):
        cls.need_rank(cls.title, "z", ins[0], (1,))
        latent, c, size, width = ins[0][0], p["channels"], p["image_size"], p["width"]
        image = (c, size, size)
        if p["kind"] == "mlp":
            return [P.linear("hidden", latent, width), P.act("relu", "ReLU", (width,)),
                    P.linear("to_pixels", width, c * size * size), P.act("sigmoid", "Sigmoid", (c * size * size,)),
                    P.unflatten("to_image", image)]
        side, n = cls._stages(size)
        if not n:
            raise ShapeError(f"a deconv {cls.title} cannot make {size}x{size} images: use an even size of at least 6 "
                             "or kind mlp", "z")
        widths = [max(width >> i, 1) for i in range(n)]
        steps = [P.linear("project", latent, widths[0] * side * side), P.act("relu0", "ReLU", (widths[0] * side ** 2,)),
                 P.unflatten("to_map", (widths[0], side, side))]
        for i in range(1, n):
            steps.append(P.tconv(f"up{i}", widths[i - 1], widths[i], steps[-1].shape[1:], bias=False))
            steps += [P.batchnorm(f"bn{i}", steps[-1].shape), P.act(f"relu{i}", "ReLU", steps[-1].shape)]
        steps.append(P.tconv("to_image", widths[-1], c, steps[-1].shape[1:]))
        return steps + [P.act("sigmoid", "Sigmoid", image)]

    @classmethod
    def build(cls, p, ins):
        return P.torch_parts(cls.plan(p, ins))["body"]

    @classmethod
    def example_cases(cls):
        return [({"image_size": 8, "width": 16}, [(4,)]),
                ({"kind": "deconv", "image_size": 28, "width": 8}, [(4,)]),
                ({"kind": "deconv", "image_size": 16, "width": 8, "channels": 3}, [(5,)])]

    @classmethod
    def label(cls, p):
        return f"{p['kind']} -> {p['channels']}x{p['image_size']}x{p['image_size']}"

    @classmethod
    def value_range(cls, p):
        return (0.0, 1.0)


class RealOrGenerated(Block):
    """The entrance of a GAN's discriminator. Wire the real samples (an Image or Feature input fed
    by the dataset) into ``real`` and the generator's output into ``generated``; the
    discriminator reads this block's output. In the discriminator's training steps NetCanvas
    feeds it real samples, then generated ones, in separate batches; in the whole model (the
    combined D(G(z)) used for export and previews) it passes the generated samples through.
    Both inputs must have the same shape."""

    type_id = "gan.real_or_generated"
    title = "Real or generated"
    category = "Generative"
    icon = "mdi6.call-split"
    default_name = "Real or fake"
    help = "Where the discriminator looks: at real samples from the dataset, or at the generator's output."
    inputs = (Port("real", help="real samples: an Image (or Feature) input fed by the dataset"),
              Port("generated", help="the generator's output"))
    outputs = (Port("out"),)

    @classmethod
    def output_shapes(cls, p, ins):
        real, generated = ins
        if real != generated:
            raise ShapeError(f"{cls.title} receives real samples of shape {shape_text(real)} but generated ones of "
                             f"{shape_text(generated)}: make the generator's output match the real input "
                             "(image size and channels)", "generated")
        return [real]

    @classmethod
    def connections(cls, p, ins):
        return 0

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        return torch_modules().PickInput(1)

    keeps_range = True

    @classmethod
    def example_shapes(cls, p):
        return [(1, 8, 8), (1, 8, 8)]

    @classmethod
    def example_cases(cls):
        return [({}, None), ({}, [(2,), (2,)])]
