"""MNIST from local IDX (optionally gzipped) or npz files: never downloads.

The project's tests and benchmarks use the 10,000-image MNIST *test* set found in
``../shared/data/mnist/`` with a fixed split: the first 8,000 images for training,
the last 2,000 for testing.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from .split import DataSplit

MNIST_N_TRAIN = 8000
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (``.gz`` allowed) into a numpy array of its declared dtype and shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX dtype code 0x{code:02x}")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[code])
    offset = 4 + 4 * ndim
    count = int(np.prod(shape)) if shape else 1
    if len(data) - offset < count * dtype.itemsize:
        raise ValueError(f"{path}: truncated IDX file (expected {count} items of shape {shape})")
    return np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def find_mnist_dir() -> Path | None:
    """Where the MNIST files are: ``$PNNKIT_MNIST_DIR``, else ``shared/data/mnist`` in a parent folder."""
    env = os.environ.get("PNNKIT_MNIST_DIR")
    if env:
        return Path(env)
    for base in [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parent, *Path(__file__).resolve().parents]:
        cand = base / "shared" / "data" / "mnist"
        if cand.is_dir():
            return cand
    return None


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        p = directory / name
        if p.exists():
            return p
    return None


def load_mnist_arrays(path: str | os.PathLike | None = None, kind: str = "t10k") -> tuple[np.ndarray, np.ndarray]:
    """Images float32 (n, 784) in [0, 1] and labels int64 from a directory of IDX files or an npz.

    ``path`` may be a directory holding ``{kind}-images-idx3-ubyte[.gz]`` and
    ``{kind}-labels-idx1-ubyte[.gz]``, or an ``.npz`` with arrays ``images``/``labels``
    (or ``x``/``y``).
    """
    p = Path(path) if path is not None else find_mnist_dir()
    if p is None:
        raise FileNotFoundError(
            "MNIST files not found: pass path=..., set PNNKIT_MNIST_DIR, or place them in shared/data/mnist")
    if p.suffix == ".npz":
        with np.load(p, allow_pickle=False) as z:
            keys = ("images", "labels") if "images" in z else ("x", "y")
            images, labels = z[keys[0]], z[keys[1]]
    else:
        img_file = _find(p, f"{kind}-images-idx3-ubyte")
        lab_file = _find(p, f"{kind}-labels-idx1-ubyte")
        if img_file is None or lab_file is None:
            raise FileNotFoundError(f"no {kind}-images-idx3-ubyte / {kind}-labels-idx1-ubyte(.gz) in {p}")
        images, labels = read_idx(img_file), read_idx(lab_file)
    if len(images) != len(labels):
        raise ValueError(f"MNIST images ({len(images)}) and labels ({len(labels)}) differ in count")
    x = images.reshape(len(images), -1).astype(np.float32)
    if x.max() > 1.0:
        x /= 255.0
    return x, labels.astype(np.int64)


def load_mnist_split(path: str | os.PathLike | None = None) -> DataSplit:
    """The project's fixed MNIST split: first 8,000 images train, the rest (2,000) test."""
    x, y = load_mnist_arrays(path)
    if len(x) <= MNIST_N_TRAIN:
        raise ValueError(f"expected more than {MNIST_N_TRAIN} images for the fixed split, found {len(x)}")
    return DataSplit(x[:MNIST_N_TRAIN], y[:MNIST_N_TRAIN], x[MNIST_N_TRAIN:], y[MNIST_N_TRAIN:],
                     n_classes=10, name="mnist")
