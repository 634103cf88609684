"""Datasets for training: one interface over bundled, downloaded, user and synthetic data.

``import runtime.data`` and ``list_datasets()`` stay cheap (no torch); loading imports torch.
See docs/datasets.md for the sources and their settings.
"""
from __future__ import annotations

from .base import Dataset, DatasetError, DatasetInfo, Split
from .catalog import DEFAULT_DATASET, list_datasets, load_dataset

__all__ = ["DEFAULT_DATASET", "Dataset", "DatasetError", "DatasetInfo", "Split",
           "apply_augmentation", "check_augmentation", "encode_text", "list_datasets",
           "load_dataset", "prepare_image", "prepare_photo"]


def prepare_image(path, input_shape, normalization=None):
    """One image file as a (1, *input_shape) tensor the way the model sees it (see folder.py)."""
    from .folder import prepare_image as _prepare

    return _prepare(path, input_shape, normalization)


def prepare_photo(path, input_shape, run=None, polarity="auto"):
    """A photo as the model's input, with the run's normalization and, when its training images are
    light-on-dark grayscale, their polarity and framing (see photo.py): a Photo (x, image, what was done)."""
    from .photo import dataset_framing, prepare_photo as _prepare

    run = run or {}
    return _prepare(path, input_shape, run.get("normalization"), polarity, dataset_framing(run))


def apply_augmentation(x, spec, generator=None):
    """Batched augmentation of (N, C, H, W) images on their device (see augment.py)."""
    from .augment import apply_augmentation as _apply

    return _apply(x, spec, generator)


def check_augmentation(spec):
    """The augmentation spec in canonical form, or a DatasetError (see augment.py)."""
    from .augment import check_augmentation as _check

    return _check(spec)


def encode_text(texts, vocabulary, max_length, level="word"):
    """Token ids (N, max_length) for prediction on text-lines models (see text.py)."""
    from .text import encode_text as _encode

    return _encode(texts, vocabulary, max_length, level)
