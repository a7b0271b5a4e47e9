"""The embedded 8x8 handwritten digits (UCI optdigits test part, 1,797 images): no download."""

from __future__ import annotations

from importlib import resources

import numpy as np

from .split import DataSplit, stratified_permutation

#: Seed that fixes the digits split forever (changing it would change every published number).
DIGITS_SPLIT_SEED = 20240101
DIGITS_N_TEST = 360


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits: images float32 (1797, 64) in [0, 1] (counts / 16) and labels int64."""
    with resources.files("pnnkit.datasets").joinpath("data/digits8x8.npz").open("rb") as fh:
        with np.load(fh, allow_pickle=False) as z:
            images = z["images"].astype(np.float32).reshape(-1, 64) / 16.0
            labels = z["labels"].astype(np.int64)
    return images, labels


def load_digits() -> DataSplit:
    """The fixed digits split: 1,437 train / 360 test, shuffled once with a fixed seed."""
    x, y = load_digits_arrays()
    perm = stratified_permutation(y, DIGITS_SPLIT_SEED)
    tr, te = perm[DIGITS_N_TEST:], perm[:DIGITS_N_TEST]
    return DataSplit(x[tr], y[tr], x[te], y[te], n_classes=10, name="digits")
