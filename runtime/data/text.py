"""Labelled lines of text ("label<TAB>text") for sequence classification, with a tiny tokenizer.

Token ids: 0 is padding, 1 is an unknown token, then the vocabulary of the training split in
order of frequency. Each line becomes ``max_length`` ids, truncated or padded with 0.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from .base import Dataset, DatasetError, Split
from .fit import shape_mismatch
from .prep import make_splits

PAD, UNK = "<pad>", "<unk>"
_WORD = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str, level: str = "word") -> list[str]:
    """Lower-cased words and punctuation marks, or single characters."""
    return list(text) if level == "char" else _WORD.findall(text.lower())


def build_vocabulary(token_lists, size: int) -> list[str]:
    """[PAD, UNK, then the most frequent tokens (ties alphabetical)] up to ``size`` entries."""
    counts = Counter(t for tokens in token_lists for t in tokens)
    ranked = sorted(counts, key=lambda t: (-counts[t], t))
    return [PAD, UNK] + ranked[: max(size - 2, 0)]


def encode_text(texts: list[str], vocabulary: list[str], max_length: int, level: str = "word"):
    """int64 (N, max_length) token ids, padded with 0: what prediction feeds the model."""
    index = {t: i for i, t in enumerate(vocabulary)}
    out = np.zeros((len(texts), max_length), dtype=np.int64)
    for row, text in enumerate(texts):
        ids = [index.get(t, 1) for t in tokenize(text, level)[:max_length]]
        out[row, :len(ids)] = ids
    return torch.from_numpy(out)


def read_lines(path: Path) -> tuple[list[str], list[str]]:
    """Labels and texts from ``label<TAB>text`` lines (blank lines skipped)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"Cannot read the text file {path} ({exc}): check the path and save it as "
                           "UTF-8.") from None
    labels, texts = [], []
    for number_, line in enumerate(lines, 1):
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        if not tab or not label.strip():
            raise DatasetError(f"Line {number_} of {path.name} is not 'label<TAB>text': separate the "
                               "label from the text with a tab.")
        labels.append(label.strip())
        texts.append(text)
    if len(set(labels)) < 2:
        raise DatasetError(f"{path.name} needs lines of at least two different labels: add examples "
                           "of each class.")
    return labels, texts


def load_text_lines(settings: dict, input_shape=None, progress=None) -> Dataset:
    from .tabular import _path

    path = _path(settings)
    return text_dataset(path, settings, input_shape, "text-lines", path.name, f"labelled lines in {path}")


def load_bundled_glosses(settings: dict, input_shape=None, progress=None) -> Dataset:
    """The WordNet noun definitions shipped in resources/ (6 categories, 1,000 lines each)."""
    from .remotes import GLOSSES_FILE

    if not GLOSSES_FILE.is_file():
        raise DatasetError(f"The bundled corpus is missing: {GLOSSES_FILE} does not exist; reinstall NetCanvas "
                           "or run resources/datasets/wordnet-glosses/make_corpus.py.")
    return text_dataset(GLOSSES_FILE, settings, input_shape, "wordnet-glosses", "WordNet noun definitions",
                        "WordNet 3.0 noun definitions bundled with NetCanvas (Princeton University, WordNet "
                        "licence)")


def text_dataset(path: Path, settings: dict, input_shape, name: str, title: str, source: str) -> Dataset:
    """Token-id splits of the labelled lines in ``path`` (vocabulary from the training split)."""
    level = settings["level"]
    max_length = _max_length(settings, input_shape)
    labels, texts = read_lines(path)
    classes = sorted(set(labels))
    code = {c: i for i, c in enumerate(classes)}
    y = np.array([code[v] for v in labels], dtype=np.int64)
    parts = make_splits(np.array(texts, dtype=object), y, settings)
    tr, va, te = parts
    vocab = build_vocabulary((tokenize(t, level) for t in tr[0]),
                             settings["vocabulary"])
    splits = [Split(encode_text(list(a), vocab, max_length, level), torch.from_numpy(b))
              for a, b in (tr, va, te)]
    return Dataset(name=name, title=title, targets="classes",
                   input_shape=(max_length,), classes=classes, train=splits[0], val=splits[1],
                   test=splits[2], normalization=None,
                   source=f"{source} ({len(texts)} lines, {level} tokens)",
                   extras={"vocabulary": vocab, "level": level, "max_length": max_length},
                   split=parts.plan, rows=parts.rows)


def _max_length(settings: dict, input_shape) -> int:
    """``max_length``, or the token input's steps when the model gives them."""
    explicit = settings["max_length"] or None  # 0: the model's steps
    if input_shape is None:
        return explicit or 64
    shape = tuple(int(v) for v in input_shape)
    if len(shape) != 1 or (explicit is not None and explicit != shape[0]):
        have = (explicit or (shape[0] if len(shape) == 1 else 64),)
        raise shape_mismatch("token sequences", settings.get("name", "text-lines"), have, shape,
                             f"use a token input of {have[0]} steps")
    return shape[0]
