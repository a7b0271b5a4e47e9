"""Instruction-set copies of the free-space kernels (generic, AVX2+FMA, AVX-512): same results.

The copies run the same pocketfft algorithm (same factorisation and twiddles) in lanes of different
widths, with FMA contraction where the target has it, so they agree to float rounding, not bit for
bit. Tolerance (relative 2-norm of the difference): each 1-D FFT pass of length n has a relative
rounding error of about eps * log2(n) (Higham, Accuracy and Stability, sec. 24.1: the Cooley-Tukey
error grows like log2 n); one propagation is four passes (rows, columns, inverse columns, inverse
rows), a stack of L masks is L + 1 propagations, and each copy may err in either direction:

    tol = 2 * 4 * (L + 1) * log2(max(py, px)) * eps,

with eps the unit roundoff of the dtype. Each copy is also checked against the complex128 result.
Within one copy, results must be bit-identical for 1 and 2 threads.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pnnkit
import pytest
from pnnkit import _core
from pnnkit.optics.propagation import Propagator

LAM = 1.0e-6
SHAPE = (24, 20)  # not a multiple of the 8- or 16-wide lanes: partial lane blocks are exercised
DISTANCES_M = (5e-6, 7e-6, 3e-6, 6e-6)  # input step + 3 masks
N_LAYERS = len(DISTANCES_M) - 1
WIDE = [isa for isa in ("avx2", "avx512") if isa in _core.optics_kernel_isas()]


@pytest.fixture
def keep_isa() -> Iterator[None]:
    """Restore the kernel copy in use (the suite may run with PNNKIT_OPTICS_ISA set)."""
    isa = _core.optics_kernel_isa()
    yield
    _core.optics_set_kernel_isa(isa)


def _H(dtype: type, pad: bool, n_wl: int = 2) -> np.ndarray:
    lams = [LAM * (1 + 0.2 * w) for w in range(n_wl)]
    Hs = [Propagator(SHAPE, LAM, lams, d, pad=pad, dtype=dtype, warn=False).H for d in DISTANCES_M]
    return np.ascontiguousarray(np.stack(Hs))


def _problem(dtype: type, n_wl: int = 2, batch: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    shape_t = (N_LAYERS, n_wl, *SHAPE)
    t = (rng.uniform(0.3, 1, shape_t) * np.exp(1j * rng.uniform(0, 6, shape_t))).astype(dtype)
    x = (rng.normal(size=(batch, *SHAPE)) + 1j * rng.normal(size=(batch, *SHAPE))).astype(dtype)
    g = (rng.normal(size=(batch, *SHAPE)) + 1j * rng.normal(size=(batch, *SHAPE))).astype(dtype)
    return x, t, g


def _run_all(isa: str, dtype: type, pad: bool) -> dict[str, np.ndarray]:
    """Forward, vjp (input and mask gradients), adjoint and one propagation step in copy ``isa``."""
    _core.optics_set_kernel_isa(isa)
    H = _H(dtype, pad)
    stack = (_core.DiffractiveStack64 if dtype == np.complex64 else _core.DiffractiveStack128)(*SHAPE, H)
    x, t, g = _problem(dtype)
    out = stack.forward(x, t, True)
    gx, gt = stack.backward(g, True)
    return {"out": out, "gx": gx, "gt": gt, "adj": stack.adjoint(g, t),
            "step": _core.optics_propagate(x, np.ascontiguousarray(H[0])),
            "step_adj": _core.optics_propagate(x, np.ascontiguousarray(H[1]), True)}


def _tol(dtype: type, pad: bool) -> float:
    py, px = (2 * SHAPE[0], 2 * SHAPE[1]) if pad else SHAPE
    return 2 * 4 * (N_LAYERS + 1) * math.log2(max(py, px)) * float(np.finfo(dtype).eps) / 2


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm((a - b).ravel()) / np.linalg.norm(b.ravel()))


@pytest.mark.parametrize("pad", [True, False])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("isa", WIDE)
def test_wide_copy_matches_generic(isa: str, dtype: type, pad: bool, keep_isa: None) -> None:
    ref = _run_all("generic", np.complex128, pad)  # the float64 answer, for scale
    gen = _run_all("generic", dtype, pad)
    wide = _run_all(isa, dtype, pad)
    tol = _tol(dtype, pad)
    for key in ref:
        assert _rel(wide[key], gen[key]) <= tol, key
        assert _rel(wide[key], ref[key]) <= tol, key
        assert _rel(gen[key], ref[key]) <= tol, key


@pytest.mark.parametrize("isa", ["generic", *WIDE])
def test_threads_bit_identical_within_a_copy(isa: str, keep_isa: None, restore_threads: None) -> None:
    results = []
    for n in (1, 2):
        pnnkit.set_num_threads(n)
        results.append(_run_all(isa, np.complex64, True))
    for key in results[0]:
        np.testing.assert_array_equal(results[0][key], results[1][key], err_msg=key)


def test_kernel_choice_and_bad_names(keep_isa: None) -> None:
    isas = _core.optics_kernel_isas()
    assert "generic" in isas and _core.optics_kernel_isa() in isas
    for isa in isas:
        _core.optics_set_kernel_isa(isa)
        assert _core.optics_kernel_isa() == isa
    _core.optics_set_kernel_isa("auto")
    # The default is the widest copy this CPU runs (measured fastest, see bench/optics.py --only isa).
    assert _core.optics_kernel_isa() == next(i for i in ("avx512", "avx2", "generic") if i in isas)
    with pytest.raises(ValueError, match="isa"):
        _core.optics_set_kernel_isa("sse9")
    for isa in {"avx2", "avx512"} - set(isas):
        with pytest.raises(ValueError, match="isa"):
            _core.optics_set_kernel_isa(isa)


def test_environment_override() -> None:
    code = "from pnnkit import _core; print(_core.optics_kernel_isa())"
    env = dict(os.environ, PNNKIT_OPTICS_ISA="generic")
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "generic"


@pytest.mark.parametrize("isa", ["generic", *WIDE])
def test_zero_row_groups_are_skipped_exactly(isa: str, keep_isa: None) -> None:
    # Row groups that are all zero (an aperture, a detector-region adjoint source) skip their row
    # FFT; the result must still be the full step, and a NaN must not be mistaken for zero.
    _core.optics_set_kernel_isa(isa)
    rng = np.random.default_rng(3)
    ny, nx = 40, 36
    x = np.zeros((2, ny, nx), np.complex128)
    x[:, 17:22, 5:30] = rng.normal(size=(2, 5, 25)) + 1j * rng.normal(size=(2, 5, 25))
    H = Propagator((ny, nx), LAM, LAM, 20e-6, pad=True, dtype=np.complex128, warn=False).H
    pad = np.zeros((2, 2 * ny, 2 * nx), np.complex128)
    pad[:, :ny, :nx] = x
    ref = np.fft.ifft2(np.fft.fft2(pad) * H[0])[:, :ny, :nx]
    out = _core.optics_propagate(x, H)
    assert _rel(out, ref) <= 4 * math.log2(2 * ny) * float(np.finfo(np.float64).eps)
    x[1, 2, 3] = np.nan  # in a group that is otherwise zero
    out = _core.optics_propagate(x, H)
    assert np.all(np.isfinite(out[0])) and np.all(np.isnan(out[1]))


@pytest.mark.parametrize("shape", [(24, 20), (23, 19)])
@pytest.mark.parametrize("isa", ["generic", *WIDE])
def test_step_with_any_transfer_function(isa: str, shape: tuple[int, int], keep_isa: None) -> None:
    # Propagators' H have mirror-symmetric rows (y and py - y), which the column pass exploits;
    # an arbitrary H (here random, and random but made mirror-symmetric) must work as well.
    _core.optics_set_kernel_isa(isa)
    rng = np.random.default_rng(4)
    ny, nx = shape
    x = rng.normal(size=(3, ny, nx)) + 1j * rng.normal(size=(3, ny, nx))
    H = rng.normal(size=(2, ny, nx)) + 1j * rng.normal(size=(2, ny, nx))
    H[1, 1:] = 0.5 * (H[1, 1:] + H[1, 1:][::-1])
    assert np.array_equal(H[1, 1:], H[1, 1:][::-1]) and not np.array_equal(H[0, 1:], H[0, 1:][::-1])
    for adjoint in (False, True):
        Hs = np.conj(H) if adjoint else H
        ref = np.fft.ifft2(np.fft.fft2(x) * Hs[[0, 1, 0]])
        out = _core.optics_propagate(x, H, adjoint)
        assert _rel(out, ref) <= 8 * math.log2(max(shape)) * float(np.finfo(np.float64).eps)


@pytest.mark.parametrize("isa", WIDE)
def test_one_stack_follows_a_change_of_copy(isa: str, keep_isa: None) -> None:
    # A stack keeps H packed by the copy in use; switching copies must repack, not reuse.
    H = _H(np.complex64, True)
    x, t, g = _problem(np.complex64)
    fresh = {}
    for name in ("generic", isa):
        _core.optics_set_kernel_isa(name)
        s = _core.DiffractiveStack64(*SHAPE, H)
        fresh[name] = (s.forward(x, t, True), *s.backward(g, True), s.adjoint(g, t))
    stack = _core.DiffractiveStack64(*SHAPE, H)
    for name in ("generic", isa, "generic"):
        _core.optics_set_kernel_isa(name)
        got = (stack.forward(x, t, True), *stack.backward(g, True), stack.adjoint(g, t))
        for a, b in zip(got, fresh[name]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("isa", ["generic", *WIDE])
def test_paired_samples_equal_single_samples(isa: str, keep_isa: None) -> None:
    # With one wavelength the stack runs two samples per step (sharing each H block); every
    # sample's fields must be bit-identical to running it alone. Batch 19: forward pairs plus
    # one unpaired sample; backward has 16 chunks, three of them with a pair.
    _core.optics_set_kernel_isa(isa)
    H = _H(np.complex64, True, n_wl=1)
    x, t, g = _problem(np.complex64, n_wl=1, batch=19)
    stack = _core.DiffractiveStack64(*SHAPE, H)
    out = stack.forward(x, t, True)
    gx, gt = stack.backward(g, True)
    gt_sum = np.zeros(gt.shape, np.complex128)
    for b in range(19):
        np.testing.assert_array_equal(stack.forward(x[b:b + 1], t, True)[0], out[b])
        gxb, gtb = stack.backward(g[b:b + 1], True)
        np.testing.assert_array_equal(gxb[0], gx[b])
        gt_sum += gtb
    # Summed in another order: equal to float32 rounding of 19 terms.
    assert _rel(gt, gt_sum) <= 19 * float(np.finfo(np.float32).eps)
