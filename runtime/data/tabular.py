"""A user's CSV file: feature columns with a target column (classification or regression)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import torch

from .base import Dataset, DatasetError, Split
from .fit import shape_mismatch
from .options import FORMER_TARGETS
from .prep import apply_normalization, channel_stats, flag, make_splits

MAX_CATEGORIES = 50  # one-hot encode a text feature column with at most this many values
MAX_CLASSES = 20  # an integer target with at most this many values is a class id


def read_table(path: Path) -> tuple[list[str], np.ndarray]:
    """Column names and a (rows, columns) array of strings; a header row is detected."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"Cannot read the CSV file {path} ({exc}): check the path and save it as "
                           "UTF-8 text.") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise DatasetError(f"The CSV file {path} has fewer than two rows: add data rows.")
    width = len(rows[-1])
    for i, r in enumerate(rows):
        if len(r) != width:
            raise DatasetError(f"Row {i + 1} of {path.name} has {len(r)} values but the file has {width} "
                               "columns: fix that row.")
    if _is_header(rows[0], rows[1]):
        names, rows = rows[0], rows[1:]
    else:
        names = [f"column {i + 1}" for i in range(width)]
    return names, np.array(rows, dtype=str).reshape(len(rows), width)


def _is_header(first: list[str], second: list[str]) -> bool:
    numeric = [_is_number(a) for a in first]
    return not any(numeric) or any(not n and _is_number(b) for n, b in zip(numeric, second))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def numeric(column: np.ndarray) -> np.ndarray | None:
    """The column as float64, or None when it holds text."""
    try:
        values = column.astype(np.float64)
    except ValueError:
        return None
    return values if np.isfinite(values).all() else None


def check_filled(table: np.ndarray, names: list[str], path: Path) -> None:
    empty = np.argwhere(table == "")
    if len(empty):
        row, col = empty[0]
        raise DatasetError(f"Row {row + 1} of {path.name} has no value in column '{names[col]}': fill "
                           "it in or remove the row.")


def column_index(names: list[str], key, path: Path) -> int:
    """A column given by name or position (negative counts from the end; a number written as text too)."""
    if isinstance(key, str) and key not in names and _is_number_text(key):
        key = int(key.strip())
    if isinstance(key, int) and not isinstance(key, bool) and -len(names) <= key < len(names):
        return key % len(names)
    if isinstance(key, str) and key in names:
        return names.index(key)
    raise DatasetError(f"{path.name} has no column {key!r}: use one of {', '.join(names)} (or a "
                       "column number).")


def _is_number_text(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def _column_keys(value, names: list[str]) -> list:
    """The time-series ``column`` option as a list of names or numbers: text (commas separate several
    columns unless the whole text names one), a number, or a list (files written before 0.3)."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        if value.strip() == "":
            return [-1]
        if value in names or "," not in value:
            return [value.strip() if value not in names else value]
        return [part.strip() for part in value.split(",")]
    return [value]


def encode_features(table: np.ndarray, names: list[str], path: Path):
    """float32 (N, F) features and their names; text columns become one-hot columns."""
    blocks, out_names = [], []
    for j, name in enumerate(names):
        values = numeric(table[:, j])
        if values is not None:
            blocks.append(values[:, None])
            out_names.append(name)
            continue
        cats, codes = np.unique(table[:, j], return_inverse=True)
        if len(cats) > MAX_CATEGORIES:
            raise DatasetError(f"Column '{name}' of {path.name} holds text with {len(cats)} different "
                               "values: convert it to numbers or remove it.")
        blocks.append(np.eye(len(cats))[codes])
        out_names += [f"{name}={c}" for c in cats]
    return np.concatenate(blocks, axis=1).astype(np.float32), out_names


def encode_target(column: np.ndarray, targets: str | None):
    """(targets, classes, y): class ids for "classes", float (N, 1) for "values"; None: classes when
    the column holds text or few whole numbers, values otherwise."""
    values = numeric(column)
    if targets is None:
        few_ints = values is not None and np.all(values == np.round(values)) and \
            len(np.unique(values)) <= MAX_CLASSES
        targets = "classes" if values is None or few_ints else "values"
    if targets == "values":
        if values is None:
            raise DatasetError("The target column holds text, so it cannot be a number to predict: "
                               "set the dataset's targets to classes.")
        return targets, None, values.astype(np.float32)[:, None]
    keys = values if values is not None else column
    cats, codes = np.unique(keys, return_inverse=True)
    classes = [_label(c) for c in cats]
    return targets, classes, codes.astype(np.int64)


def csv_targets(settings: dict) -> str | None:
    """The CSV source's ``targets`` setting (None: auto), reading the former ``task`` setting too."""
    targets = settings.get("targets", "auto")
    if targets == "auto" and "task" in settings:
        targets = FORMER_TARGETS.get(settings["task"], settings["task"])
    if targets in (None, "auto"):
        return None
    if targets not in ("classes", "values"):
        raise DatasetError(f"A CSV file's targets must be 'classes' or 'values' (or auto), not {targets!r}: fix "
                           "the dataset's 'targets' setting.")
    return targets


def _label(value) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def load_csv(settings: dict, input_shape=None, progress=None) -> Dataset:
    """Features from every column but the target (``target``: name or number, default last)."""
    path = _path(settings)
    names, table = read_table(path)
    check_filled(table, names, path)
    test_path, n_train = _test_file(settings), len(table)
    if test_path is not None:  # encoded together so both get the same columns and class ids
        table = np.concatenate([table, _matching_table(test_path, names, path)], axis=0)
    if len(names) < 2:
        raise DatasetError(f"{path.name} has a single column: add feature columns beside the target.")
    t = column_index(names, settings["target"] if settings["target"] != "" else -1, path)
    targets, classes, y = encode_target(table[:, t], csv_targets(settings))
    x, feature_names = encode_features(np.delete(table, t, axis=1), names[:t] + names[t + 1:], path)
    if input_shape is not None and tuple(input_shape) != (x.shape[1],):
        raise shape_mismatch("feature vectors", "csv", (x.shape[1],), input_shape,
                             f"set the feature input to {x.shape[1]} features")
    given = None if test_path is None else (x[n_train:], y[n_train:])
    parts = make_splits(x[:n_train], y[:n_train], settings, given, f"the rows of {test_path}")
    splits = [tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in pair) for pair in parts]
    stats = channel_stats(splits[0][0]) if flag(settings, "normalize", True) else None
    if stats:
        splits = [(apply_normalization(a, stats), b) for a, b in splits]
    return Dataset(name="csv", title=path.name, targets=targets, input_shape=(x.shape[1],), classes=classes,
                   train=Split(*splits[0]), val=Split(*splits[1]), test=Split(*splits[2]),
                   normalization=stats, source=f"CSV file {path} (target column '{names[t]}')",
                   extras={"feature_names": feature_names, "target_name": names[t]},
                   split={**parts.plan, **({"test_path": str(test_path)} if test_path else {})}, rows=parts.rows)


def _test_file(settings: dict) -> Path | None:
    """The separate test file ``test_path`` names, or None (then the test rows are cut from ``path``)."""
    value = settings.get("test_path")
    if not value:
        return None
    path = Path(str(value)).expanduser()
    if not path.is_file():
        raise DatasetError(f"The test file {path} does not exist: choose an existing file or clear 'test_path'.")
    return path


def _matching_table(test_path: Path, names: list[str], path: Path) -> np.ndarray:
    test_names, test_table = read_table(test_path)
    if test_names != names:
        raise DatasetError(f"The test file {test_path.name} has the columns {', '.join(test_names)} but "
                           f"{path.name} has {', '.join(names)}: give both files the same header.")
    check_filled(test_table, test_names, test_path)
    return test_table


def _path(settings: dict) -> Path:
    if not settings.get("path"):
        raise DatasetError(f"The '{settings['name']}' dataset needs a 'path': choose the file.")
    path = Path(settings["path"]).expanduser()
    if not path.is_file():
        raise DatasetError(f"The file {path} does not exist: choose an existing file.")
    return path


def load_timeseries(settings: dict, input_shape=None, progress=None) -> Dataset:
    """Windows of numeric columns (``column``: one or a list) predicting ``target`` ahead."""
    from .series import windowed_dataset

    path = _path(settings)
    names, table = read_table(path)
    check_filled(table, names, path)
    test_path, n_train = _test_file(settings), len(table)
    if test_path is not None:  # the series' continuation: test windows are those whose targets lie in it
        table = np.concatenate([table, _matching_table(test_path, names, path)], axis=0)
    cols = [column_index(names, k, path) for k in _column_keys(settings["column"], names)]
    target = column_index(names, settings["target"] if settings["target"] != "" else names[cols[0]], path)
    if target not in cols:
        cols.append(target)
    series = []
    for j in cols:
        values = numeric(table[:, j])
        if values is None:
            raise DatasetError(f"Column '{names[j]}' of {path.name} is not numeric: choose a column of "
                               "numbers with 'column'.")
        series.append(values)
    meta = {"name": "timeseries-csv", "title": f"{path.name}: {names[target]}",
            "source": f"time series in {path} (columns {', '.join(names[j] for j in cols)})"}
    values = np.stack(series, axis=1)
    test = None if test_path is None else values[n_train:]
    return windowed_dataset(meta, values[:n_train], cols.index(target), settings, input_shape,
                            normalize=flag(settings, "normalize", True), test_series=test,
                            test_origin=f"the rows of {test_path}")
