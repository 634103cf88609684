"""`netcanvas train` flags for every training setting, generated from the settings schema
(runtime/settings.py: the common settings, every task's own sections and every data source's
options, with their names, kinds, choices, bounds and help), so that the command line, the
editor's inspector and docs/cli.md cannot drift apart. ``python -m runtime.cli_settings`` prints
the table docs/cli.md holds (a test compares them)."""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from .settings import data_schema, section_info, settings_schema

# Settings other flags already cover: the dataset's source (--data, --test-data).
COVERED = {("dataset", "name"), ("dataset", "path"), ("dataset", "test_path")}
# Flag names that are not the setting's own name.
RENAMED = {("optimizer", "name"): "optimizer", ("d_optimizer", "name"): "d-optimizer",
           ("schedule", "name"): "schedule", ("clip", "mode"): "clip", ("clip", "value"): "clip-value",
           ("early_stopping", "enabled"): "early-stopping", ("augment", "random_crop"): "random-crop"}
DATA_PREFIX = "data-"  # a data source's own options: --data-window, --data-horizon


@dataclass(frozen=True)
class SettingFlag:
    flag: str  # without the leading dashes
    section: str | None
    param: Any  # nodes.spec.Param

    @property
    def dest(self) -> str:
        return "set_" + self.flag.replace("-", "_")


def setting_flags() -> list[SettingFlag]:
    """One flag per training setting, in the schema's order."""
    out = []
    sources = {p.name for _, p in data_schema()}
    for section, p in settings_schema(None, data=True):
        if (section, p.name) in COVERED:
            continue
        prefix = DATA_PREFIX if section == "dataset" and p.name in sources else section_info(section).flag_prefix
        name = RENAMED.get((section, p.name)) or prefix + p.name.replace("_", "-")
        out.append(SettingFlag(name, section, p))
    return out


def _number(kind: str):
    def parse(text: str):
        try:
            value = int(text) if kind == "int" else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a {'whole ' if kind == 'int' else ''}number") from None
        return value
    parse.__name__ = kind
    return parse


def default_text(p) -> str:
    """A setting's default as its flag's help says it ("empty" for empty text)."""
    return "empty" if p.default == "" else str(p.default)


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """Add every setting flag to ``parser`` (their values are checked by training_problems, which
    says in one sentence what is out of bounds)."""
    group = parser.add_argument_group("training settings (override the project's for this run; see docs/training.md)")
    for f in setting_flags():
        p = f.param
        help_text = p.help + (f" (default {default_text(p)})" if p.kind != "bool" and p.default is not None else "")
        if p.kind == "bool":
            group.add_argument(f"--{f.flag}", dest=f.dest, action=argparse.BooleanOptionalAction, default=None,
                               help=p.help)
        elif p.kind == "choice":
            group.add_argument(f"--{f.flag}", dest=f.dest, choices=[str(c) for c in p.choices], help=help_text)
        elif p.kind in ("int", "float"):
            group.add_argument(f"--{f.flag}", dest=f.dest, type=_number(p.kind), metavar=p.kind.upper(),
                               help=help_text)
        else:
            group.add_argument(f"--{f.flag}", dest=f.dest, help=help_text)


def setting_overrides(args) -> dict:
    """The flags given, as training-setting overrides ({"epochs": 5, "optimizer": {"lr": 0.01}})."""
    out: dict = {}
    for f in setting_flags():
        value = getattr(args, f.dest, None)
        if value is None:
            continue
        if f.param.kind == "choice":
            value = next((c for c in f.param.choices if str(c) == value), value)
        if f.section is None:
            out[f.param.name] = value
        else:
            out.setdefault(f.section, {})[f.param.name] = value
    return out


def forwarded(args) -> list[str]:
    """The setting flags of ``args`` again, for a torchrun worker's command line."""
    out = []
    for f in setting_flags():
        value = getattr(args, f.dest, None)
        if value is None:
            continue
        if f.param.kind == "bool":
            out.append(f"--{f.flag}" if value else f"--no-{f.flag}")
        else:
            out += [f"--{f.flag}", str(value)]
    return out


def markdown_table() -> str:
    """The flags as the Markdown table in docs/cli.md."""
    lines = ["| flag | setting | meaning |", "| --- | --- | --- |"]
    for f in setting_flags():
        p = f.param
        where = f"{f.section}.{p.name}" if f.section else p.name
        if p.kind == "bool":
            flag = f"`--{f.flag}` / `--no-{f.flag}`"
        elif p.kind == "choice":
            flag = f"`--{f.flag} {{{','.join(str(c) for c in p.choices)}}}`"
        else:
            flag = f"`--{f.flag} {p.kind.upper()}`"
        bounds = ""
        if p.kind in ("int", "float") and p.min is not None and p.max is not None:
            bounds = f" ({p.min:,} to {p.max:,})" if p.kind == "int" else f" ({p.min:g} to {p.max:g})"
        default = "" if p.default is None else "; default empty" if p.default == "" else f"; default `{p.default}`"
        lines.append(f"| {flag} | `{where}` | {p.help}{bounds}{default} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
