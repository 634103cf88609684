"""`netcanvas train FILE --nproc N`: run the same training on N processes (GPUs) through torchrun,
which starts ``python -m runtime.ddp`` (ddp.py) once per rank with the same file and flags, so
that every rank makes the same run plan."""
from __future__ import annotations

import os
import subprocess
import sys

from .cli import CliError
from .cli_settings import forwarded

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
    cmd += forwarded(args)
    if args.quiet:
        cmd.append("--quiet")
    if getattr(args, "trust_file_paths", False):
        cmd.append("--trust-file-paths")
    return cmd


def launch(args) -> int:
    """Run torchrun; its exit status."""
    if args.nproc < 1:
        raise CliError("--nproc must be at least 1; give the number of processes (GPUs) to use")
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    try:
        return subprocess.call(torchrun_command(args), env=env)
    except KeyboardInterrupt:
        return 130
