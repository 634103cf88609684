"""One step of the denoising task: the model sees the batch's images with fresh Gaussian noise and is
trained, through its Regression head, to give back the clean images."""
from __future__ import annotations

import torch

from nodes.heads import VALUES
from runtime.tasks import TaskError
from runtime.tasks.base import Task, in_eval_mode

from . import SECTION


def add_noise(x: torch.Tensor, std: float, generator=None) -> torch.Tensor:
    """``x`` with Gaussian noise of ``std`` added, kept in [0, 1]."""
    noise = torch.randn(x.shape, device=x.device, generator=generator, dtype=x.dtype)
    return (x + std * noise).clamp(0, 1)


def psnr(mse: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB of images in [0, 1] whose mean squared error is ``mse``."""
    return 10 * torch.log10(1.0 / mse.clamp_min(1e-12))


class Training(Task):
    def __init__(self, ctx, declaration):
        super().__init__(ctx, declaration)
        compiled, graph = ctx.compiled, ctx.graph
        if len(compiled.input_ids) != 1 or len(compiled.output_ids) != 1:
            raise TaskError("a denoising autoencoder reads one image input and ends in one Regression head")
        head = graph.nodes[compiled.output_ids[0]]
        shape_in = tuple(graph.states[compiled.input_ids[0]].outputs[0])
        if head.block.output_kind != VALUES or tuple(compiled.output_shapes[0]) != shape_in:
            raise TaskError(f"the model must give back an image of its input's shape {shape_in} through a Regression "
                            f"head, but '{head.name}' receives {tuple(compiled.output_shapes[0])}: end the model with "
                            "a convolution of as many channels as the input")
        self.head, self.head_params = head.block, head.params
        self.std = float(ctx.plan.section(SECTION)["noise_std"])
        self.add_part("model", ctx.module.parameters())

    def train_step(self, batch, only=None):
        x = batch["x"]
        with self.autocast():
            out = self.ctx.module(add_noise(x, self.std))
        loss = self.head.loss(self.head_params, [out], x)
        self.update("model", loss)
        return {"loss": loss.detach()}

    @torch.no_grad()
    def evaluate(self, split, batch_size):
        x = split["x"]
        if len(x) == 0:
            return {}
        gen = torch.Generator(device=x.device).manual_seed(self.plan.seed + 5)
        module = self.ctx.compiled.module
        total = torch.zeros((), dtype=torch.float64, device=x.device)
        with in_eval_mode(module), self.autocast():
            for i in range(0, len(x), batch_size):
                xb = x[i:i + batch_size]
                out = module(add_noise(xb, self.std, gen)).float()
                total += (out - xb.float()).pow(2).mean().double() * len(xb)
        mse = total / len(x)
        return {"loss": float(mse), "psnr": float(psnr(mse))}
