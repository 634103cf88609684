"""Each data source's own options, declared as typed parameters the way blocks declare theirs, and
the one place that checks and completes a dataset section against them. No torch at import.

A source's options are listed with it in catalog.py; the inspector shows the chosen source's,
``netcanvas train`` has a ``--data-NAME`` flag for each (runtime/cli_settings.py) and the JSON
Schema lists them (runtime/json_schema.py). Loaders read completed settings: every option of
their source is present, defaults filled from here, values already checked.
"""
from __future__ import annotations

from dataclasses import replace

from nodes.spec import Param

# Dataset keys every source reads (the common schema's, and the command line's --limit / seeds).
COMMON_KEYS = frozenset({"name", "path", "test_path", "val_fraction", "test_fraction", "normalize", "limit",
                         "seed", "task"})  # task: the CSV "targets" option's name before 0.2
# The CSV option "targets" was called "task" before 0.2, with these values (old project files).
FORMER_TARGETS = {"classification": "classes", "regression": "values"}


def _model_steps(name: str, what: str, fallback: int) -> Param:
    return Param(name, "int", 0, f"{what} (0: as many as the model's input has; {fallback} without a model)",
                 min=0, max=100_000)


WINDOW = _model_steps("window", "Past steps in each input window", 32)
HORIZON = Param("horizon", "int", 1, "Steps ahead the model forecasts", min=1, max=100_000)
WAVE = (Param("length", "int", 2000, "Points in the generated series", min=8, max=10_000_000),
        Param("period", "float", 50.0, "Steps in one cycle of the wave (also the seasonal-naive baseline's season)",
              min=2.0),
        Param("noise", "float", 0.05, "Standard deviation of the Gaussian noise added to each point", min=0.0),
        WINDOW, HORIZON)
DOWNLOAD = (Param("download", "bool", True, "Download the files when they are not on this computer yet"),
            Param("mirror", "str", "", "A server to download the files from instead, as MIRROR/NAME/FILE (empty: "
                  "$NETCANVAS_DATA_MIRROR, else the official servers)"))
TEXT = (_model_steps("max_length", "Tokens kept from each line, padded with 0", 64),
        Param("level", "choice", "word", "Tokens are words or single characters", choices=("word", "char")),
        Param("vocabulary", "int", 20000, "Most frequent training tokens kept; the rest read as unknown",
              min=3, max=10_000_000))
LOGIC = (Param("encoding", "choice", "signed", "Inputs and targets in {-1, 1} (signed) or {0, 1} (binary)",
               choices=("signed", "binary")),
         Param("targets", "choice", "classes", "The targets as two classes or as numbers to fit",
               choices=("classes", "values")))


def _samples(default: int) -> Param:
    return Param("samples", "int", default, "How many samples to generate", min=10, max=10_000_000)


def _spread(name: str, default: float, what: str) -> Param:
    return Param(name, "float", default, what, min=0.0)


MEMORY = (_model_steps("steps", "Steps in each sequence", 64), _samples(4000),
          _spread("noise", 1.0, "Standard deviation of the noise on every step after the first"))
RING = (Param("modes", "int", 8, "Gaussians on the circle", min=1, max=1000),
        Param("radius", "float", 2.0, "Radius of the circle", min=0.0),
        _spread("std", 0.02, "Standard deviation of each Gaussian"), _samples(20000))
GRID = (Param("side", "int", 5, "Gaussians along each side of the square grid", min=1, max=100),
        Param("spacing", "float", 2.0, "Distance between neighbouring Gaussians", min=0.0),
        _spread("std", 0.05, "Standard deviation of each Gaussian"), _samples(20000))
MOONS = (_spread("noise", 0.05, "Standard deviation of the noise added to each point"), _samples(20000))
TARGET = Param("target", "str", "", "The target column, by name or number (empty: a table's last column, a time "
               "series' first input column)")
CSV = (TARGET,
       Param("targets", "choice", "auto", "The target column holds classes or numbers to fit (auto: classes "
             "when it holds text or few whole numbers)", choices=("auto", "classes", "values")))
SERIES_CSV = (Param("column", "str", "", "The input column(s), by name or number, several separated by commas "
                    "(empty: the last column)"),
              TARGET,
              WINDOW, HORIZON,
              Param("season", "int", 0, "The series' period in steps, for the seasonal-naive baseline (0: none)",
                    min=0, max=10_000_000))


def merged_options(owned) -> tuple[Param, ...]:
    """One Param per option name across sources (for flags and the JSON Schema), from (source name,
    Param) pairs: choices joined, and where the sources' defaults differ, each said in the help."""
    by_name: dict[str, list[tuple[str, Param]]] = {}
    for source, p in owned:
        by_name.setdefault(p.name, []).append((source, p))
    out = []
    for same in by_name.values():
        first = same[0][1]
        defaults: dict[str, list[str]] = {}
        for source, p in same:
            defaults.setdefault(str(p.default), []).append(source)
        if len(defaults) > 1:
            said = "; ".join(f"{value} for {', '.join(sources)}" for value, sources in defaults.items())
            first = replace(first, default=None, help=f"{first.help.split(' (')[0]} (default {said})",
                            choices=tuple(dict.fromkeys(c for _, p in same for c in p.choices)))
        out.append(first)
    return tuple(out)


def option_text(value):
    """Column options written in older files as numbers or lists, read as the text the option holds."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        return ", ".join(str(v) for v in value)
    return value


def option_problems(source, settings: dict, owners: dict | None = None) -> list[str]:
    """One sentence per problem with ``settings``' options for ``source``: a value out of bounds, or a
    key ``source`` does not take (a typo, or another source's option: ``owners`` maps those to their
    sources, to say so)."""
    own = {p.name: p for p in source.options}
    problems = []
    for key, value in settings.items():
        if key in COMMON_KEYS:
            continue
        param = own.get(key)
        if param is not None:
            reason = param.check(option_text(value) if param.kind == "str" else param.coerce(value))
            if reason:
                problems.append(f"The '{source.name}' dataset's {reason}.")
            continue
        valid = ", ".join(sorted((COMMON_KEYS - {"name", "task"}) | set(own)))
        belongs = (owners or {}).get(key)
        where = f" (it is a setting of {', '.join(belongs)})" if belongs else ""
        problems.append(f"Unknown dataset setting '{key}' for '{source.name}'{where}: remove it or use one of "
                        f"{valid}.")
    return problems


def completed(source, settings: dict) -> dict:
    """The settings a loader reads: the common keys given, and every option of ``source`` (its default
    where not given); other sources' options left out."""
    out = {k: v for k, v in settings.items() if k in COMMON_KEYS}
    for p in source.options:
        out[p.name] = p.coerce(settings[p.name]) if p.name in settings else p.default
    return out
