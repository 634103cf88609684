"""The whole training-settings schema, put together from its owners (no torch): the settings every
task reads (projects/training.py), each task's own sections (its declaration) and each data
source's options (runtime/data/catalog.py). The inspector, the command line's flags, the JSON
Schema and the docs read this; runtime/plan.py checks and resolves a run's settings against it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from nodes.spec import Param
from projects.training import TRAINING_SCHEMA

from .data.catalog import source_options, source_params
from .tasks import TaskDeclaration, declarations

Setting = tuple  # (section or None, Param)

# Sections every task reads are always shown; these only for the tasks that use them.
MONITORED = "early_stopping"  # needs a validation metric to watch (a GAN has none)


@dataclass(frozen=True)
class SectionInfo:
    """How a section of training.json is shown: its title and the prefix of its command-line flags."""

    name: str | None
    title: str
    flag_prefix: str = ""


def _task_param(names: tuple[str, ...]) -> Param:
    base = dict(TRAINING_SCHEMA_BY_KEY[(None, "task")].__dict__)
    base.update(kind="choice", choices=("auto", *names))
    return Param(**base)


def _monitor_param(monitors: tuple[str, ...]) -> Param:
    base = dict(TRAINING_SCHEMA_BY_KEY[("early_stopping", "monitor")].__dict__)
    base.update(kind="choice", choices=("auto", *monitors))
    return Param(**base)


TRAINING_SCHEMA_BY_KEY = {(section, p.name): p for section, p in TRAINING_SCHEMA}


def common_schema() -> tuple[Setting, ...]:
    """The settings every task reads, with the task and monitor as choices of the registered tasks."""
    decls = declarations()
    monitors = tuple(dict.fromkeys(m for d in decls.values() for m in d.monitors))
    out = []
    for section, p in TRAINING_SCHEMA:
        if (section, p.name) == (None, "task"):
            p = _task_param(tuple(decls))
        elif (section, p.name) == ("early_stopping", "monitor"):
            p = _monitor_param(monitors)
        out.append((section, p))
    return tuple(out)


def task_schema(decl: TaskDeclaration) -> tuple[Setting, ...]:
    """The settings of ``decl``'s own sections."""
    return tuple((sec.name, p) for sec in decl.settings for p in sec.params)


def data_schema(source: str | None = None) -> tuple[Setting, ...]:
    """The options data sources declare (``dataset`` section): the source called ``source``'s, with its
    defaults, or every source's, each name once."""
    params = source_params(source) if source is not None else source_options()
    return tuple(("dataset", p) for p in params)


def settings_schema(decl: TaskDeclaration | None = None, data: bool = False,
                    source: str | None = None) -> tuple[Setting, ...]:
    """Every setting of a project training with task ``decl`` (None: of any task, for the command
    line and the JSON Schema), in the order the editor shows them; with the options of the data
    source ``source`` (the inspector), or of every source when ``data`` (flags, JSON Schema). Each
    source checks and completes its own (runtime/data/catalog.py)."""
    chosen = [decl] if decl is not None else list(declarations().values())
    out, seen = [], set()
    common = common_schema()
    data = data_schema() if data else (data_schema(source) if source is not None else ())
    for section, p in common:
        out.append((section, p))
        if (section, p.name) == ("dataset", "normalize"):
            out.extend(data)  # the source's own options right after the common dataset ones
    for d in chosen:
        out.extend(task_schema(d))
    unique = []
    for section, p in out:
        if (section, p.name) not in seen:
            seen.add((section, p.name))
            unique.append((section, p))
    return tuple(unique)


def foreign_settings(overrides: dict | None, decl: TaskDeclaration) -> list[str]:
    """One sentence per section of ``overrides`` that only another task reads (``--d-steps`` on a
    classifier): set for this run, it would do nothing."""
    own = {sec.name for sec in decl.settings}
    out = []
    for other in declarations().values():
        for sec in other.settings:
            given = (overrides or {}).get(sec.name)
            if given and sec.name not in own and isinstance(given, dict):
                names = ", ".join(f"{sec.name}.{k}" for k in given)
                out.append(f"The setting {names} applies to the '{other.name}' task, but this project trains "
                           f"'{decl.name}': leave it out of this run.")
    return list(dict.fromkeys(out))


def shown_sections(decl: TaskDeclaration | None) -> tuple[str | None, ...]:
    """The sections of training.json the editor shows for a project training with ``decl``."""
    common = [s for s, _ in common_schema() if s != MONITORED or decl is None or decl.monitors]
    own = [sec.name for sec in decl.settings] if decl is not None else []
    return tuple(dict.fromkeys([*common, *own]))


def section_info(section: str | None, decl: TaskDeclaration | None = None) -> SectionInfo:
    """The title and flag prefix of a section (a task's own section as its task declares it; a
    common one as ``decl`` names it, e.g. a GAN's "Optimizer (generator)")."""
    titled = dict(decl.section_titles) if decl is not None else {}
    if section in titled:
        return SectionInfo(section, titled[section])
    for d in declarations().values():
        for sec in d.settings:
            if sec.name == section:
                return SectionInfo(section, sec.title or section.replace("_", " ").capitalize(), sec.flag_prefix)
    return SectionInfo(section, (section or "general").replace("_", " ").capitalize())


def setting(project, section: str | None, name: str):
    """One setting of ``project``: its value, or the schema's default (the task's own sections and the
    chosen data source's options too)."""
    src = project.training.get(section, {}) if section else project.training
    value = src.get(name) if isinstance(src, dict) else None
    if value is not None:
        return value
    dataset = project.training.get("dataset")
    source = dataset.get("name") if isinstance(dataset, dict) else None
    schema = settings_schema(source=source if isinstance(source, str) else None)
    return next((p.default for s, p in schema if (s, p.name) == (section, name)), None)


def with_dataset_choices(p: Param, names: list[str]) -> Param:
    """The dataset name parameter as a choice of ``names`` (the catalog, plus a custom name)."""
    return replace(p, kind="choice", choices=tuple(names))
