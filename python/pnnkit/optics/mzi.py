"""Integrated photonic MZI meshes as physical layers (Reck 1994, Clements 2016, Hughes 2018, Shen 2017).

A mesh of N(N-1)/2 Mach-Zehnder interferometers implements any N x N unitary ``U``; each MZI has an
internal phase ``theta`` and an external phase ``phi``, followed by N output phases ``delta``. The MZI
transfer matrix (see ``cpp/include/pnnkit/optics/mzi_mesh.hpp``) is::

    M(theta, phi) = B * diag(e^{i theta}, 1) * B * diag(e^{i phi}, 1),  B = [[1, i], [i, 1]] / sqrt(2)
                  = i e^{i theta/2} [[e^{i phi} sin(theta/2), cos(theta/2)], [e^{i phi} cos(theta/2), -sin(theta/2)]]

Fields are rows of (batch, N) complex arrays (complex64 by default, complex128 accepted); ``y = U x``.
Complex gradients follow the real-loss convention ``grad_z = dL/dRe z + i dL/dIm z``.

Modules here:

* :class:`MZIMesh` — a unitary mesh, a :class:`~pnnkit.substrate.PhysicalModule` with capabilities
  ``twin`` and ``adjoint`` (in-situ gradients measured by intensity monitors, Hughes et al. 2018).
* :class:`SVDLayer` — ``W = U diag(sigma) V^H`` for an arbitrary (out x in) matrix from two meshes.
* :class:`ComplexEncoder`, :class:`EOActivation`, :class:`IntensityReadout`, :class:`CoherentReadout`
  — the digital/optical glue of a photonic network.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .. import _core
from ..nn.module import Module
from ..substrate import PhysicalModule

LAYOUTS = ("clements", "reck")
_COMPLEX = (np.dtype(np.complex64), np.dtype(np.complex128))


def n_mzi(n_modes: int) -> int:
    """Number of MZIs of a full N-mode mesh: N(N-1)/2."""
    return n_modes * (n_modes - 1) // 2


def _check_layout(layout: str) -> str:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    return layout


def _check_complex_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in _COMPLEX:
        raise TypeError(f"dtype must be complex64 or complex128, got {dt}")
    return dt


def _check_field(x: Any, n_modes: int, name: str = "x") -> np.ndarray:
    """Validate a (batch, n_modes) complex field batch."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(x).__name__}")
    if x.dtype not in _COMPLEX:
        raise TypeError(f"{name} must be complex64 or complex128 (encode real data with ComplexEncoder), "
                        f"got {x.dtype}")
    if x.ndim != 2 or x.shape[1] != n_modes:
        raise ValueError(f"{name} must have shape (batch, {n_modes}) for a {n_modes}-mode mesh, got {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch")
    return x


def random_unitary(n: int, seed: int = 0) -> np.ndarray:
    """A Haar-random n x n unitary (complex128): QR of a complex Gaussian matrix with phase fix (Mezzadri 2007)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))) / np.sqrt(2.0)
    q, r = np.linalg.qr(z)
    d = np.diag(r)
    return q * (d / np.abs(d))


def decompose(u: np.ndarray, layout: str = "clements", tol: float = 1e-8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mesh phases ``(theta, phi, delta)`` (rad) whose ideal mesh equals the unitary ``u`` (N x N).

    Reck: triangular nulling by right multiplications; Clements 2016: alternating right/left
    nulling with the left MZIs moved through the diagonal. Raises ValueError if ``u`` is not
    unitary to ``tol`` (max |U^H U - I|).
    """
    _check_layout(layout)
    u = np.asarray(u)
    if u.ndim != 2 or u.shape[0] != u.shape[1]:
        raise ValueError(f"u must be a square matrix, got shape {u.shape}")
    return _core.mzi_decompose(np.ascontiguousarray(u, dtype=np.complex128), layout, float(tol))


def mesh_matrix(theta: np.ndarray, phi: np.ndarray, delta: np.ndarray | None, n_modes: int,
                layout: str = "clements", nonideal: MeshNonideality | None = None) -> np.ndarray:
    """The N x N transfer matrix (complex128) of a mesh (ideal, or the physical chip ``nonideal``)."""
    _check_layout(layout)
    ni = nonideal.to_core() if nonideal is not None else None
    eye = np.eye(n_modes, dtype=np.complex128)
    return _core.mzi_forward(eye, theta, phi, delta, layout, ni).T.copy()


@dataclass(frozen=True)
class MeshNonideality:
    """Seeded fabrication/operation errors of one MZI-mesh chip.

    splitter_error_std_rad: std of each directional coupler's angle around pi/4 (rad; 2 per MZI).
    loss_db_per_mzi: insertion loss per MZI (dB of power).
    phase_bits: phase-shifter DAC resolution; phases rounded to multiples of 2 pi / 2**bits (0 = continuous).
    crosstalk: thermal crosstalk, the fraction of a heater's phase added to the same shifter of the
        MZIs directly above and below in the same column.
    seed: the chip.
    """

    splitter_error_std_rad: float = 0.0
    loss_db_per_mzi: float = 0.0
    phase_bits: int = 0
    crosstalk: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not np.isfinite(self.splitter_error_std_rad) or self.splitter_error_std_rad < 0:
            raise ValueError(f"splitter_error_std_rad must be >= 0, got {self.splitter_error_std_rad}")
        if not np.isfinite(self.loss_db_per_mzi) or self.loss_db_per_mzi < 0:
            raise ValueError(f"loss_db_per_mzi must be >= 0, got {self.loss_db_per_mzi}")
        if isinstance(self.phase_bits, bool) or not isinstance(self.phase_bits, (int, np.integer)) or \
                not 0 <= self.phase_bits <= 30:
            raise ValueError(f"phase_bits must be an int in [0, 30], got {self.phase_bits!r}")
        if not np.isfinite(self.crosstalk) or abs(self.crosstalk) >= 0.5:
            raise ValueError(f"crosstalk must satisfy |crosstalk| < 0.5, got {self.crosstalk}")
        if int(self.seed) < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")

    def to_core(self) -> Any:
        """The C++ parameter struct (``pnnkit._core.MziNonideality``)."""
        return _core.MziNonideality(float(self.splitter_error_std_rad), float(self.loss_db_per_mzi),
                                    int(self.phase_bits), float(self.crosstalk), int(self.seed))

    def with_seed(self, seed: int) -> MeshNonideality:
        """The same error model on another chip."""
        return MeshNonideality(self.splitter_error_std_rad, self.loss_db_per_mzi, self.phase_bits,
                               self.crosstalk, seed)


class MZIMesh(PhysicalModule):
    """An N-mode unitary MZI mesh (Clements or Reck) as a physical layer.

    Parameters ``theta``, ``phi`` (N(N-1)/2 each) and ``delta`` (N, if ``output_phases``) in rad,
    float64. ``"twin"`` mode runs the ideal mesh; ``"physical"``/``"pat"`` run the seeded chip
    described by ``nonideal`` (coupler imbalance, loss, quantization, crosstalk). In-situ
    backprop (``backward_adjoint``) measures the phase gradients on the chip with the forward,
    adjoint and interference passes; ``detector_noise`` is the std of each intensity reading
    relative to the input power of the sample. Queries are counted per sample and pass.
    ``conjugate_reference`` adds a 4th in-situ pass (the phase-conjugated adjoint alone) that
    removes the bias insertion loss causes in the 3-measurement formula.

    init: ``"haar"`` (phases of a Haar-random unitary, seeded) or ``"identity"``-like
    ``"bar"`` (all theta = pi, phi = 0: every MZI in the bar state).
    """

    capabilities = frozenset({"twin", "adjoint"})

    def __init__(self, n_modes: int, layout: str = "clements", output_phases: bool = True, init: str = "haar",
                 seed: int = 0, dtype: Any = "complex64", nonideal: dict[str, Any] | None = None,
                 detector_noise: float = 0.0, conjugate_reference: bool = False) -> None:
        super().__init__()
        if isinstance(n_modes, bool) or not isinstance(n_modes, (int, np.integer)) or n_modes < 1:
            raise ValueError(f"n_modes must be an int >= 1, got {n_modes!r}")
        self.n_modes = int(n_modes)
        self.layout = _check_layout(layout)
        self.output_phases = bool(output_phases)
        self.init, self.seed = init, int(seed)
        self.dtype = _check_complex_dtype(dtype)
        if isinstance(nonideal, MeshNonideality):
            nonideal = asdict(nonideal)
        self.nonideal = MeshNonideality(**(nonideal or {}))
        if not np.isfinite(detector_noise) or detector_noise < 0:
            raise ValueError(f"detector_noise must be >= 0, got {detector_noise}")
        self.detector_noise = float(detector_noise)
        self.conjugate_reference = bool(conjugate_reference)
        K = n_mzi(self.n_modes)
        if init == "haar":
            th, ph, de = decompose(random_unitary(self.n_modes, self.seed), self.layout)
        elif init == "bar":
            th, ph, de = np.full(K, np.pi), np.zeros(K), np.zeros(self.n_modes)
        else:
            raise ValueError(f"init must be 'haar' or 'bar', got {init!r}")
        self.theta = self.add_parameter("theta", np.asarray(th, np.float64))
        self.phi = self.add_parameter("phi", np.asarray(ph, np.float64))
        self.delta = self.add_parameter("delta", np.asarray(de, np.float64)) if self.output_phases else None
        self._core_ni = self.nonideal.to_core()
        self._x: np.ndarray | None = None
        self._insitu_samples = 0  # counter offset of the detector noise

    # -- helpers --------------------------------------------------------------
    def _phases(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        return self.theta.value, self.phi.value, (self.delta.value if self.delta is not None else None)

    def matrix(self, physical: bool = False) -> np.ndarray:
        """The N x N transfer matrix (complex128) of the twin, or of the chip if ``physical``."""
        return mesh_matrix(*self._phases(), self.n_modes, self.layout, self.nonideal if physical else None)

    def set_unitary(self, u: np.ndarray) -> None:
        """Program the phases so that the ideal mesh implements the unitary ``u``."""
        if not self.output_phases:
            raise ValueError("set_unitary needs output_phases=True (a general unitary needs the output phases)")
        th, ph, de = decompose(u, self.layout)
        self.theta.value[...] = th
        self.phi.value[...] = ph
        self.delta.value[...] = de

    def _accumulate(self, gt: np.ndarray, gp: np.ndarray, gd: np.ndarray | None) -> None:
        self.theta.grad += gt
        self.phi.grad += gp
        if self.delta is not None and gd is not None:
            self.delta.grad += gd

    # -- PhysicalModule hooks ---------------------------------------------------
    def _forward_twin(self, x: np.ndarray) -> np.ndarray:
        x = _check_field(x, self.n_modes)
        self._x = x
        return _core.mzi_forward(x, *self._phases(), self.layout, None)

    def _forward_physical(self, x: np.ndarray) -> np.ndarray:
        x = _check_field(x, self.n_modes)
        self._x = x  # the measured input: PAT evaluates the twin vjp here
        self.queries["forward"] += x.shape[0]
        return _core.mzi_forward(x, *self._phases(), self.layout, self._core_ni)

    def _check_grad(self, grad_out: np.ndarray) -> np.ndarray:
        if self._x is None:
            raise RuntimeError("backward called before forward")
        g = _check_field(grad_out, self.n_modes, "grad_out")
        if g.shape != self._x.shape:
            raise ValueError(f"grad_out must have shape {self._x.shape}, got {g.shape}")
        return g.astype(self._x.dtype, copy=False)

    def _backward_twin(self, grad_out: np.ndarray) -> np.ndarray:
        g = self._check_grad(grad_out)
        gx, gt, gp, gd = _core.mzi_vjp(self._x, g, *self._phases(), self.layout, None)
        self._accumulate(gt, gp, gd)
        return gx

    def _backward_adjoint(self, grad_out: np.ndarray) -> np.ndarray:
        """In-situ backprop on the chip: per sample one adjoint and one interference pass (the
        forward intensities are read during the forward pass); returns grad wrt the input, read
        from the adjoint field leaving the input ports."""
        g = self._check_grad(grad_out)
        b = g.shape[0]
        gx, gt, gp, gd = _core.mzi_insitu_gradient(
            self._x, g, *self._phases(), self.layout, self._core_ni, self.detector_noise,
            self.seed + 7919, self._insitu_samples, self.conjugate_reference)
        self._insitu_samples += b
        self.queries["adjoint"] += b
        self.queries["interference"] += b
        if self.conjugate_reference:
            self.queries["reference"] += b
        self._accumulate(gt, gp, gd)
        return gx

    def config(self) -> dict[str, Any]:
        return {"n_modes": self.n_modes, "layout": self.layout, "output_phases": self.output_phases,
                "init": self.init, "seed": self.seed, "dtype": self.dtype.name,
                "nonideal": asdict(self.nonideal), "detector_noise": self.detector_noise,
                "conjugate_reference": self.conjugate_reference}


class SVDLayer(PhysicalModule):
    """An arbitrary (out x in) complex matrix as ``W = U diag(sigma) V^H`` (Miller 2013; Shen 2017).

    ``V^H`` is an in_features-mode mesh, ``sigma`` (min(in, out) real amplitudes, e.g. MZI
    attenuators with a common gain) and ``U`` an out_features-mode mesh. Submeshes inherit the
    mode through :func:`pnnkit.substrate.set_mode`; the chip of ``U`` uses ``seed + 1``.
    """

    capabilities = frozenset({"twin", "adjoint"})

    def __init__(self, in_features: int, out_features: int, layout: str = "clements", seed: int = 0,
                 dtype: Any = "complex64", nonideal: dict[str, Any] | None = None,
                 detector_noise: float = 0.0) -> None:
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.layout, self.seed = _check_layout(layout), int(seed)
        self.dtype = _check_complex_dtype(dtype)
        if isinstance(nonideal, MeshNonideality):
            nonideal = asdict(nonideal)
        ni = MeshNonideality(**(nonideal or {}))
        self._nonideal = ni
        self.detector_noise = float(detector_noise)
        self.rank = min(self.in_features, self.out_features)
        self.v_mesh = self.add_module("v_mesh", MZIMesh(self.in_features, layout, True, "haar", self.seed,
                                                        self.dtype, asdict(ni), detector_noise))
        self.u_mesh = self.add_module("u_mesh", MZIMesh(self.out_features, layout, True, "haar", self.seed + 1,
                                                        self.dtype, asdict(ni.with_seed(ni.seed + 1)),
                                                        detector_noise))
        self.sigma = self.add_parameter("sigma", np.ones(self.rank, np.float64))
        self._v: np.ndarray | None = None

    def set_mode(self, mode: str) -> SVDLayer:
        """Set the mode of the layer and of both meshes."""
        super().set_mode(mode)
        self.v_mesh.set_mode(mode)
        self.u_mesh.set_mode(mode)
        return self

    def set_matrix(self, w: np.ndarray) -> None:
        """Program the layer to the (out x in) complex matrix ``w`` by SVD + mesh decomposition."""
        w = np.asarray(w, dtype=np.complex128)
        if w.shape != (self.out_features, self.in_features):
            raise ValueError(f"w must have shape {(self.out_features, self.in_features)}, got {w.shape}")
        u, s, vh = np.linalg.svd(w)
        self.u_mesh.set_unitary(u)
        self.v_mesh.set_unitary(vh)
        self.sigma.value[...] = s[: self.rank]

    def matrix(self, physical: bool = False) -> np.ndarray:
        """The (out x in) matrix the layer implements (complex128)."""
        s = np.zeros((self.out_features, self.in_features))
        s[np.arange(self.rank), np.arange(self.rank)] = self.sigma.value
        return self.u_mesh.matrix(physical) @ s @ self.v_mesh.matrix(physical)

    def _middle(self, v: np.ndarray) -> np.ndarray:
        self._v = v
        mid = np.zeros((v.shape[0], self.out_features), v.dtype)
        mid[:, : self.rank] = v[:, : self.rank] * self.sigma.value.astype(v.real.dtype)
        return mid

    def _middle_backward(self, g_mid: np.ndarray) -> np.ndarray:
        v = self._v
        r = self.rank
        # sigma_i scales the field: dL/dsigma_i = Re sum conj(g_i) v_i (read from the measured fields).
        self.sigma.grad += np.real(np.sum(np.conj(g_mid[:, :r]) * v[:, :r], axis=0))
        g_v = np.zeros((g_mid.shape[0], self.in_features), g_mid.dtype)
        g_v[:, :r] = g_mid[:, :r] * self.sigma.value.astype(g_mid.real.dtype)
        return g_v

    def _forward_twin(self, x: np.ndarray) -> np.ndarray:
        return self.u_mesh.forward(self._middle(self.v_mesh.forward(x)))

    _forward_physical = _forward_twin  # the submeshes pick twin/chip from their own mode

    def _backward_twin(self, grad_out: np.ndarray) -> np.ndarray:
        return self.v_mesh.backward(self._middle_backward(self.u_mesh.backward(grad_out)))

    def _backward_adjoint(self, grad_out: np.ndarray) -> np.ndarray:
        g_mid = self.u_mesh.backward_adjoint(grad_out)
        return self.v_mesh.backward_adjoint(self._middle_backward(g_mid))

    def config(self) -> dict[str, Any]:
        return {"in_features": self.in_features, "out_features": self.out_features, "layout": self.layout,
                "seed": self.seed, "dtype": self.dtype.name, "nonideal": asdict(self._nonideal),
                "detector_noise": self.detector_noise}


class ComplexEncoder(Module):
    """Real features (batch, n) -> complex field amplitudes, each sample scaled to ``power`` total.

    ``x_c = sqrt(power) * x / ||x||`` (the laser power is fixed; a zero sample stays zero).
    The vjp is the real part of the complex gradient through the normalisation.
    """

    def __init__(self, n_features: int, power: float = 1.0, dtype: Any = "complex64") -> None:
        super().__init__()
        if n_features < 1:
            raise ValueError(f"n_features must be >= 1, got {n_features}")
        if not np.isfinite(power) or power <= 0:
            raise ValueError(f"power must be > 0, got {power}")
        self.n_features, self.power = int(n_features), float(power)
        self.dtype = _check_complex_dtype(dtype)
        self._x: np.ndarray | None = None
        self._norm: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
            raise TypeError(f"x must be a real floating numpy array, got {getattr(x, 'dtype', type(x).__name__)}")
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"x must have shape (batch, {self.n_features}), got {x.shape}")
        x64 = x.astype(np.float64)
        norm = np.linalg.norm(x64, axis=1, keepdims=True)
        norm = np.where(norm > 0, norm, 1.0)
        self._x, self._norm = x64, norm
        return (np.sqrt(self.power) * x64 / norm).astype(self.dtype)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        g = np.real(grad_out).astype(np.float64)
        x, n = self._x, self._norm
        u = x / n
        # d(x/|x|) = (I - u u^T) / |x|
        gx = np.sqrt(self.power) * (g - u * np.sum(g * u, axis=1, keepdims=True)) / n
        return gx

    def config(self) -> dict[str, Any]:
        return {"n_features": self.n_features, "power": self.power, "dtype": self.dtype.name}


class EOActivation(Module):
    """Electro-optic activation of Williamson et al. 2020 (elementwise, complex in/out).

    ``f(z) = i sqrt(1 - alpha) exp(-i Theta) cos(Theta) z``, ``Theta = (g_phi |z|^2 + phi_b) / 2``;
    alpha: tapped power fraction; g_phi: rad of phase per unit detected power; phi_b: bias (rad).
    """

    def __init__(self, alpha: float = 0.1, g_phi: float = 0.05 * np.pi, phi_b: float = np.pi) -> None:
        super().__init__()
        if not 0 <= alpha < 1:
            raise ValueError(f"alpha must be in [0, 1), got {alpha}")
        self.alpha, self.g_phi, self.phi_b = float(alpha), float(g_phi), float(phi_b)
        self._z: np.ndarray | None = None

    def forward(self, z: np.ndarray) -> np.ndarray:
        if not isinstance(z, np.ndarray) or z.dtype not in _COMPLEX:
            raise TypeError(f"z must be a complex64/complex128 array, got {getattr(z, 'dtype', type(z).__name__)}")
        self._z = z
        return _core.eo_activation(z, self.alpha, self.g_phi, self.phi_b)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._z is None:
            raise RuntimeError("backward called before forward")
        g = np.asarray(grad_out).astype(self._z.dtype, copy=False)
        return _core.eo_activation_vjp(self._z, g, self.alpha, self.g_phi, self.phi_b)

    def config(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "g_phi": self.g_phi, "phi_b": self.phi_b}


class IntensityReadout(Module):
    """Photodetectors on the first ``n_outputs`` modes: ``out = gain * |y|^2`` (float64)."""

    def __init__(self, n_outputs: int, gain: float = 1.0) -> None:
        super().__init__()
        if n_outputs < 1:
            raise ValueError(f"n_outputs must be >= 1, got {n_outputs}")
        self.n_outputs, self.gain = int(n_outputs), float(gain)
        self._y: np.ndarray | None = None

    def forward(self, y: np.ndarray) -> np.ndarray:
        if not isinstance(y, np.ndarray) or y.dtype not in _COMPLEX:
            raise TypeError(f"y must be a complex64/complex128 array, got {getattr(y, 'dtype', type(y).__name__)}")
        if y.ndim != 2 or y.shape[1] < self.n_outputs:
            raise ValueError(f"y must have shape (batch, >= {self.n_outputs}), got {y.shape}")
        self._y = y
        return self.gain * np.abs(y[:, : self.n_outputs].astype(np.complex128)) ** 2

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        y = self._y
        g = np.zeros(y.shape, y.dtype)
        g[:, : self.n_outputs] = 2.0 * self.gain * np.asarray(grad_out) * y[:, : self.n_outputs]
        return g

    def config(self) -> dict[str, Any]:
        return {"n_outputs": self.n_outputs, "gain": self.gain}


class CoherentReadout(Module):
    """Coherent (homodyne) detection of the first ``n_outputs`` modes: ``out = [Re y, Im y]`` (float64)."""

    def __init__(self, n_outputs: int) -> None:
        super().__init__()
        if n_outputs < 1:
            raise ValueError(f"n_outputs must be >= 1, got {n_outputs}")
        self.n_outputs = int(n_outputs)
        self._shape: tuple[int, ...] | None = None
        self._dtype: np.dtype | None = None

    def forward(self, y: np.ndarray) -> np.ndarray:
        if not isinstance(y, np.ndarray) or y.dtype not in _COMPLEX:
            raise TypeError(f"y must be a complex64/complex128 array, got {getattr(y, 'dtype', type(y).__name__)}")
        if y.ndim != 2 or y.shape[1] < self.n_outputs:
            raise ValueError(f"y must have shape (batch, >= {self.n_outputs}), got {y.shape}")
        self._shape, self._dtype = y.shape, y.dtype
        z = y[:, : self.n_outputs].astype(np.complex128)
        return np.concatenate([z.real, z.imag], axis=1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        n = self.n_outputs
        g = np.zeros(self._shape, self._dtype)
        g[:, :n] = grad_out[:, :n] + 1j * grad_out[:, n:]
        return g

    def config(self) -> dict[str, Any]:
        return {"n_outputs": self.n_outputs}


class ModePad(Module):
    """Feed a (batch, n_in) field into the first n_in of n_out modes; the other inputs are dark."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        if not 1 <= n_in <= n_out:
            raise ValueError(f"need 1 <= n_in <= n_out, got n_in={n_in}, n_out={n_out}")
        self.n_in, self.n_out = int(n_in), int(n_out)

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(f"x must have shape (batch, {self.n_in}), got {x.shape}")
        out = np.zeros((x.shape[0], self.n_out), x.dtype)
        out[:, : self.n_in] = x
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(grad_out[:, : self.n_in])

    def config(self) -> dict[str, Any]:
        return {"n_in": self.n_in, "n_out": self.n_out}
