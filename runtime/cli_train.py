"""`netcanvas train / evaluate / predict / datasets`: headless training and use of a project."""
from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from projects.names import shown

from .cli import CliError, open_project


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
                       "recorded in the saved project, so evaluate and predict use it too")
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
        from .cli_settings import add_setting_flags

        add_setting_flags(p)  # --epochs, --lr, --optimizer, --patience, --threads...: one per training setting
    elif name == "evaluate":
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--data", help="evaluate on this dataset name or path instead of the recorded one "
                       "(the recorded split is kept when it is the same source)")
        p.add_argument("--test-data", help="CSV or time-series CSV: evaluate on this test file")
        p.add_argument("--split", choices=("test", "val"), default="test", help="which split (default: test)")
        p.add_argument("--best", action="store_true", help="use the best checkpoint instead of the last weights")
        p.add_argument("--samples", type=int, help="GAN: generated images for the Frechet distance (default: as "
                       "many as test images)")
        p.add_argument("--scores", help="VAE: write every test image's anomaly score to this CSV file")
    elif name == "predict":
        p.add_argument("images", nargs="*", help="PNG or JPEG files (any size); none for a GAN or a VAE's samples")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--best", action="store_true", help="use the best checkpoint instead of the last weights")
        p.add_argument("--polarity", choices=("auto", "invert", "keep"), default="auto",
                       help="classifier on light-on-dark grayscale images (Fashion-MNIST, MNIST): invert a photo "
                       "with a light background (auto, the default), always (invert) or never (keep)")
        p.add_argument("-o", "--output", help="GAN/VAE: the PNG to write (default: FILE-samples.png)")
        p.add_argument("--samples", type=int, default=64, help="GAN/VAE: how many samples in the grid (default 64)")
        p.add_argument("--label", type=int, help="conditional GAN: the class id to generate")
        p.add_argument("--seed", type=int, default=0, help="GAN/VAE: random seed of the samples")


def run(args) -> int:
    apply_trust(args)
    return {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict,
            "datasets": cmd_datasets}[args.command](args)


def apply_trust(args) -> None:
    """--trust-file-paths: the user vouches for the locations the project file names."""
    if getattr(args, "trust_file_paths", False):
        from projects.trust import trust_all

        trust_all()


# ---- train -------------------------------------------------------------------------------------
def train_overrides(args, project) -> dict:
    """Command-line flags as training-setting overrides."""
    from .cli_settings import setting_overrides
    from .datasel import dataset_from_argument, with_test_file

    out = setting_overrides(args)
    dataset = dict(project.training.get("dataset") or {})
    if args.data:
        dataset = dataset_from_argument(args.data, dataset)
    if args.test_data:
        dataset = with_test_file(dataset, args.test_data)
    if args.limit:
        dataset["limit"] = args.limit
    dataset.update(out.pop("dataset", {}))  # --val-fraction, --normalize... on the chosen source
    if dataset != project.training.get("dataset"):
        out["dataset"] = dataset
    return out


def cmd_train(args) -> int:
    if args.nproc < 1:
        raise CliError(f"--nproc is {args.nproc} but must be at least 1; give the number of processes (GPUs) to use")
    if args.nproc > 1 or args.nnodes != "1":
        from .ddp import launch

        return launch(args)
    project = open_project(args.file)
    from .data import DatasetError

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
    from projects.saving import Fingerprint, ProjectSaveError, check_can_save

    from .events import JsonLogSink, RunControl
    from .progress import ProgressPrinter
    from .trainer import Trainer, record_run

    out = Path(args.output or args.file)
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
                         wrap_module=wrap_module).run()
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
    from projects.dlproj import write_project
    from projects.saving import ProjectSaveError, recovery_path

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
    from .evaluate import EvaluationError, evaluate_project

    from .evaluate import project_task

    project = open_project(args.file)
    options = {}
    try:
        task = project_task(project)
        if args.samples is not None:
            if task != "gan":
                raise CliError("--samples applies to GAN projects only; drop it for this project")
            options["samples"] = args.samples
        if args.scores:
            if task != "vae":
                raise CliError("--scores applies to VAE projects only; drop it for this project")
            options["scores"] = True
        if task == "gan" and not args.json and _image_dataset(project, args.data):
            print("measuring the Frechet distance (its feature classifier is trained on the first use of a dataset, "
                  "then cached)...", file=sys.stderr)
        if args.test_data:
            if task in ("gan", "vae"):
                raise CliError("--test-data applies to classifiers and regressors on CSV data; drop it for a "
                               "GAN or VAE project")
            options["test_data"] = args.test_data
        report = evaluate_project(project, split=args.split, data=args.data, best=args.best, **options)
    except EvaluationError as e:
        raise CliError(str(e)) from None
    if args.scores:
        _write_scores(Path(args.scores), report.pop("anomaly_scores"))
    from projects.names import shown_lines  # class and block names may come from the file

    print(json.dumps(report, indent=2) if args.json else shown_lines(report_text(report)))
    return 0


def _image_dataset(project, data: str | None) -> bool:
    from .data.catalog import SOURCES

    name = data or (project.training.get("dataset") or {}).get("name")
    source = SOURCES.get(name)
    return source is None or len(source.input_shape) == 3


def _write_scores(path: Path, scores: list[float]) -> None:
    try:
        path.write_text("index,anomaly_score\n" + "".join(f"{i},{s:.6g}\n" for i, s in enumerate(scores)),
                        encoding="utf-8")
    except OSError as e:
        raise CliError(f"could not write {path} ({e.strerror or e}); choose a folder you can write to") from None
    print(f"wrote {len(scores)} anomaly scores to {path}", file=sys.stderr)


def report_text(report: dict) -> str:
    if report.get("task") in ("gan", "vae"):
        return generative_text(report)
    lines = [f"{report['split']} set: {report['samples']} samples of '{report['dataset']}'",
             f"loss {report['loss']:.4f}"]
    if "accuracy" in report:
        lines[-1] += f"   accuracy {report['accuracy']:.2%}   top-3 {report.get('top3_accuracy', 0):.2%}"
        classes = report["classes"]
        width = max(len(c) for c in classes)
        lines.append("")
        lines.append(f"{'class':<{width}}  precision  recall     f1  support")
        for c, row in zip(classes, report["per_class"]):
            lines.append(f"{c:<{width}}  {row['precision']:9.3f}  {row['recall']:6.3f}  {row['f1']:5.3f}  "
                         f"{row['support']:7d}")
        lines.append(f"{'macro avg':<{width}}  {report['macro']['precision']:9.3f}  {report['macro']['recall']:6.3f}"
                     f"  {report['macro']['f1']:5.3f}")
        lines.append("")
        lines.append("confusion matrix (rows: true class, columns: predicted)")
        cells = max(len(str(v)) for row in report["confusion_matrix"] for v in row)
        for c, row in zip(classes, report["confusion_matrix"]):
            lines.append(f"{c:<{width}}  " + " ".join(f"{v:>{cells}}" for v in row))
    else:
        lines[-1] += "   " + "   ".join(f"{k} {report[k]:.4f}" for k in ("mae", "mse", "r2") if k in report)
        if "sign_accuracy" in report:
            lines[-1] += f"   sign accuracy {report['sign_accuracy']:.2%}"
        from .forecast import baselines_text

        lines += baselines_text(report)
    return "\n".join(lines)


def generative_text(r: dict) -> str:
    lines = [f"{r['split']} set: {r['samples']} samples of '{r['dataset']}'"]
    if r["task"] == "gan":
        lines.append(f"D loss {r['d_loss']:.4f}   G loss {r['g_loss']:.4f}   D(x) {r['d_real']:.3f}   "
                     f"D(G(z)) {r['d_fake']:.3f}")
        if "frechet_distance" in r:
            acc = r["feature_classifier"].get("test_accuracy")
            lines.append(f"Frechet distance {r['frechet_distance']:.3f} between {r['samples']} test and "
                         f"{r['generated']} generated images (features of a classifier trained on "
                         f"'{r['dataset']}'{f', test accuracy {acc:.1%}' if acc is not None else ''}; "
                         "not Inception's FID)")
        if "class_agreement" in r:
            lines.append(f"class agreement {r['class_agreement']:.1%} (generated images the classifier puts in "
                         "the class asked for)")
        if "modes_covered" in r:
            lines.append(f"modes covered {r['modes_covered']}/{r['modes']}, high-quality samples "
                         f"{r['high_quality']:.1%} (within 3 standard deviations of a mode)")
        return "\n".join(lines)
    lines.append(f"negative ELBO per image {r['neg_elbo']:.3f} = reconstruction {r['recon']:.3f} + KL {r['kl']:.3f}"
                 + (f"   (trained loss with beta {r['beta']:g}: {r['loss']:.3f})" if r["beta"] != 1 else ""))
    a = r["anomaly"]
    lines.append(f"anomaly score (reconstruction error): mean {a['mean']:.2f}, median {a['median']:.2f}, "
                 f"95th percentile {a['p95']:.2f}, max {a['max']:.2f}")
    unusual = ", ".join(f"#{u['index']}" + (f" ({u['class']})" if u["class"] else "") + f" {u['score']:.1f}"
                        for u in a["most_unusual"][:5])
    lines.append(f"most unusual: {unusual}")
    return "\n".join(lines)


def cmd_predict(args) -> int:
    from .evaluate import EvaluationError, predict_images, project_task

    project = open_project(args.file)
    try:
        if project_task(project) in ("gan", "vae"):
            return _predict_generative(project, args)
        if not args.images:
            raise CliError("no image files were given; name one or more image files after the project to predict their classes")
        results = predict_images(project, args.images, best=args.best, polarity=args.polarity)
    except EvaluationError as e:
        raise CliError(str(e)) from None
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for r in results:
        top = ", ".join(f"{t['class']} {t['probability']:.1%}" for t in r["top3"])
        print(shown(f"{r['file']}: {r['class']} ({r['probability']:.1%})   top-3: {top}"))  # names from the file
        if r.get("note"):
            print(f"  note: {r['note']}")
    return 0


def _predict_generative(project, args) -> int:
    from .evaluate_generative import predict_generative

    out = args.output or str(Path(args.file).with_name(Path(args.file).stem + "-samples.png"))
    result = predict_generative(project, args.images, out, args.samples, args.label, args.seed, args.best)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for r in result.get("images", []):
        print(f"{r['file']}: anomaly score {r['anomaly_score']:.2f} (reconstruction error)")
    print(f"wrote {result['file']}")
    return 0


def cmd_datasets(args) -> int:
    from .data import list_datasets

    infos = list_datasets()
    if args.json:
        print(json.dumps([{**vars(i), "input_shape": list(i.input_shape or ())} for i in infos], indent=2))
        return 0
    width = max(len(i.name) for i in infos)
    for i in infos:
        mark = "ready" if i.available else "-"
        print(f"{i.name:<{width}}  {mark:<5}  {i.title}" + (f"  ({i.note})" if i.note else ""))
    return 0
