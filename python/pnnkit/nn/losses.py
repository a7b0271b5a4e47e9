"""Losses with an explicit backward: ``loss.forward(pred, target) -> float``, ``loss.backward()``.

Both are means over the batch, so gradients are independent of the batch size's scale.
"""

from __future__ import annotations

import numpy as np


class SoftmaxCrossEntropy:
    """Mean softmax cross-entropy of logits (batch, classes) against integer labels."""

    def __init__(self) -> None:
        self._probs: np.ndarray | None = None
        self._labels: np.ndarray | None = None

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        if logits.ndim != 2:
            raise ValueError(f"logits must be (batch, classes), got shape {logits.shape}")
        labels = np.asarray(labels)
        if labels.dtype.kind not in "iu":
            raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
        if labels.shape != (logits.shape[0],):
            raise ValueError(f"labels must have shape ({logits.shape[0]},), got {labels.shape}")
        if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
            raise ValueError(f"labels must lie in [0, {logits.shape[1]})")
        z = logits - logits.max(axis=1, keepdims=True)
        logsum = np.log(np.exp(z).sum(axis=1, keepdims=True))
        logp = z - logsum
        self._probs = np.exp(logp)
        self._labels = labels
        return float(-logp[np.arange(len(labels)), labels].mean())

    def backward(self) -> np.ndarray:
        if self._probs is None or self._labels is None:
            raise RuntimeError("backward called before forward")
        g = self._probs.copy()
        g[np.arange(len(self._labels)), self._labels] -= 1.0
        return g / len(self._labels)

    __call__ = forward


class MSELoss:
    """Mean squared error: mean((pred - target)²) over all elements (the convention of torch's MSELoss).
    Integer labels are one-hot encoded against ``pred.shape[1]`` classes.
    """

    def __init__(self) -> None:
        self._diff: np.ndarray | None = None

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        target = np.asarray(target)
        if target.ndim == 1 and target.dtype.kind in "iu":
            onehot = np.zeros_like(pred)
            onehot[np.arange(len(target)), target] = 1.0
            target = onehot
        if target.shape != pred.shape:
            raise ValueError(f"target shape {target.shape} != prediction shape {pred.shape}")
        self._diff = pred - target
        return float(np.mean(self._diff ** 2))

    def backward(self) -> np.ndarray:
        if self._diff is None:
            raise RuntimeError("backward called before forward")
        return 2.0 * self._diff / self._diff.size

    __call__ = forward
