"""The generic minibatch training loop and evaluation shared by every gradient-based method."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..datasets.split import minibatches
from .history import History
from .module import Module
from .optim import Optimizer


def predict(model: Module, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Model outputs for all of ``x``, evaluated in batches (model left in its current mode)."""
    outs = [model.forward(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    return np.concatenate(outs, axis=0)


def accuracy(model: Module, x: np.ndarray, y: np.ndarray, batch_size: int = 512) -> float:
    """Fraction of samples whose arg-max output equals the label (model switched to eval mode)."""
    was_training = model.training
    model.eval()
    try:
        return float(np.mean(np.argmax(predict(model, x, batch_size), axis=1) == y))
    finally:
        model.train(was_training)


def fit(model: Module, loss: Any, optimizer: Optimizer, x: np.ndarray, y: np.ndarray, *, epochs: int,
        batch_size: int, seed: int = 0, x_val: np.ndarray | None = None, y_val: np.ndarray | None = None,
        callback: Callable[[int, dict[str, Any]], None] | None = None,
        backward: Callable[[Module, np.ndarray], None] | None = None) -> History:
    """Train with minibatches for ``epochs`` epochs; returns a :class:`History`.

    ``backward(model, grad_out)`` replaces ``model.backward`` when a method computes
    gradients differently (e.g. in-situ adjoints). ``callback(epoch, row)`` is called after
    every epoch with that epoch's metrics (train loss/accuracy, validation accuracy, time).
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    rng = np.random.default_rng(seed)
    history = History()
    t_start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        losses, correct, seen = [], 0, 0
        for xb, yb in minibatches(x, y, batch_size, rng):
            out = model.forward(xb)
            losses.append(loss.forward(out, yb))
            if np.asarray(yb).ndim == 1:
                correct += int(np.sum(np.argmax(out, axis=1) == yb))
            seen += len(xb)
            optimizer.zero_grad()
            g = loss.backward()
            if backward is None:
                model.backward(g)
            else:
                backward(model, g)
            optimizer.step()
        row: dict[str, Any] = {"epoch": epoch, "loss": float(np.mean(losses)), "train_acc": correct / max(seen, 1)}
        if x_val is not None and y_val is not None:
            row["test_acc"] = accuracy(model, x_val, y_val)
        row["time_s"] = time.perf_counter() - t_start
        history.record(**row)
        if callback is not None:
            callback(epoch, row)
    return history
