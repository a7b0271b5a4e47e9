"""An analog crossbar tile: noisy batched reads, PCM programming and drift.

Workflow::

    tile = AnalogTile(out_size, in_size, config=InferenceConfig(), seed=0)
    tile.set_weights(W)            # digital weights (float32 copy)
    y = tile.forward(x)            # noisy read of the current weights (hardware-aware training)
    tile.program(seed=1)           # map W to PCM conductance pairs, program them (noisy)
    tile.drift_to(86400.0)         # drift + 1/f read noise one day later, drift compensation
    y = tile.forward(x)            # read of the programmed, drifted array

Every read draws fresh noise from a counter-based generator keyed by (seed, read counter), so
a sequence of reads is reproducible and does not depend on the number of threads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .config import InferenceConfig

_MASK64 = (1 << 64) - 1
_PROBE_ROWS = 32  # rows of the fixed drift-compensation probe


def mix_seed(*values: int) -> int:
    """Combine integers into one 64-bit seed (SplitMix64 finaliser on a running hash)."""
    h = 0x9E3779B97F4A7C15
    for v in values:
        h = (h ^ (int(v) & _MASK64)) & _MASK64
        h = (h + 0x9E3779B97F4A7C15) & _MASK64
        h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _MASK64
        h ^= h >> 31
    return h


def _check_seed(seed: Any, name: str = "seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{name} must be >= 0, got {seed}")
    return int(seed)


def validate_batch(x: Any, n_features: int, name: str = "x") -> None:
    """Raise TypeError/ValueError naming ``name`` unless x is a finite, non-empty real float
    array of shape (batch, n_features)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name} must be a real floating array, got dtype {x.dtype}")
    if x.ndim != 2 or x.shape[1] != n_features:
        raise ValueError(f"{name} must have shape (batch, {n_features}), got {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf")


def check_input(x: Any, n_features: int, name: str = "x") -> np.ndarray:
    """:func:`validate_batch`, then a C-contiguous float32 view or copy for the kernel."""
    validate_batch(x, n_features, name)
    return np.ascontiguousarray(x, dtype=np.float32)


class AnalogTile:
    """A logical analog tile of shape (out_size, in_size), split into physical tiles of at most
    ``config.max_input_size`` x ``config.max_output_size`` devices.

    State exposed for checkpoints (all ``None`` until :meth:`program`): ``g_target_uS``,
    ``g_prog_uS``, ``g_uS`` (current drifted conductances), ``nu`` — each of shape
    (2, out_size, in_size) for the (g+, g-) pair — plus ``w_max``, ``alpha`` (drift
    compensation factor), ``t_s`` (time since programming), ``probe_ref``; and
    ``read_counter`` (reads made so far, which keys the read noise).
    """

    def __init__(self, out_size: int, in_size: int, config: InferenceConfig | None = None, seed: int = 0) -> None:
        for name, v in (("out_size", out_size), ("in_size", in_size)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {type(v).__name__}")
            if v < 1:
                raise ValueError(f"{name} must be >= 1, got {v}")
        self.out_size, self.in_size = int(out_size), int(in_size)
        self.config = config if config is not None else InferenceConfig()
        if not isinstance(self.config, InferenceConfig):
            raise TypeError(f"config must be an InferenceConfig, got {type(self.config).__name__}")
        self.seed = _check_seed(seed)
        self.weights = np.zeros((self.out_size, self.in_size), np.float32)
        self.read_counter = 0
        self.reads = 0          # analog MVMs (per physical tile and row, re-reads included)
        self.bm_rereads = 0
        self.clipped_outputs = 0
        self._io_fwd = self.config.forward.to_core()
        self._io_bwd = self.config.backward.to_core()
        self._split = self.config.split_to_core()
        self._pcm = self.config.noise_model.to_core()
        self.clear_programming()

    # -- weights ---------------------------------------------------------------
    def set_weights(self, weights: np.ndarray) -> None:
        """Set the digital weights (any real float array of shape (out_size, in_size))."""
        w = np.asarray(weights)
        if w.dtype.kind != "f":
            raise TypeError(f"weights must be a real floating array, got dtype {w.dtype}")
        if w.shape != (self.out_size, self.in_size):
            raise ValueError(f"weights must have shape {(self.out_size, self.in_size)}, got {w.shape}")
        if not np.isfinite(w).all():
            raise ValueError("weights contain NaN or inf")
        self.weights = np.ascontiguousarray(w, dtype=np.float32)

    def get_weights(self) -> np.ndarray:
        """A copy of the digital weights (float32)."""
        return self.weights.copy()

    @property
    def programmed(self) -> bool:
        """True after :meth:`program` (reads then use the programmed conductances)."""
        return self.g_prog_uS is not None

    def clear_programming(self) -> None:
        """Forget the programmed state; reads use the digital weights again."""
        self.g_target_uS: np.ndarray | None = None
        self.g_prog_uS: np.ndarray | None = None
        self.g_uS: np.ndarray | None = None
        self.nu: np.ndarray | None = None
        self.w_max: float | None = None
        self.alpha = 1.0
        self.t_s = 0.0
        self.program_seed = 0
        self.probe_ref = 0.0
        self._w_eff: np.ndarray | None = None

    # -- reads -----------------------------------------------------------------
    def _next_seed(self) -> int:
        self.read_counter += 1
        return mix_seed(self.seed, self.read_counter)

    def _read(self, w: np.ndarray, x32: np.ndarray, transposed: bool, weight_scale: float, seed: int) -> np.ndarray:
        io = self._io_bwd if transposed else self._io_fwd
        y, stats = _core.crossbar_read(w, x32, transposed, io, self._split, float(weight_scale), seed)
        self.reads += stats["reads"]
        self.bm_rereads += stats["bm_rereads"]
        self.clipped_outputs += stats["clipped_outputs"]
        return y

    def effective_weights(self) -> np.ndarray:
        """The weights an ideal read would see now: programmed and drifted if programmed."""
        return self._w_eff if self._w_eff is not None else self.weights

    def forward(self, x: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Noisy read ``y = W x`` for x of shape (batch, in_size); float32 (batch, out_size).

        ``weights`` (shape (out_size, in_size)) overrides the stored digital weights for this read
        (e.g. noise-injected weights in hardware-aware training); it is refused on a programmed
        tile, whose read goes through the programmed conductances.
        """
        x32 = check_input(x, self.in_size, "x")
        if weights is not None:
            if self.programmed:
                raise ValueError("weights cannot be overridden on a programmed tile (clear_programming first)")
            w = np.ascontiguousarray(weights, dtype=np.float32)
            if w.shape != (self.out_size, self.in_size):
                raise ValueError(f"weights must have shape {(self.out_size, self.in_size)}, got {w.shape}")
        else:
            w = self.effective_weights()
        scale = self.w_max if self.programmed else 0.0
        y = self._read(w, x32, False, scale, self._next_seed())
        if self.programmed and self.config.drift_compensation:
            y *= np.float32(self.alpha)
        return y

    def backward(self, grad_out: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Noisy transposed read ``d = W^T g`` for g of shape (batch, out_size); float32 (batch, in_size)."""
        g32 = check_input(grad_out, self.out_size, "grad_out")
        if weights is not None:
            w = np.ascontiguousarray(weights, dtype=np.float32)
            if w.shape != (self.out_size, self.in_size):
                raise ValueError(f"weights must have shape {(self.out_size, self.in_size)}, got {w.shape}")
        else:
            w = self.effective_weights()
        scale = self.w_max if (self.programmed and weights is None) else 0.0
        return self._read(w, g32, True, scale, self._next_seed())

    # -- PCM programming and drift --------------------------------------------
    def program(self, weights: np.ndarray | None = None, seed: int = 0) -> None:
        """Program the (given or stored) weights into PCM conductance pairs.

        w_max (``config.w_max`` or max|W|) maps to ``g_max``; positive weights go to g+, negative
        to g-. Programming noise and drift exponents are drawn from ``seed``; the array is then
        at t = 0 (first read at t0 after programming) and the drift-compensation reference is read.
        """
        seed = _check_seed(seed)
        if weights is not None:
            self.set_weights(weights)
        w = self.weights.astype(np.float64)
        w_max = self.config.w_max if self.config.w_max is not None else float(np.abs(w).max())
        if w_max <= 0.0:
            w_max = 1.0  # all-zero weights: any scale programs zero conductance
        g_max = self.config.noise_model.g_max_uS
        wc = np.clip(w, -w_max, w_max) / w_max * g_max
        g_target = np.stack([np.maximum(wc, 0.0), np.maximum(-wc, 0.0)]).astype(np.float32)
        g_prog, nu = _core.pcm_program(g_target, self._pcm, mix_seed(self.seed, seed, 1))
        self.g_target_uS, self.g_prog_uS, self.nu = g_target, g_prog, nu
        self.w_max = float(w_max)
        self.program_seed = seed
        self.alpha = 1.0
        self.probe_ref = 0.0
        self._set_time(0.0)
        self.probe_ref = self._probe_mean()
        self.alpha = 1.0

    def drift_to(self, t_s: float) -> None:
        """Move the programmed array to ``t_s`` seconds after programming (>= 0).

        Conductances drift as ``((t + t0)/t0)^-nu`` with accumulated 1/f read noise (drawn from
        the programming seed and t, so the same t gives the same array). With drift compensation
        the outputs are rescaled by ``alpha = probe_ref / mean|probe read now|``.
        """
        if not self.programmed:
            raise RuntimeError("drift_to needs a programmed tile: call program() first")
        if isinstance(t_s, bool) or not isinstance(t_s, (int, float, np.floating, np.integer)):
            raise TypeError(f"t_s must be a number of seconds, got {type(t_s).__name__}")
        t = float(t_s)
        if not np.isfinite(t) or t < 0:
            raise ValueError(f"t_s must be a finite time >= 0 s, got {t_s}")
        self._set_time(t)
        if self.config.drift_compensation:
            now = self._probe_mean()
            self.alpha = self.probe_ref / now if now > 0 else 1.0
        else:
            self.alpha = 1.0

    def _set_time(self, t: float) -> None:
        seed = mix_seed(self.seed, self.program_seed, 2, np.float64(t).view(np.uint64))
        self.g_uS = _core.pcm_drift(self.g_prog_uS, self.nu, t, self._pcm, seed)
        self.t_s = t
        self._update_w_eff()

    def _update_w_eff(self) -> None:
        scale = self.w_max / self.config.noise_model.g_max_uS
        self._w_eff = np.ascontiguousarray(((self.g_uS[0] - self.g_uS[1]) * scale).astype(np.float32))

    def _probe(self) -> np.ndarray:
        """The fixed drift-compensation probe: uniform inputs in [-1, 1] (seeded by the tile seed)."""
        u = _core.philox_uniform(mix_seed(self.seed, 3), 0, _PROBE_ROWS * self.in_size)
        return (2.0 * u - 1.0).reshape(_PROBE_ROWS, self.in_size).astype(np.float32)

    def _probe_mean(self) -> float:
        y = self._read(self._w_eff, self._probe(), False, self.w_max, self._next_seed())
        return float(np.abs(y).mean())

    # -- checkpoint state ------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        """Arrays that restore this tile exactly (see the class docstring)."""
        s: dict[str, np.ndarray] = {
            "read_counter": np.array(self.read_counter, np.int64),
            "programmed": np.array(self.programmed),
        }
        if self.programmed:
            s.update({
                "g_target_uS": self.g_target_uS, "g_prog_uS": self.g_prog_uS, "g_uS": self.g_uS, "nu": self.nu,
                "w_max": np.array(self.w_max), "alpha": np.array(self.alpha), "t_s": np.array(self.t_s),
                "probe_ref": np.array(self.probe_ref), "program_seed": np.array(self.program_seed, np.int64),
            })
        return s

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Inverse of :meth:`state`."""
        if "read_counter" not in state or "programmed" not in state:
            raise ValueError("tile state needs 'read_counter' and 'programmed'")
        self.read_counter = int(state["read_counter"])
        self.clear_programming()
        if bool(state["programmed"]):
            shape = (2, self.out_size, self.in_size)
            for key in ("g_target_uS", "g_prog_uS", "g_uS", "nu"):
                if key not in state:
                    raise ValueError(f"programmed tile state is missing {key!r}")
                arr = np.asarray(state[key])
                if arr.shape != shape:
                    raise ValueError(f"tile state {key!r} has shape {arr.shape}, expected {shape}")
            self.g_target_uS = np.ascontiguousarray(state["g_target_uS"], dtype=np.float32)
            self.g_prog_uS = np.ascontiguousarray(state["g_prog_uS"], dtype=np.float32)
            self.g_uS = np.ascontiguousarray(state["g_uS"], dtype=np.float32)
            self.nu = np.ascontiguousarray(state["nu"], dtype=np.float32)
            self.w_max = float(state["w_max"])
            self.alpha = float(state["alpha"])
            self.t_s = float(state["t_s"])
            self.probe_ref = float(state["probe_ref"])
            self.program_seed = int(state["program_seed"])
            self._update_w_eff()
