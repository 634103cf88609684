"""What the trainer keeps while it runs: weight copies (last finite, best), feature-map
snapshots of chosen blocks for a fixed sample (with the attention maps of watched attention
blocks) and per-block gradient norms, at bounded rates."""
from __future__ import annotations

import time

import torch

from .compiler import CompiledModel


class WeightKeeper:
    """Copies of the model's state kept on the device with preallocated buffers (no allocation
    per copy): ``keep`` after every verified-finite read, ``keep_best`` when the monitor improves."""

    def __init__(self, module: torch.nn.Module):
        self.module = module
        self.state = module.state_dict()
        self.keys = [k for k, v in self.state.items() if isinstance(v, torch.Tensor)]
        self.last = [self.state[k].detach().clone() for k in self.keys]
        self.best: list[torch.Tensor] | None = None

    def _live(self) -> list[torch.Tensor]:
        return [self.state[k] for k in self.keys]

    @torch.no_grad()
    def keep(self) -> None:
        torch._foreach_copy_(self.last, self._live())

    @torch.no_grad()
    def restore(self, buffers_only: bool = False) -> None:
        """Put the last kept copy back (``buffers_only``: the running statistics, not the weights)."""
        if not buffers_only:
            torch._foreach_copy_(self._live(), self.last)
            return
        params = {name for name, _ in self.module.named_parameters()}
        pairs = [(self.state[k], v) for k, v in zip(self.keys, self.last) if k not in params]
        if pairs:
            torch._foreach_copy_([a for a, _ in pairs], [b for _, b in pairs])

    @torch.no_grad()
    def keep_best(self) -> None:
        if self.best is None:
            self.best = [t.detach().clone() for t in self._live()]
        else:
            torch._foreach_copy_(self.best, self._live())

    @torch.no_grad()
    def restore_best(self) -> None:
        if self.best is not None:
            torch._foreach_copy_(self._live(), self.best)

    def best_bytes(self) -> bytes | None:
        if self.best is None:
            return None
        from safetensors.torch import save

        return save({k: v.detach().contiguous().cpu() for k, v in zip(self.keys, self.best)})


class FeatureSnapshots:
    """Activations of chosen blocks for one fixed sample, at most ``max_per_s`` times a second."""

    def __init__(self, compiled: CompiledModel, inputs: list[torch.Tensor], max_per_s: float = 4.0,
                 max_maps: int = 64):
        """``inputs``: one sample for each of the model's inputs (on its device), in input order."""
        self.compiled = compiled
        self.inputs = list(inputs)
        self.min_interval = 1.0 / max_per_s
        self.max_maps = max_maps
        self.last = 0.0

    @torch.no_grad()
    def take(self, node_ids, force: bool = False) -> dict[str, "object"] | None:
        """{node id: float16 numpy array (maps, H, W) or (features,)} or None when rate-limited."""
        now = time.perf_counter()
        if not force and now - self.last < self.min_interval:
            return None
        self.last = now
        module = self.compiled.module
        grabbed: dict[str, torch.Tensor] = {}
        hooks = []
        for nid in node_ids:
            if nid in self.compiled.module_names and nid not in self.compiled.input_ids:
                sub = self.compiled.submodule(nid)
                hooks.append(sub.register_forward_hook(_grab(grabbed, nid)))
        was_training = module.training
        module.train(False)  # inference mode (dropout off, batch-norm statistics frozen)
        try:
            module(*self.inputs)
        finally:
            module.train(was_training)
            for h in hooks:
                h.remove()
        for nid in node_ids:  # inputs: the sample itself
            if nid in self.compiled.input_ids:
                grabbed[nid] = self.inputs[self.compiled.input_ids.index(nid)]
        return {nid: self._trim(t[0]).float().cpu().numpy().astype("float16") for nid, t in grabbed.items()}

    def weights(self, node_ids) -> dict[str, dict]:
        """:func:`weight_summary` of each chosen block now (its filters and histogram, live)."""
        found = {nid: weight_summary(self.compiled, nid) for nid in node_ids}
        return {nid: w for nid, w in found.items() if w is not None}

    def _trim(self, t: torch.Tensor) -> torch.Tensor:
        """At most ``max_maps`` feature maps of an image-like activation; a sequence (T, F) as one
        steps x features map (up to 1024 of each); vectors up to 4096 values."""
        if t.dim() == 2:
            return t[:1024, :1024]
        return t[: self.max_maps] if t.dim() > 2 else t[:4096]


class AttentionSnapshots:
    """The attention weights of the watched attention blocks for the feature snapshots' sample,
    recorded during the same forward (so at the same bounded rate), as ``attention`` records."""

    def __init__(self, compiled: CompiledModel, facts: dict):
        """``facts``: :func:`runtime.attention.sample_facts` of the sample (tokens, label)."""
        from .attention import recording_ids

        self.compiled, self.facts = compiled, facts
        self.ids = recording_ids(compiled)

    def watched(self, node_ids) -> list[str]:
        return [nid for nid in self.ids if nid in node_ids]

    def recording(self, node_ids):
        """Context manager: ``node_ids``' modules keep their weights during the forward inside."""
        from .attention import recording

        return recording(self.compiled, node_ids)

    def read(self, node_ids) -> dict | None:
        """The fields of an ``attention`` record (blocks, weights (heads, T, T), tokens, label, length),
        or None when nothing was recorded (the snapshot was rate-limited)."""
        from .attention import map_fields, read_weights

        weights = read_weights(self.compiled, node_ids)
        return map_fields(self.compiled, weights, self.facts) if weights else None


class GradientNorms:
    """The L2 norm of each block's parameter gradients after the last update (all of a block's
    parameters together), at most ``max_per_s`` times a second: one fused norm and one read.

    Shrinking norms from the head towards the input are the picture of vanishing gradients. The
    norms are those the optimizer used, so after any gradient clipping."""

    def __init__(self, compiled: CompiledModel, max_per_s: float = 2.0):
        self.groups: list[tuple[str, list[torch.nn.Parameter]]] = []
        for nid, name in compiled.module_names.items():
            if nid in compiled.input_ids:
                continue
            params = [p for p in compiled.module.get_submodule(name).parameters() if p.requires_grad]
            if params:
                self.groups.append((nid, params))
        self.min_interval = 1.0 / max_per_s
        self.last = 0.0

    @torch.no_grad()
    def take(self) -> dict[str, float] | None:
        """{node id: gradient norm} in forward order, or None when rate-limited or no gradients yet."""
        now = time.perf_counter()
        if not self.groups or now - self.last < self.min_interval:
            return None
        self.last = now
        grads, owners = [], []
        for nid, params in self.groups:
            for p in params:
                if p.grad is not None:
                    grads.append(p.grad.detach())
                    owners.append(nid)
        if not grads:
            return None
        squares = torch.stack(torch._foreach_norm(grads)).float().square().cpu().tolist()  # one read
        totals: dict[str, float] = {}
        for nid, sq in zip(owners, squares):
            totals[nid] = totals.get(nid, 0.0) + sq
        return {nid: totals[nid] ** 0.5 for nid, _ in self.groups if nid in totals}


@torch.no_grad()
def weight_summary(compiled: CompiledModel, nid: str, bins: int = 40) -> dict | None:
    """A block's main weight (``weight``, else its first parameter of 2 or more dimensions) for the
    learned-filters and histogram views: {"shape", "kernels" (a convolution's first 64 x 16
    kernels, float32 numpy, else None), "counts", "edges" (a histogram of all its values, made on
    the device)}; None for a block without weights."""
    if nid not in compiled.module_names or nid in compiled.input_ids:
        return None
    sub = compiled.submodule(nid)
    w = getattr(sub, "weight", None)
    if not isinstance(w, torch.Tensor):
        w = next((p for p in sub.parameters() if p.dim() >= 2), None)
    if w is None or w.numel() == 0:
        return None
    w = w.detach().float()
    lo, hi = torch.stack(torch.aminmax(w)).tolist()  # one read
    hi = hi if hi > lo else lo + 1e-6
    return {"shape": tuple(w.shape), "kernels": w[:64, :16].cpu().numpy() if w.dim() == 4 else None,
            "counts": torch.histc(w, bins, lo, hi).cpu().numpy(), "edges": torch.linspace(lo, hi, bins + 1).numpy()}


def _grab(store: dict, nid: str):
    def hook(_module, _inputs, output):
        store[nid] = output[0] if isinstance(output, tuple) else output

    return hook
