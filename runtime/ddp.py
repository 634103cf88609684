"""Several processes (GPUs, or machines) through torch.distributed's launcher (torchrun).

`netcanvas train FILE --nproc N` re-runs itself as ``python -m torch.distributed.run ...
-m runtime.ddp FILE ...``; every rank trains its slice of each global batch inside
DistributedDataParallel (gradients averaged, so the update equals one process with the same
global batch), and rank 0 writes the project. NCCL on CUDA, gloo on CPU.
"""
from __future__ import annotations

import os
import subprocess
import sys

FORWARDED = ("data", "test_data", "limit", "output", "log_json", "tensorboard")  # and every setting flag


def torchrun_command(args) -> list[str]:
    """The torchrun command line that runs this training on ``args.nproc`` local processes."""
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={args.nproc}",
           f"--nnodes={args.nnodes}", f"--node_rank={args.node_rank}", f"--master_addr={args.master_addr}",
           f"--master_port={args.master_port}", "-m", "runtime.ddp", args.file]
    for name in FORWARDED:
        value = getattr(args, name, None)
        if value is not None:
            cmd += [f"--{name.replace('_', '-')}", str(value)]
    from .cli_settings import forwarded

    cmd += forwarded(args)
    if args.quiet:
        cmd.append("--quiet")
    if getattr(args, "trust_file_paths", False):
        cmd.append("--trust-file-paths")
    return cmd


def launch(args) -> int:
    from .cli import CliError

    if args.nproc < 1:
        raise CliError("--nproc must be at least 1; give the number of processes (GPUs) to use")
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    try:
        return subprocess.call(torchrun_command(args), env=env)
    except KeyboardInterrupt:
        return 130


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
