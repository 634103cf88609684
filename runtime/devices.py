"""Device and number-format choice: CUDA, then Apple MPS, then CPU; bf16/fp16 autocast on GPUs."""
from __future__ import annotations

import torch


class DeviceError(Exception):
    """A requested device that this machine does not have; one sentence with the fix."""


def pick_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA, then MPS, then CPU; an explicit name must exist here."""
    name = (name or "auto").lower()
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps and mps.is_available())
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if has_mps else torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("CUDA was asked for but this machine has no usable NVIDIA GPU: use --device cpu or auto")
    if name == "mps" and not has_mps:
        raise DeviceError("Apple MPS was asked for but is not available here: use --device cpu or auto")
    try:
        return torch.device(name)
    except RuntimeError:
        raise DeviceError(f"unknown device '{name}': use auto, cpu, cuda or mps") from None


def device_label(device: torch.device) -> str:
    """What the user sees: "CPU (2 threads)", "CUDA: NVIDIA H100 80GB HBM3", "Apple MPS"."""
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "Apple MPS"
    return f"CPU ({torch.get_num_threads()} threads)"


def autocast_dtype(device: torch.device, precision: str) -> torch.dtype | None:
    """The autocast dtype for ``precision`` (auto: bf16 on GPUs that support it, else fp16; fp32 on CPU)."""
    if precision == "fp32" or (precision == "auto" and device.type == "cpu"):
        return None
    if precision == "bf16":
        return torch.bfloat16
    if precision == "fp16":
        return torch.float16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float16 if device.type == "mps" else None


def is_out_of_memory(exc: BaseException) -> bool:
    oom = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", ())
    return isinstance(exc, oom) or "out of memory" in str(exc).lower()


def free_memory(device: torch.device) -> None:
    import gc

    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()
