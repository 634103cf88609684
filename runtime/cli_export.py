"""`netcanvas export FILE --format torchscript|onnx|pt|h5|python -o OUT`: a trained model in a
format other tools read (see docs/export.md)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli import CliError, open_project
from .export import FORMATS, SUFFIXES, ExportError, export_model, output_paths

_FORMAT_HELP = {
    "torchscript": "TorchScript (torch.jit.load, C++ libtorch)",
    "onnx": "ONNX with a dynamic batch axis (onnxruntime, other frameworks)",
    "pt": "state_dict of tensors saved with torch.save",
    "h5": "HDF5 weights, one dataset per tensor, a group per block (h5py)",
    "python": "readable PyTorch source (.py) plus its weights (.safetensors)",
}


def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a .dlproj project file")
    p.add_argument("-f", "--format", required=True, choices=FORMATS, metavar="FORMAT",
                   help="; ".join(f"{k}: {v}" for k, v in _FORMAT_HELP.items()))
    p.add_argument("-o", "--output", help="the file to write (default: FILE with the format's suffix: "
                   + ", ".join(SUFFIXES.values()) + ")")
    p.add_argument("--best", action="store_true", help="export the best checkpoint instead of the last weights")
    p.add_argument("--part", help="export one part alone: generator or discriminator (GAN), encoder or decoder "
                   "(VAE); default: the whole model")
    p.add_argument("--allow-untrained", action="store_true",
                   help="export freshly initialised weights when the project was never trained")
    p.add_argument("--force", action="store_true", help="overwrite existing files")


def run(args) -> int:
    project = open_project(args.file)
    out = Path(args.output) if args.output else Path(args.file).with_suffix(SUFFIXES[args.format])
    targets = output_paths(out, args.format)
    existing = [t for t in targets if t.exists()]
    if existing and not args.force:
        raise CliError(f"{existing[0]} already exists; choose another name or pass --force")
    if args.best and not project.checkpoint and project.weights:
        print("note: the project has no best checkpoint; exporting the last weights", file=sys.stderr)
    if not project.weights and not (args.best and project.checkpoint) and args.allow_untrained:
        print("warning: the project was never trained; exporting freshly initialised weights", file=sys.stderr)
    try:
        written = export_model(project, args.format, out, best=args.best, allow_untrained=args.allow_untrained,
                               part=args.part)
    except ExportError as e:
        raise CliError(str(e)) from None
    for path in written:
        print(f"wrote {path} ({_size(path.stat().st_size)})")
    return 0


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover
