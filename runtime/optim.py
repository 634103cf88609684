"""Optimizers, learning-rate schedules and gradient clipping from a project's training settings."""
from __future__ import annotations

import math
import warnings

import torch


def make_optimizer(params, o) -> torch.optim.Optimizer:
    """SGD (momentum, Nesterov), Adam, AdamW or RMSprop with weight decay, as ``o`` (a plan's
    OptimizerPlan: the model's, or a GAN discriminator's) says.

    SGD, Adam and AdamW use torch's fused kernels where the parameters allow it: they take a
    device-side ``found_inf`` flag, so a step whose gradients are not finite is skipped on the
    device without a host sync (``skips_non_finite``; see ``guard_non_finite``)."""
    betas = (o.beta1, o.beta2)
    name, lr, wd = o.name, o.lr, o.weight_decay
    params = [p for p in params if p.requires_grad]
    fused = {"fused": True} if name in ("sgd", "adam", "adamw") and _can_fuse(params) else {}
    if name == "sgd":
        momentum = o.momentum
        opt = torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=bool(o.nesterov) and momentum > 0,
                              weight_decay=wd, **fused)
    elif name == "adam":
        opt = torch.optim.Adam(params, lr=lr, betas=betas, weight_decay=wd, **fused)
    elif name == "adamw":
        opt = torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=wd, **fused)
    elif name == "rmsprop":
        opt = torch.optim.RMSprop(params, lr=lr, momentum=o.momentum, weight_decay=wd)
    else:
        raise ValueError(f"unknown optimizer '{name}': use sgd, adam, adamw or rmsprop")
    opt.skips_non_finite = bool(fused)
    return opt


def _can_fuse(params) -> bool:
    """Fused kernels need floating-point parameters on one CPU or CUDA device."""
    devices = {p.device for p in params}
    return (len(devices) == 1 and next(iter(devices)).type in ("cpu", "cuda")
            and all(p.is_floating_point() for p in params))


def guard_non_finite(opt: torch.optim.Optimizer, params, found: torch.Tensor) -> bool:
    """Whether ``opt.step()`` may run: ``found`` (a 0-d float on the parameters' device) is set to 1
    when a gradient is NaN or infinite, and the step changes nothing, so the weights stay those of
    the last finite step. On a GPU the flag goes to the fused optimizer, which skips the update on
    the device without a host sync (always True here); on the CPU, where reading it costs nothing,
    it is read here and the step skipped on the host, which is cheaper than the fused kernel's own
    skip (that one undoes its step count with a further kernel per parameter)."""
    grads = [p.grad for p in params if p.grad is not None]
    found.zero_()
    if grads:
        one = _ONE.get(found.device)
        if one is None:  # not ``or``: the truth of a tensor would be a host sync at every step
            one = _ONE[found.device] = torch.ones((), device=found.device)
        torch._amp_foreach_non_finite_check_and_unscale_(grads, found, one)
    if found.device.type == "cpu":
        opt.found_inf = opt.grad_scale = None
        return not found.item()
    opt.found_inf, opt.grad_scale = found, None
    return True


_ONE: dict = {}  # per device: the 1.0 the check multiplies the gradients by (no unscaling here)


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """The learning-rate factor at ``step`` of ``total``: rising linearly over the first ``warmup``
    steps (never quite zero, so the first step learns), then a cosine from 1 down to 0."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    done = min(1.0, (step - warmup) / max(1, total - warmup))
    return 0.5 * (1.0 + math.cos(math.pi * done))


def warmup_stable_decay(step: int, warmup: int, decay: int, total: int) -> float:
    """The learning-rate factor at ``step`` of ``total``: rising linearly over ``warmup`` steps, then
    1 (the rate the user set), then falling linearly to 0 over the last ``decay`` steps."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    start = total - decay
    if step < start:
        return 1.0
    return max(0.0, 1.0 - (step - start) / decay)  # the last step still learns a little: 1/decay


class Schedule:
    """Wraps a torch LR scheduler and knows whether it advances per step or per epoch. Each
    optimizer of a run gets its own, scaled to its own learning rate. The warm-up schedules are a
    factor of the step set straight into the optimizer (a torch scheduler's step costs tens of
    microseconds, a few percent of a small model's step)."""

    def __init__(self, optimizer, s, epochs: int, steps_per_epoch: int):
        name = s.name  # a plan's SchedulePlan: "auto" was resolved by the plan, which knows the task
        self.per_step = name in ("cosine", "onecycle", "wsd")
        self.scheduler = None
        self.factor = None  # step -> factor of each group's base rate (the warm-up schedules)
        total = max(2, epochs * steps_per_epoch)
        warmup = min(total - 1, round(s.warmup_epochs * steps_per_epoch))
        if name == "step":
            self.scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=s.step_size, gamma=s.gamma)
        elif name == "cosine" and warmup > 0:
            self.factor = lambda t: warmup_cosine(t, warmup, total)
        elif name == "wsd":
            decay = max(1, round(s.decay_fraction * total))
            self.factor = lambda t: warmup_stable_decay(t, warmup, decay, total)
        elif name == "cosine":
            self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs * steps_per_epoch))
        elif name == "onecycle":
            self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=optimizer.param_groups[0]["lr"], total_steps=total)
        self.optimizer = optimizer
        self.step = 0
        self.base = [group["lr"] for group in optimizer.param_groups]
        if self.factor is not None:
            self._set(self.factor(0))

    def _set(self, factor: float) -> None:
        for group, base in zip(self.optimizer.param_groups, self.base):
            group["lr"] = base * factor

    def after_step(self) -> None:
        if self.factor is not None:
            self.step += 1
            self._set(self.factor(self.step))
        elif self.scheduler is not None and self.per_step and self.scheduler.last_epoch + 1 < self._total():
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


def clip_gradients(params, clip) -> None:
    """Clip by norm or by value as the plan's ClipPlan says (its "auto" mode was resolved by the
    plan, which knows the graph)."""
    if clip.mode == "norm":
        torch.nn.utils.clip_grad_norm_(params, clip.value, foreach=True)
    elif clip.mode == "value":
        torch.nn.utils.clip_grad_value_(params, clip.value, foreach=True)
