"""Digital layers: Sequential, Linear and element-wise activations (exact vjps)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .module import Module


def check_batch(x: np.ndarray, n_features: int, name: str = "x") -> np.ndarray:
    """Validate a (batch, features) float input: type, shape, non-empty, finite."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(x).__name__}")
    if x.dtype.kind not in "fc":
        raise TypeError(f"{name} must be a floating array, got dtype {x.dtype}")
    if x.ndim != 2 or x.shape[1] != n_features:
        raise ValueError(f"{name} must have shape (batch, {n_features}), got {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or inf")
    return x


class Sequential(Module):
    """Modules applied in order; backward runs them in reverse."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    @property
    def layers(self) -> list[Module]:
        return list(self._modules.values())

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self._modules)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for m in self._modules.values():
            x = m.forward(x)
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        for m in reversed(list(self._modules.values())):
            grad_out = m.backward(grad_out)
        return grad_out


class Linear(Module):
    """Digital affine layer ``y = x W^T + b`` with W of shape (out_features, in_features).

    Initialised uniform in ±1/sqrt(in_features) (the common default), seeded.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, seed: int = 0,
                 dtype: Any = np.float64) -> None:
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError(f"in_features and out_features must be >= 1, got {in_features}, {out_features}")
        self.in_features, self.out_features, self.use_bias, self.seed = in_features, out_features, bias, seed
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(in_features)
        self.weight = self.add_parameter(
            "weight", rng.uniform(-bound, bound, (out_features, in_features)).astype(self.dtype))
        self.bias = self.add_parameter("bias", np.zeros(out_features, self.dtype)) if bias else None
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = check_batch(x, self.in_features)
        self._x = x
        y = x @ self.weight.value.T
        if self.bias is not None:
            y = y + self.bias.value
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._x is None:
            raise RuntimeError("backward called before forward")
        self.weight.grad += (grad_out.T @ self._x).astype(self.dtype, copy=False)
        if self.bias is not None:
            self.bias.grad += grad_out.sum(axis=0).astype(self.dtype, copy=False)
        return grad_out @ self.weight.value

    def config(self) -> dict[str, Any]:
        return {"in_features": self.in_features, "out_features": self.out_features, "bias": self.use_bias,
                "seed": self.seed, "dtype": self.dtype.name}


class _Elementwise(Module):
    """An activation f applied element-wise; subclasses give f and f' (from cached values)."""

    def __init__(self) -> None:
        super().__init__()
        self._cache: np.ndarray | None = None

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._cache is None:
            raise RuntimeError("backward called before forward")
        return grad_out * self._derivative(self._cache)

    def _derivative(self, cache: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class ReLU(_Elementwise):
    """max(x, 0)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._cache = x
        return np.maximum(x, 0)

    def _derivative(self, x: np.ndarray) -> np.ndarray:
        return (x > 0).astype(x.dtype)


class Tanh(_Elementwise):
    """tanh(x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.tanh(x)
        self._cache = y
        return y

    def _derivative(self, y: np.ndarray) -> np.ndarray:
        return 1.0 - y * y


class Sigmoid(_Elementwise):
    """1 / (1 + exp(-x)), computed stably."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.empty_like(x)
        pos = x >= 0
        y[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
        e = np.exp(x[~pos])
        y[~pos] = e / (1.0 + e)
        self._cache = y
        return y

    def _derivative(self, y: np.ndarray) -> np.ndarray:
        return y * (1.0 - y)


class Identity(Module):
    """y = x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out
