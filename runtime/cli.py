"""The `netcanvas` command line: summary, examples, new, datasets, train, evaluate, predict, export.

Each subcommand lives in a small module and is imported only when used, so that
`netcanvas summary` never imports torch. Failures print one clear line and exit non-zero.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

# subcommand -> (module, one-line help); each module has add_arguments(parser) and run(args) -> int
COMMANDS = {
    "summary": ("runtime.cli", "Per-block output shape, parameters, connections and MACs, with totals"),
    "examples": ("runtime.cli", "List the bundled example projects"),
    "new": ("runtime.cli", "Create a project file from an example"),
    "datasets": ("runtime.cli_train", "List the datasets NetCanvas can train on"),
    "train": ("runtime.cli_train", "Train a project headless and save weights and history into it"),
    "evaluate": ("runtime.cli_train", "Test-set metrics and confusion matrix of a trained project"),
    "predict": ("runtime.cli_train", "Predict the class of local image files"),
    "export": ("runtime.cli_export", "Export a trained model (TorchScript, ONNX, state_dict, HDF5, Python)"),
}


class CliError(Exception):
    """A failure reported as one line on stderr with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netcanvas", description="Build, train and understand neural networks.")
    parser.add_argument("--version", action="version", version="netcanvas 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        _module(module).add_arguments(name, p)
    return parser


def _module(name: str):
    return sys.modules[__name__] if name == __name__ else importlib.import_module(name)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:  # build only the subparser needed: keeps start-up light
        parser = argparse.ArgumentParser(prog=f"netcanvas {argv[0]}", description=COMMANDS[argv[0]][1])
        module = _module(COMMANDS[argv[0]][0])
        module.add_arguments(argv[0], parser)
        args = parser.parse_args(argv[1:])
        args.command = argv[0]
    else:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return 0
        module = _module(COMMANDS[args.command][0])
    try:
        return module.run(args)
    except CliError as e:
        from projects.names import shown  # a message may quote a name from a file

        print(f"netcanvas {args.command}: {shown(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"netcanvas {args.command}: interrupted by Ctrl+C; run the command again to start over",
              file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `netcanvas summary X | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as e:  # a bug of ours: one line, not a traceback, unless asked for
        if os.environ.get("NETCANVAS_DEBUG"):
            raise
        from projects.names import shown

        print(f"netcanvas {args.command}: internal error ({type(e).__name__}: {shown(str(e))[:300]}); "
              "rerun with NETCANVAS_DEBUG=1 to see the traceback, and please report it", file=sys.stderr)
        return 70


# ---- summary / examples / new -------------------------------------------------------------------
def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    if name == "summary":
        p.add_argument("file", help="a .dlproj project file")
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    elif name == "examples":
        p.add_argument("--json", action="store_true", help="print JSON")
    elif name == "new":
        p.add_argument("--example", required=True, help="example name (see `netcanvas examples`)")
        p.add_argument("-o", "--output", required=True, help="the .dlproj file to create")
        p.add_argument("--force", action="store_true", help="overwrite an existing file")


def run(args) -> int:
    return {"summary": cmd_summary, "examples": cmd_examples, "new": cmd_new}[args.command](args)


def open_project(path: str):
    """Read a project or raise CliError with the loader's one-sentence reason."""
    from projects.dlproj import ProjectFileError, read_project

    try:
        project, errors = read_project(path)
    except ProjectFileError as e:
        raise CliError(str(e)) from None
    from projects.names import shown

    for err in errors:
        print(f"warning: {shown(err)}", file=sys.stderr)
    return project


def cmd_summary(args) -> int:
    from projects.summary import summarize

    summary = summarize(open_project(args.file).graph)
    from projects.names import shown_lines  # block names from the file, escaped

    print(json.dumps(summary.to_json(), indent=2) if args.json else shown_lines(summary.to_text()))
    return 1 if summary.problems else 0


def cmd_examples(args) -> int:
    from projects.examples import list_examples

    examples = list_examples()
    if args.json:
        print(json.dumps([{"name": e.name, "title": e.title, "description": e.description} for e in examples],
                         indent=2))
    else:
        width = max(len(e.name) for e in examples)
        for e in examples:
            print(f"{e.name:<{width}}  {e.title}")
    return 0


def cmd_new(args) -> int:
    from pathlib import Path

    from projects.examples import copy_example

    out = Path(args.output)
    if out.exists() and not args.force:
        raise CliError(f"{out} already exists; choose another name or pass --force")
    if not out.parent.is_dir():
        raise CliError(f"folder {out.parent} does not exist; create it first")
    try:
        copy_example(args.example, out)
    except KeyError as e:
        raise CliError(e.args[0]) from None
    print(f"created {out} from example '{args.example}'")
    return 0


if __name__ == "__main__":  # run through the package's module, so its CliError is the one the commands raise
    from runtime.cli import main as package_main

    sys.exit(package_main())
