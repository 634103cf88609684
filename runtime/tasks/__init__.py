"""The registry of training tasks. No torch at import.

A task is one package: its ``__init__.py`` declares ``TASKS`` (torch-free TaskDeclarations:
declaration.py), its ``training`` module holds what one training step does, its ``use`` module
what a trained model does (evaluate, predict, sample, export parts). The packages under
runtime/tasks/ are found by listing the folder; more come from the modules named in the
``NETCANVAS_TASKS`` environment variable (comma-separated) and from installed distributions'
``netcanvas.tasks`` entry points, so a new kind of training is one package and no other file.
"""
from __future__ import annotations

import dataclasses
import importlib
import os
import pkgutil
from typing import Any

from .declaration import (Anchor, DataFit, Ends, Metric, Option, PartRule, Prediction, SettingsSection,  # noqa: F401
                          TaskDeclaration, TaskError, Wiring)

ENV_VAR = "NETCANVAS_TASKS"
ENTRY_POINTS = "netcanvas.tasks"

_DECLARED: dict[str, TaskDeclaration] = {}
_FORMER: dict[str, str] = {}  # a former task name -> its current one
_PLUGINS: list[str] = []  # plugin packages loaded (a training child process loads them again)
_PROBLEMS: list[str] = []
_loaded = False


class TaskPackageError(Exception):
    """A task package that cannot be loaded; one sentence naming the package and the fix."""


def load_task_package(module: str) -> tuple[TaskDeclaration, ...]:
    """Import the task package ``module`` and register its ``TASKS``; returns them."""
    _ensure_loaded()
    return _load(module, plugin=True)


def unload_task_package(module: str) -> None:
    """Forget the tasks of a plugin package loaded with ``load_task_package`` (tests, a plugin being
    replaced); built-in packages stay."""
    _ensure_loaded()
    if module not in _PLUGINS:
        return
    _PLUGINS.remove(module)
    for name in [n for n, d in _DECLARED.items() if d.package == module]:
        for old in _DECLARED[name].replaces:
            _FORMER.pop(old, None)
        del _DECLARED[name]


def _load(module: str, plugin: bool) -> tuple[TaskDeclaration, ...]:
    try:
        package = importlib.import_module(module)
    except ImportError as e:
        raise TaskPackageError(f"the task package '{module}' cannot be imported ({e}): check the name in "
                               f"${ENV_VAR} or install it") from None
    declared = getattr(package, "TASKS", None)
    if not isinstance(declared, tuple) or not all(isinstance(d, TaskDeclaration) for d in declared):
        raise TaskPackageError(f"the task package '{module}' does not declare TASKS, a tuple of "
                               "TaskDeclaration: see docs/architecture.md")
    out = []
    for decl in declared:
        decl = dataclasses.replace(decl, package=module)
        known = _DECLARED.get(decl.name)
        if known is not None and known.package != module:
            raise TaskPackageError(f"the task '{decl.name}' of '{module}' is already declared by '{known.package}': "
                                   "give it another name")
        _DECLARED[decl.name] = decl
        for old in decl.replaces:
            _FORMER[old] = decl.name
        out.append(decl)
    if plugin and module not in _PLUGINS:
        _PLUGINS.append(module)
    return tuple(out)


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    names = [f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__) if info.ispkg]
    order = {name: getattr(importlib.import_module(name), "ORDER", 100) for name in names}
    for name in sorted(names, key=lambda n: (order[n], n)):  # the order the editor lists them in
        _load(name, plugin=False)
    for module in _plugin_names():
        try:
            _load(module, plugin=True)
        except TaskPackageError as e:  # a broken plugin must not cost the built-in tasks
            _PROBLEMS.append(str(e))


def _plugin_names() -> list[str]:
    names = [m.strip() for m in os.environ.get(ENV_VAR, "").replace(os.pathsep, ",").split(",") if m.strip()]
    try:
        from importlib.metadata import entry_points

        names += [ep.value for ep in entry_points(group=ENTRY_POINTS)]
    except Exception:  # noqa: BLE001 - broken package metadata must not stop the app
        pass
    return list(dict.fromkeys(names))


def declarations() -> dict[str, TaskDeclaration]:
    """Every registered task by name, built-in ones first."""
    _ensure_loaded()
    return dict(_DECLARED)


def task_declaration(name: str | None) -> TaskDeclaration | None:
    """The task called ``name`` (or formerly so), None when no package declares it."""
    _ensure_loaded()
    if not isinstance(name, str):
        return None
    return _DECLARED.get(_FORMER.get(name, name))


def task_names() -> tuple[str, ...]:
    return tuple(declarations())


def plugin_packages() -> list[str]:
    """The plugin task packages loaded in this process (for a training process to load too)."""
    _ensure_loaded()
    return list(_PLUGINS)


def load_problems() -> list[str]:
    """Plugin packages that could not be loaded, one sentence each."""
    _ensure_loaded()
    return list(_PROBLEMS)


def _attribute(decl: TaskDeclaration, spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(f"{decl.package}.{module}"), name)


def training_of(name: str):
    """The class that trains task ``name`` (runtime.tasks.base.Task); imports torch."""
    decl = task_declaration(name)
    if decl is None:
        raise TaskError(unknown_task(name))
    return _attribute(decl, decl.training)


def use_of(name: str):
    """The class that uses a model trained with task ``name`` (runtime.tasks.use.Use); imports torch."""
    decl = task_declaration(name)
    if decl is None:
        raise TaskError(unknown_task(name))
    return _attribute(decl, decl.use)


def unknown_task(name: Any) -> str:
    known = ", ".join(task_names())
    return f"there is no training task '{name}' in this NetCanvas: choose one of {known}, or auto"


__all__ = ["Anchor", "DataFit", "Ends", "Metric", "Option", "PartRule", "Prediction", "SettingsSection",
           "TaskDeclaration", "TaskError", "TaskPackageError", "Wiring", "declarations", "task_declaration",
           "load_problems", "load_task_package", "plugin_packages", "task_names", "training_of", "unknown_task",
           "unload_task_package", "use_of"]
