"""``AnalogLinear``: a fully connected layer computed by an analog crossbar tile.

Modes (see :class:`pnnkit.substrate.PhysicalModule`):

* ``"twin"`` — ideal ``y = x W^T + b`` and its exact vjp (in-silico training, float64);
* ``"physical"`` / ``"pat"`` — ``x W^T`` is read from the analog tile (periphery noise, DAC/ADC,
  bounds; the programmed and drifted PCM conductances once :meth:`AnalogLinear.program` was
  called), the bias is added digitally. Backward is the twin's vjp at the measured input:
  ``grad_W = g^T x``, ``grad_b = sum g``, and ``grad_x = g W`` computed digitally or, with
  ``config.analog_backward``, by the noisy transposed read of the same tile.

Hardware-aware training (Rasch et al. 2023) uses ``"pat"`` mode with ``train_w_noise`` (Gaussian
weight noise, relative to max|W|, drawn anew for every training forward) and weight clipping after
each optimizer step (``clip_sigma`` standard deviations of the layer's weights, or ``clip_bound``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..substrate import PhysicalModule
from .config import InferenceConfig
from .tile import AnalogTile, mix_seed, validate_batch


class AnalogLinear(PhysicalModule):
    """Affine layer ``y = x W^T + b`` (W: (out_features, in_features)) on an analog crossbar.

    Args:
        in_features, out_features: layer sizes.
        bias: add a digital bias.
        config: :class:`InferenceConfig` (or its ``to_dict()`` form); default aihwkit-like.
        seed: initialisation, read-noise and chip seed.
        train_w_noise: std of the weight noise injected in training forwards (relative to max|W|).
        clip_sigma: after every optimizer step clip W to ± clip_sigma * std(W) (None: off).
        clip_bound: after every optimizer step clip W to ± clip_bound (None: off).
    """

    capabilities = frozenset({"twin", "adjoint"})

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 config: InferenceConfig | dict[str, Any] | None = None, seed: int = 0,
                 train_w_noise: float = 0.0, clip_sigma: float | None = None,
                 clip_bound: float | None = None) -> None:
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {type(v).__name__}")
            if v < 1:
                raise ValueError(f"{name} must be >= 1, got {v}")
        if isinstance(config, dict):
            config = InferenceConfig.from_dict(config)
        elif config is None:
            config = InferenceConfig()
        elif not isinstance(config, InferenceConfig):
            raise TypeError(f"config must be an InferenceConfig or dict, got {type(config).__name__}")
        for name, v in (("train_w_noise", train_w_noise), ("clip_sigma", clip_sigma), ("clip_bound", clip_bound)):
            if v is None and name != "train_w_noise":
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                raise TypeError(f"{name} must be a finite number, got {v!r}")
            if v < 0 or (name != "train_w_noise" and v == 0):
                raise ValueError(f"{name} must be {'>= 0' if name == 'train_w_noise' else '> 0'}, got {v}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.use_bias = bool(bias)
        self.seed = int(seed)
        self.config_ = config
        self.train_w_noise = float(train_w_noise)
        self.clip_sigma = None if clip_sigma is None else float(clip_sigma)
        self.clip_bound = None if clip_bound is None else float(clip_bound)
        rng = np.random.default_rng(self.seed)
        bound = 1.0 / np.sqrt(self.in_features)
        self.weight = self.add_parameter(
            "weight", rng.uniform(-bound, bound, (self.out_features, self.in_features)))
        self.bias = self.add_parameter("bias", np.zeros(self.out_features)) if bias else None
        self.tile = AnalogTile(self.out_features, self.in_features, config=config, seed=self.seed)
        self._noise_counter = 0
        self._x: np.ndarray | None = None

    # -- forward ---------------------------------------------------------------
    def _forward_twin(self, x: np.ndarray) -> np.ndarray:
        self._check(x)
        self._x = np.asarray(x, dtype=np.float64)
        y = self._x @ self.weight.value.T
        return y + self.bias.value if self.bias is not None else y

    def _forward_physical(self, x: np.ndarray) -> np.ndarray:
        self._check(x)
        self._x = np.asarray(x, dtype=np.float64)  # the measured input of this layer
        if self.tile.programmed:
            y = self.tile.forward(x)
        else:
            w = self.weight.value
            if self.training and self.train_w_noise > 0:
                self._noise_counter += 1
                rng = np.random.default_rng(mix_seed(self.seed, 4, self._noise_counter))
                amax = float(np.abs(w).max())
                w = w + rng.normal(0.0, self.train_w_noise * amax, w.shape)
            y = self.tile.forward(x, weights=w)
        self.queries["forward"] += x.shape[0]
        y = y.astype(np.float64)
        return y + self.bias.value if self.bias is not None else y

    def _check(self, x: Any) -> None:
        validate_batch(x, self.in_features, "x")

    # -- backward --------------------------------------------------------------
    def _backward_twin(self, grad_out: np.ndarray) -> np.ndarray:
        g = self._check_grad(grad_out)
        self.weight.grad += g.T @ self._x
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        if self.mode != "twin" and self.config_.analog_backward:
            return self._analog_grad_x(grad_out)
        return g @ self.weight.value

    def _backward_adjoint(self, grad_out: np.ndarray) -> np.ndarray:
        """In-situ backward: parameter grads from the measured input, grad_x by the transposed read."""
        g = self._check_grad(grad_out)
        self.weight.grad += g.T @ self._x
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        return self._analog_grad_x(grad_out)

    def _analog_grad_x(self, grad_out: np.ndarray) -> np.ndarray:
        self.queries["backward"] += grad_out.shape[0]
        w = None if self.tile.programmed else self.weight.value
        return self.tile.backward(grad_out, weights=w).astype(np.float64)

    def _check_grad(self, grad_out: Any) -> np.ndarray:
        if self._x is None:
            raise RuntimeError("backward called before forward")
        validate_batch(grad_out, self.out_features, "grad_out")
        if grad_out.shape[0] != self._x.shape[0]:
            raise ValueError(f"grad_out has batch {grad_out.shape[0]}, the forward had {self._x.shape[0]}")
        return np.asarray(grad_out, dtype=np.float64)

    # -- hardware-aware training -----------------------------------------------
    def post_step(self) -> None:
        """Weight clipping after each optimizer step (``clip_sigma`` / ``clip_bound``)."""
        w = self.weight.value
        if self.clip_sigma is not None:
            b = self.clip_sigma * float(w.std())
            if b > 0:
                np.clip(w, -b, b, out=w)
        if self.clip_bound is not None:
            np.clip(w, -self.clip_bound, self.clip_bound, out=w)
        super().post_step()

    # -- deployment ------------------------------------------------------------
    def program(self, seed: int = 0) -> None:
        """Program the current weights into PCM conductances (noisy, seeded); reads then use them."""
        self.tile.program(self.weight.value, seed=seed)

    def drift_to(self, t_s: float) -> None:
        """Drift the programmed conductances to ``t_s`` seconds after programming."""
        self.tile.drift_to(t_s)

    def unprogram(self) -> None:
        """Forget the programmed state (reads use the current weights again)."""
        self.tile.clear_programming()

    # -- serialisation ---------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return {"in_features": self.in_features, "out_features": self.out_features, "bias": self.use_bias,
                "config": self.config_.to_dict(), "seed": self.seed, "train_w_noise": self.train_w_noise,
                "clip_sigma": self.clip_sigma, "clip_bound": self.clip_bound}

    def extra_state(self) -> dict[str, np.ndarray]:
        # Flat keys ("tile.<name>"): pnnkit.io splits module paths at "/".
        s = {"tile." + k: v for k, v in self.tile.state().items()}
        s["noise_counter"] = np.array(self._noise_counter, np.int64)
        return s

    def load_extra_state(self, state: dict[str, np.ndarray]) -> None:
        if "noise_counter" not in state:
            raise ValueError(f"AnalogLinear state needs 'noise_counter', got keys {sorted(state)}")
        self._noise_counter = int(state["noise_counter"])
        self.tile.load_state({k[5:]: v for k, v in state.items() if k.startswith("tile.")})
