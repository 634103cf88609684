"""Optimizers, learning-rate schedules and gradient clipping from a project's training settings."""
from __future__ import annotations

import warnings

import torch


def make_optimizer(params, settings: dict, section: str = "optimizer") -> torch.optim.Optimizer:
    """SGD (momentum, Nesterov), Adam, AdamW or RMSprop with weight decay, from the training
    settings' ``section`` (``optimizer``; a GAN's discriminator: ``d_optimizer``)."""
    o = settings[section]
    betas = (o.get("beta1", 0.9), o.get("beta2", 0.999))
    name, lr, wd = o["name"], o["lr"], o["weight_decay"]
    params = [p for p in params if p.requires_grad]
    if name == "sgd":
        momentum = o["momentum"]
        return torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=bool(o["nesterov"]) and momentum > 0,
                               weight_decay=wd)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, weight_decay=wd)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=o["momentum"], weight_decay=wd)
    raise ValueError(f"unknown optimizer '{name}': use sgd, adam, adamw or rmsprop")


class Schedule:
    """Wraps a torch LR scheduler and knows whether it advances per step or per epoch. Each
    optimizer of a run gets its own, scaled to its own learning rate."""

    def __init__(self, optimizer, settings: dict, steps_per_epoch: int):
        s, epochs = settings["schedule"], settings["epochs"]
        name = s["name"]
        self.per_step = name in ("cosine", "onecycle")
        self.scheduler = None
        if name == "step":
            self.scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=s["step_size"], gamma=s["gamma"])
        elif name == "cosine":
            self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs * steps_per_epoch))
        elif name == "onecycle":
            self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=optimizer.param_groups[0]["lr"], total_steps=max(2, epochs * steps_per_epoch))
        self.optimizer = optimizer

    def after_step(self) -> None:
        if self.scheduler is not None and self.per_step and self.scheduler.last_epoch + 1 < self._total():
            with warnings.catch_warnings():  # a GAN's generator may skip the first steps (k D steps per G step)
                warnings.filterwarnings("ignore", "Detected call of `lr_scheduler.step()` before")
                self.scheduler.step()

    def after_epoch(self) -> None:
        if self.scheduler is not None and not self.per_step:
            self.scheduler.step()

    def _total(self) -> int:
        return getattr(self.scheduler, "total_steps", None) or 1 << 62

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])


def clip_gradients(params, settings: dict) -> None:
    clip = settings["clip"]
    if clip["mode"] == "norm":
        torch.nn.utils.clip_grad_norm_(params, clip["value"], foreach=True)
    elif clip["mode"] == "value":
        torch.nn.utils.clip_grad_value_(params, clip["value"], foreach=True)
