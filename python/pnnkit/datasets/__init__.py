"""Offline datasets: the embedded digits, local MNIST files, synthetic tasks. Nothing downloads."""

from __future__ import annotations

from .digits import load_digits, load_digits_arrays
from .mnist import find_mnist_dir, load_mnist_arrays, load_mnist_split, read_idx
from .split import DataSplit, minibatches
from .synthetic import make_blobs, make_linear_regression, narma10

DATASETS = ("digits", "mnist", "blobs")


def load_dataset(name: str, path: str | None = None) -> DataSplit:
    """Load a dataset by name: ``digits`` (embedded), ``mnist`` (local files), ``blobs`` (synthetic)."""
    if name == "digits":
        return load_digits()
    if name == "mnist":
        return load_mnist_split(path)
    if name == "blobs":
        return make_blobs()
    raise ValueError(f"unknown dataset {name!r}; choose one of {DATASETS}")


__all__ = ["DataSplit", "minibatches", "load_digits", "load_digits_arrays", "load_mnist_split",
           "load_mnist_arrays", "read_idx", "find_mnist_dir", "make_blobs", "make_linear_regression",
           "narma10", "load_dataset", "DATASETS"]
