"""One rank of a training on several processes (GPUs, or machines), started by torch.distributed's
launcher (torchrun: runtime/torchrun.py). `netcanvas train FILE --nproc N` re-runs itself as
``python -m torch.distributed.run ... -m runtime.ddp FILE ...``; every rank trains its slice of each global batch inside
DistributedDataParallel (gradients averaged, so the update equals one process with the same
global batch), and rank 0 writes the project. NCCL on CUDA, gloo on CPU.
"""
from __future__ import annotations

import os
import sys

def worker(argv: list[str]) -> int:
    """One rank: join the process group, train its shard, rank 0 saves."""
    import argparse

    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from .cli import CliError, open_project
    from .cli_train import add_arguments, apply_trust, train_and_save, train_overrides

    parser = argparse.ArgumentParser(prog="netcanvas train (rank)")
    add_arguments("train", parser)
    args = parser.parse_args(argv)
    apply_trust(args)
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", 0))
    use_cuda = torch.cuda.is_available() and args.set_device in (None, "auto", "cuda")
    if use_cuda:
        torch.cuda.set_device(local)
    dist.init_process_group("nccl" if use_cuda else "gloo")
    try:
        project = open_project(args.file)
        overrides = train_overrides(args, project)
        overrides["device"] = "cuda" if use_cuda else "cpu"

        def wrap(module):
            return DistributedDataParallel(module, device_ids=[local] if use_cuda else None)

        return train_and_save(project, overrides, args, rank=rank, world=world, wrap_module=wrap)
    except CliError as e:
        if rank == 0:
            print(f"netcanvas train: {e}", file=sys.stderr)
        return 2
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(worker(sys.argv[1:]))
