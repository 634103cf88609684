"""`netcanvas train / evaluate / predict / datasets`: headless training and use of a project."""
from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from projects.dlproj import write_project
from projects.names import shown, shown_lines
from projects.saving import Fingerprint, ProjectSaveError, check_can_save, recovery_path
from projects.trust import trust_all

from .cli import CliError, open_project
from .cli_settings import add_setting_flags, setting_overrides
from .data import DatasetError, list_datasets
from .datasel import dataset_from_argument, with_test_file
from .events import JsonLogSink, RunControl
from .plan import PlanError, plan_run
from .progress import ProgressPrinter
from .reports import report_text
from .tasks import declarations
from .torchrun import launch
from .use import EvaluationError, evaluate_project, kept, predict_project, report_sections


def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    if name == "datasets":
        p.add_argument("--json", action="store_true", help="print JSON")
        return
    p.add_argument("file", help="a .dlproj project file")
    p.add_argument("--trust-file-paths", action="store_true",
                   help="follow the data paths outside the project's folder and the download servers that the "
                   "file's own settings name (refused otherwise: docs/file-safety.md)")
    if name == "train":
        p.add_argument("--data", help="a dataset name or a path (IDX folder, class folders, CSV, text file); "
                       "recorded with the run (not in the project's settings), so evaluate and predict use it too")
        p.add_argument("--test-data", help="CSV or time-series CSV: test on this file instead of a cut of --data's rows")
        p.add_argument("--limit", type=int, help="use at most this many training samples (quick runs)")
        p.add_argument("-o", "--output", help="write the trained project here instead of into FILE")
        p.add_argument("--log-json", help="also write every event as a JSON line to this file")
        p.add_argument("--tensorboard", metavar="DIR", help="also write the run's scalars as TensorBoard event "
                       "files into a new DIR/<project>-<date-time> folder (view with: tensorboard --logdir DIR)")
        p.add_argument("--nproc", type=int, default=1, help="processes (GPUs) on this machine, via torchrun")
        p.add_argument("--nnodes", default="1", help="machines (torchrun rendezvous), e.g. 2")
        p.add_argument("--node-rank", type=int, default=0, help="this machine's rank (multi-machine)")
        p.add_argument("--master-addr", default="127.0.0.1", help="rendezvous address (multi-machine)")
        p.add_argument("--master-port", type=int, default=29500, help="rendezvous port (multi-machine)")
        p.add_argument("--quiet", action="store_true", help="no progress output")

        add_setting_flags(p)  # --epochs, --lr, --optimizer, --patience, --threads...: one per training setting
    elif name == "evaluate":
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--data", help="evaluate on this dataset name or path instead of the one the weights were "
                       "trained on (the recorded split is kept when it is the same source)")
        p.add_argument("--split", choices=("test", "val"), default="test", help="which split (default: test)")
        p.add_argument("--best", action="store_true", help="use the best checkpoint instead of the last weights")
        add_task_options(p, "evaluate_options")
    elif name == "predict":
        p.add_argument("images", nargs="*", help="PNG or JPEG files (any size); none for a GAN or a VAE's samples")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--best", action="store_true", help="use the best checkpoint instead of the last weights")
        p.add_argument("-o", "--output", help="a model that makes pictures (GAN, VAE): the PNG to write (default: "
                       "FILE-samples.png)")
        add_task_options(p, "predict_options")


def add_task_options(p: argparse.ArgumentParser, which: str) -> None:
    """The options every task declares for this command, each once (a project whose task does not
    take one refuses it in one sentence)."""
    group = p.add_argument_group("options of some tasks (`netcanvas tasks` lists which)")
    seen: dict[str, list[str]] = {}
    options = {}
    for decl in declarations().values():
        for o in getattr(decl, which):
            seen.setdefault(o.name, []).append(decl.title)
            options.setdefault(o.name, o)
    for name, o in options.items():
        kind = {"int": int, "str": str}.get(o.kind, str)
        extra = {"choices": list(o.choices)} if o.kind == "choice" else {"type": kind}
        default = f" (default {o.default})" if o.default is not None else ""
        group.add_argument(f"--{name.replace('_', '-')}", dest=f"task_{name}", default=None,
                           help=f"{o.help}{default}; for {', '.join(seen[name])}", **extra)


def task_options(args) -> dict:
    """The task options given on the command line, by name (those not given are left out)."""
    return {k[5:]: v for k, v in vars(args).items() if k.startswith("task_") and v is not None}


def run(args) -> int:
    apply_trust(args)
    return {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict,
            "datasets": cmd_datasets}[args.command](args)


def apply_trust(args) -> None:
    """--trust-file-paths: the user vouches for the locations the project file names."""
    if getattr(args, "trust_file_paths", False):
        trust_all()


# ---- train -------------------------------------------------------------------------------------
def train_overrides(args, project) -> dict:
    """Command-line flags as training-setting overrides."""
    out = setting_overrides(args)
    dataset = dict(project.training.get("dataset") or {})
    if args.data:
        dataset = dataset_from_argument(args.data, dataset)
    if args.test_data:
        dataset = with_test_file(dataset, args.test_data)
    if args.limit:
        dataset["limit"] = args.limit
    dataset.update(out.pop("dataset", {}))  # --val-fraction, --normalize, --data-window... on the chosen source
    before = project.training.get("dataset") or {}
    if args.data:  # another source: the whole section (merge_settings replaces the project's)
        out["dataset"] = dataset
    elif dataset != before:  # the same source: only what the flags change, as the run record shows
        out["dataset"] = {k: v for k, v in dataset.items() if k not in before or before[k] != v}
    return out


def cmd_train(args) -> int:
    if args.nproc < 1:
        raise CliError(f"--nproc is {args.nproc} but must be at least 1; give the number of processes (GPUs) to use")
    if args.nproc > 1 or args.nnodes != "1":
        return launch(args)
    project = open_project(args.file)

    try:
        overrides = train_overrides(args, project)
    except DatasetError as e:
        raise CliError(str(e)) from None
    return train_and_save(project, overrides, args)


def _open_log(sink_type, path: str):
    try:
        return sink_type(path)
    except OSError as e:
        raise CliError(f"cannot write the JSON log {shown(path)} ({e.strerror or e}); "
                       "name a file in a folder that exists and that you can write to") from None


def _open_tensorboard(folder: str, name: str):
    from .tensorboard_sink import TensorBoardError, tensorboard_sink

    try:
        return tensorboard_sink(folder, name)
    except TensorBoardError as e:
        raise CliError(str(e)) from None


def train_and_save(project, overrides: dict, args, rank: int = 0, world: int = 1, wrap_module=None) -> int:
    from .trainer import Trainer, record_run

    out = Path(args.output or args.file)
    try:  # settings, task and dataset checked before anything starts: one sentence, no run
        plan = plan_run(project, overrides)
    except PlanError as e:
        raise CliError(str(e)) from None
    if rank == 0:
        try:  # before training: a run that cannot be saved is not started
            check_can_save(out)
        except ProjectSaveError as e:
            raise CliError(str(e)) from None
    on_disk = Fingerprint.of(out)
    control = RunControl()
    sinks = []
    if rank == 0 and not args.quiet:
        sinks.append(ProgressPrinter(sys.stderr, control=control))
    log = _open_log(JsonLogSink, args.log_json) if args.log_json and rank == 0 else None
    if log:
        sinks.append(log)
    board = _open_tensorboard(args.tensorboard, Path(args.file).stem) if args.tensorboard and rank == 0 else None
    if board:
        sinks.append(board)
    previous = _stop_on_ctrl_c(control)
    try:
        result = Trainer(project, overrides, sinks, control, rank=rank, world=world,
                         wrap_module=wrap_module, plan=plan).run()
    finally:
        _restore_signals(previous)
        for sink in (log, board):
            if sink:
                sink.close()
    if result.status == "failed" and not result.run.get("steps"):
        raise CliError(result.reason)
    if rank == 0:
        record_run(project, result)
        saved = save_run(project, out, on_disk)
        best = result.run.get("best") or {}
        note = f", best {best['monitor']} {best['value']:.4f} at epoch {best['epoch']}" if best else ""
        if result.status == "failed":
            raise CliError(f"{result.reason}; the run was saved to {saved}")
        print(f"{result.status}: {result.reason}{note}; saved to {saved}", file=sys.stderr)
    return 130 if getattr(control, "interrupted", False) else 0


def save_run(project, out: Path, on_disk) -> Path:
    """Save a finished run into ``out``; when that fails (disk full, permissions, the file changed
    meanwhile), into a recovery file whose name the message gives. Raises CliError only when
    even the recovery file cannot be written."""
    try:
        return write_project(project, out, expect=on_disk)
    except ProjectSaveError as e:
        first = str(e)
    rescue = recovery_path(out)
    try:
        write_project(project, rescue, backup=False)
    except ProjectSaveError as e:
        raise CliError(f"{first} The run could not be kept elsewhere either: {e}") from None
    print(f"warning: {first} The run was saved to {rescue} instead.", file=sys.stderr)
    return rescue


def _stop_on_ctrl_c(control):
    """First Ctrl+C (or a SIGTERM) stops cleanly after the current batch and saves; a second
    Ctrl+C aborts. Returns the previous handlers, for _restore_signals."""

    def handler(signum, frame):
        if control.stopping and signum == signal.SIGINT:
            raise KeyboardInterrupt
        control.interrupted = True
        control.stop()
        what = "Ctrl+C again to abort" if signum == signal.SIGINT else "terminated"
        print(f"\nstopping after this batch ({what})...", file=sys.stderr)

    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, handler)
        except ValueError:  # not the main thread
            previous[sig] = signal.getsignal(sig)
    return previous


def _restore_signals(previous: dict) -> None:
    for sig, handler in previous.items():
        try:
            signal.signal(sig, handler)
        except (ValueError, TypeError):
            pass


# ---- evaluate / predict / datasets --------------------------------------------------------------
def cmd_evaluate(args) -> int:
    project = open_project(args.file)
    options = task_options(args)
    scores = options.get("scores")
    if scores:
        options["scores"] = True

    def notify(text: str) -> None:
        if not args.json:
            print(text, file=sys.stderr)
    try:
        report = evaluate_project(project, split=args.split, data=args.data, best=args.best, notify=notify,
                                  **options)
    except EvaluationError as e:
        raise CliError(str(e)) from None
    if scores:
        _write_scores(Path(scores), (report.get("transient") or {}).get("anomaly_scores") or [])

    print(json.dumps(kept(report), indent=2) if args.json else shown_lines(report_text(report_sections(report))))
    return 0


def _write_scores(path: Path, scores: list[float]) -> None:
    try:
        path.write_text("index,anomaly_score\n" + "".join(f"{i},{s:.6g}\n" for i, s in enumerate(scores)),
                        encoding="utf-8")
    except OSError as e:
        raise CliError(f"could not write {path} ({e.strerror or e}); choose a folder you can write to") from None
    print(f"wrote {len(scores)} anomaly scores to {path}", file=sys.stderr)


def cmd_predict(args) -> int:
    project = open_project(args.file)
    output = args.output or str(Path(args.file).with_name(Path(args.file).stem + "-samples.png"))
    try:
        result = predict_project(project, args.images, best=args.best, output=output, **task_options(args))
    except EvaluationError as e:
        raise CliError(str(e)) from None
    if args.json:
        print(json.dumps(jsonable(result), indent=2))
        return 0
    for line in result["lines"]:
        print(shown(line))  # file and class names come from the file
    return 0


def jsonable(result: dict) -> Any:
    """A prediction without the pictures it carries for the editor."""
    if isinstance(result, dict):
        return {k: jsonable(v) for k, v in result.items() if k != "transient"}
    if isinstance(result, list):
        out = [jsonable(v) for v in result]
        return out
    return result


def cmd_datasets(args) -> int:
    infos = list_datasets()
    if args.json:
        print(json.dumps([{**vars(i), "input_shape": list(i.input_shape or ())} for i in infos], indent=2))
        return 0
    width = max(len(i.name) for i in infos)
    for i in infos:
        mark = "ready" if i.available else "-"
        print(f"{i.name:<{width}}  {mark:<5}  {i.title}" + (f"  ({i.note})" if i.note else ""))
    return 0
