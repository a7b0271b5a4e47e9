"""MZI meshes: unitarity, decomposition, adjoints, finite differences, in-situ gradients, chip statistics."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit import _core
from pnnkit.nn import Sequential, SoftmaxCrossEntropy
from pnnkit.optics.mzi import (
    CoherentReadout,
    ComplexEncoder,
    EOActivation,
    IntensityReadout,
    MeshNonideality,
    MZIMesh,
    SVDLayer,
    decompose,
    mesh_matrix,
    n_mzi,
    random_unitary,
)
from pnnkit.substrate import set_mode, total_queries
from pnnkit.training.insitu import adjoint_backward

LAYOUTS = ("clements", "reck")


def _cfield(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _phases(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = n_mzi(n)
    return rng.uniform(0, 2 * np.pi, k), rng.uniform(0, 2 * np.pi, k), rng.uniform(0, 2 * np.pi, n)


def _fd(f, p: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of scalar f with respect to every entry of the float array p."""
    out = np.zeros(p.shape)
    for i in range(p.size):
        d = np.zeros(p.size)
        d[i] = eps
        d = d.reshape(p.shape)
        out.flat[i] = (f(p + d) - f(p - d)) / (2 * eps)
    return out


# ---- geometry, unitarity, decomposition ----------------------------------------------------

@pytest.mark.parametrize("n", [2, 3, 4, 7, 10])
def test_geometry_counts_and_depth(n: int) -> None:
    for layout, depth in (("clements", n), ("reck", 2 * n - 3)):
        g = _core.mzi_geometry(n, layout)
        assert len(g["top"]) == n * (n - 1) // 2
        assert g["n_columns"] == (depth if n > 2 else 1)
        cols = g["column"]
        for c in range(g["n_columns"]):
            tops = g["top"][cols == c]
            modes = np.concatenate([tops, tops + 1])
            assert len(set(modes.tolist())) == len(modes), "MZIs of one column must act on disjoint modes"


def test_single_mzi_matches_documented_matrix() -> None:
    th, ph = 0.7, 2.1
    m = mesh_matrix(np.array([th]), np.array([ph]), None, 2)
    s, c = np.sin(th / 2), np.cos(th / 2)
    ref = 1j * np.exp(1j * th / 2) * np.array([[np.exp(1j * ph) * s, c], [np.exp(1j * ph) * c, -s]])
    np.testing.assert_allclose(m, ref, atol=1e-14)
    # and the physical description: B diag(e^{i theta}, 1) B diag(e^{i phi}, 1), B 50:50
    b = np.array([[1, 1j], [1j, 1]]) / np.sqrt(2)
    np.testing.assert_allclose(m, b @ np.diag([np.exp(1j * th), 1]) @ b @ np.diag([np.exp(1j * ph), 1]), atol=1e-14)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("n", [2, 5, 16])
def test_mesh_is_unitary_complex128(layout: str, n: int) -> None:
    rng = np.random.default_rng(n)
    th, ph, de = _phases(rng, n)
    u = mesh_matrix(th, ph, de, n, layout)
    assert np.abs(u.conj().T @ u - np.eye(n)).max() < 1e-12
    x = _cfield(rng, (9, n))
    y = _core.mzi_forward(x, th, ph, de, layout)
    np.testing.assert_allclose(np.linalg.norm(y, axis=1), np.linalg.norm(x, axis=1), rtol=1e-12)
    np.testing.assert_allclose(y, x @ u.T, atol=1e-12)


def test_complex64_default_matches_complex128() -> None:
    rng = np.random.default_rng(3)
    th, ph, de = _phases(rng, 8)
    x = _cfield(rng, (5, 8))
    y64 = _core.mzi_forward(x.astype(np.complex64), th, ph, de)
    y128 = _core.mzi_forward(x, th, ph, de)
    assert y64.dtype == np.complex64 and y128.dtype == np.complex128
    np.testing.assert_allclose(y64, y128, atol=2e-5)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("n", [1, 2, 3, 6, 9, 12])
def test_decomposition_round_trip(layout: str, n: int) -> None:
    u = random_unitary(n, seed=10 + n)
    th, ph, de = decompose(u, layout)
    assert np.all((th >= 0) & (th <= np.pi + 1e-12))
    np.testing.assert_allclose(mesh_matrix(th, ph, de, n, layout), u, atol=1e-12)
    # phases -> unitary -> phases -> the same unitary
    th2, ph2, de2 = decompose(mesh_matrix(th, ph, de, n, layout), layout)
    np.testing.assert_allclose(mesh_matrix(th2, ph2, de2, n, layout), u, atol=1e-12)


def test_decomposition_of_permutation_and_identity() -> None:
    for layout in LAYOUTS:
        for u in (np.eye(5), np.eye(5)[[3, 0, 4, 1, 2]], np.diag(np.exp(1j * np.arange(5)))):
            th, ph, de = decompose(u, layout)
            np.testing.assert_allclose(mesh_matrix(th, ph, de, 5, layout), u, atol=1e-12)


def test_decompose_rejects_non_unitary_and_non_square() -> None:
    with pytest.raises(ValueError, match="not unitary"):
        decompose(np.ones((3, 3)))
    with pytest.raises(ValueError, match="square"):
        decompose(np.eye(3)[:2])
    with pytest.raises(ValueError, match="layout"):
        decompose(np.eye(3), "butterfly")


# ---- adjoints and finite differences -----------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
def test_adjoint_identity(layout: str) -> None:
    rng = np.random.default_rng(5)
    n = 7
    th, ph, de = _phases(rng, n)
    x, w = _cfield(rng, (4, n)), _cfield(rng, (4, n))
    ux = _core.mzi_forward(x, th, ph, de, layout)
    uhw = _core.mzi_vjp(x, w, th, ph, de, layout)[0]
    lhs = np.vdot(w, ux)  # <U x, w> with the conjugate on w
    rhs = np.vdot(uhw, x)  # <x, U^H w>
    assert abs(lhs - rhs) < 1e-12 * abs(lhs)


NONIDEALS = [
    None,
    MeshNonideality(splitter_error_std_rad=0.05, seed=4),
    MeshNonideality(splitter_error_std_rad=0.03, loss_db_per_mzi=0.2, crosstalk=0.04, seed=9),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("ni", NONIDEALS)
def test_vjp_matches_finite_differences(layout: str, ni: MeshNonideality | None) -> None:
    rng = np.random.default_rng(11)
    n, b = 5, 3
    th, ph, de = _phases(rng, n)
    x, w = _cfield(rng, (b, n)), _cfield(rng, (b, n))
    core_ni = ni.to_core() if ni else None
    weights = np.arange(n, dtype=float)

    def loss(th, ph, de, x):
        y = _core.mzi_forward(x, th, ph, de, layout, core_ni)
        return float(np.sum(weights * np.abs(y) ** 2) + np.real(np.vdot(w, y)))

    y = _core.mzi_forward(x, th, ph, de, layout, core_ni)
    gy = 2 * weights * y + w
    gx, gt, gp, gd = _core.mzi_vjp(x, gy, th, ph, de, layout, core_ni)
    np.testing.assert_allclose(gt, _fd(lambda p: loss(p, ph, de, x), th), atol=1e-7)
    np.testing.assert_allclose(gp, _fd(lambda p: loss(th, p, de, x), ph), atol=1e-7)
    np.testing.assert_allclose(gd, _fd(lambda p: loss(th, ph, p, x), de), atol=1e-7)
    fd_re = _fd(lambda p: loss(th, ph, de, p + 1j * x.imag), x.real)
    fd_im = _fd(lambda p: loss(th, ph, de, x.real + 1j * p), x.imag)
    np.testing.assert_allclose(gx, fd_re + 1j * fd_im, atol=1e-7)


# ---- in-situ backpropagation --------------------------------------------------------------------

def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_insitu_equals_adjoint_gradient_ideal(layout: str) -> None:
    rng = np.random.default_rng(21)
    n, b = 8, 6
    th, ph, de = _phases(rng, n)
    x, gy = _cfield(rng, (b, n)), _cfield(rng, (b, n))
    ref = _core.mzi_vjp(x, gy, th, ph, de, layout)
    got = _core.mzi_insitu_gradient(x, gy, th, ph, de, layout)
    for r, g in zip(ref, got):
        assert _rel(g, r) < 1e-6


def test_insitu_is_exact_on_an_imbalanced_lossless_chip() -> None:
    # The three measurements only need reciprocity and unitarity, so coupler errors do not bias them.
    rng = np.random.default_rng(22)
    n = 6
    th, ph, de = _phases(rng, n)
    x, w = _cfield(rng, (4, n)), _cfield(rng, (4, n))
    chip = MeshNonideality(splitter_error_std_rad=0.1, seed=5).to_core()

    def loss(th):
        return float(np.real(np.vdot(w, _core.mzi_forward(x, th, ph, de, "clements", chip))))

    _, gt, _, _ = _core.mzi_insitu_gradient(x, w, th, ph, de, "clements", chip)
    assert _rel(gt, _fd(loss, th)) < 1e-6


def test_conjugate_reference_pass_removes_the_loss_bias() -> None:
    rng = np.random.default_rng(28)
    n = 16
    th, ph, de = _phases(rng, n)
    x, gy = _cfield(rng, (8, n)), _cfield(rng, (8, n))
    lossless = _core.mzi_insitu_gradient(x, gy, th, ph, de, "clements", None)
    four = _core.mzi_insitu_gradient(x, gy, th, ph, de, "clements", None, 0.0, 0, 0, True)
    for a, b in zip(four, lossless):
        assert _rel(a, b) < 1e-9  # without loss the 4th pass reads exactly |E_adj|^2
    chip = MeshNonideality(loss_db_per_mzi=0.1).to_core()
    exact = np.concatenate(_core.mzi_vjp(x, gy, th, ph, de, "clements", chip)[1:])
    three = np.concatenate(_core.mzi_insitu_gradient(x, gy, th, ph, de, "clements", chip)[1:])
    four = np.concatenate(_core.mzi_insitu_gradient(x, gy, th, ph, de, "clements", chip, 0.0, 0, 0, True)[1:])

    def cos(a, b):
        return a @ b / np.linalg.norm(a) / np.linalg.norm(b)

    assert cos(four, exact) > 0.99
    assert cos(four, exact) > cos(three, exact) + 0.05


def test_insitu_detector_noise_statistics() -> None:
    # One sample, one reading triple per phase shifter: the gradient error is
    # (n_int - n_fwd - n_adj) / (2 scale), std sqrt(3) sigma / (2 scale), sigma = noise * |x|^2,
    # scale = |x| / |grad_y|.
    rng = np.random.default_rng(23)
    n, noise, draws = 4, 1e-2, 400
    th, ph, de = _phases(rng, n)
    x, gy = _cfield(rng, (1, n)), _cfield(rng, (1, n))
    exact = _core.mzi_vjp(x, gy, th, ph, de)[1]
    samples = np.array([_core.mzi_insitu_gradient(x, gy, th, ph, de, "clements", None, noise, 7, i)[1]
                        for i in range(draws)])
    px, pg = np.sum(np.abs(x) ** 2), np.sum(np.abs(gy) ** 2)
    sd = np.sqrt(3) * noise * px / (2 * np.sqrt(px / pg))
    err = samples - exact
    # mean: |mean| < 4 sd / sqrt(draws); variance within 4 standard errors (sqrt(2/draws))
    assert np.all(np.abs(err.mean(axis=0)) < 4 * sd / np.sqrt(draws))
    ratio = err.var(axis=0) / sd**2
    assert np.all(np.abs(ratio - 1) < 4 * np.sqrt(2 / draws))


def test_network_insitu_backward_equals_twin_backward() -> None:
    # A 2-mesh network with digital glue: in-situ gradients on an ideal chip equal backprop.
    rng = np.random.default_rng(24)
    def build():
        return Sequential(ComplexEncoder(6, power=4.0, dtype="complex128"),
                          MZIMesh(6, seed=1, dtype="complex128"), EOActivation(g_phi=0.8),
                          MZIMesh(6, layout="reck", seed=2, dtype="complex128"), IntensityReadout(3, gain=5.0))
    model = build()
    x = rng.uniform(0, 1, (10, 6))
    labels = rng.integers(0, 3, 10)
    loss = SoftmaxCrossEntropy()
    set_mode(model, "twin")
    loss.forward(model.forward(x), labels)
    model.zero_grad()
    g_twin_x = model.backward(loss.backward())
    twin = {k: p.grad.copy() for k, p in model.named_parameters()}
    set_mode(model, "physical")
    loss.forward(model.forward(x), labels)
    model.zero_grad()
    g_situ_x = adjoint_backward(model, loss.backward())
    # relative to the largest gradient: the last mesh's output phases have (exactly) zero gradient
    # under intensity readout, so an entrywise relative error is meaningless there.
    scale = max(np.abs(v).max() for v in twin.values())
    for k, p in model.named_parameters():
        assert np.abs(p.grad - twin[k]).max() < 1e-6 * scale, k
    assert _rel(g_situ_x, g_twin_x) < 1e-6
    q = total_queries(model)
    assert q == {"forward": 20, "adjoint": 20, "interference": 20}


def test_module_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(25)
    model = Sequential(ComplexEncoder(4, power=2.0, dtype="complex128"), MZIMesh(4, seed=3, dtype="complex128"),
                       EOActivation(g_phi=1.3, phi_b=2.0), SVDLayer(4, 3, seed=4, dtype="complex128"),
                       CoherentReadout(3))
    x = rng.uniform(0.1, 1, (3, 4))
    w = rng.standard_normal((3, 6))

    def loss() -> float:
        return float(np.sum(w * model.forward(x)))

    model.zero_grad()
    model.forward(x)
    model.backward(w)
    for name, p in model.named_parameters():
        v0 = p.value.copy()

        def f(v, p=p):
            p.value[...] = v
            return loss()

        fd = _fd(f, v0)
        p.value[...] = v0
        np.testing.assert_allclose(p.grad, fd, atol=1e-7, err_msg=name)


def test_svd_layer_programs_an_arbitrary_matrix() -> None:
    rng = np.random.default_rng(26)
    for shape in ((3, 5), (5, 3), (4, 4)):
        w = _cfield(rng, shape)
        layer = SVDLayer(shape[1], shape[0], seed=1, dtype="complex128")
        layer.set_matrix(w)
        np.testing.assert_allclose(layer.matrix(), w, atol=1e-12)
        x = _cfield(rng, (2, shape[1]))
        np.testing.assert_allclose(layer.forward(x), x @ w.T, atol=1e-12)


def test_eo_activation_vjp_matches_finite_differences() -> None:
    rng = np.random.default_rng(27)
    z, w = _cfield(rng, (3, 4)), _cfield(rng, (3, 4))
    kw = dict(alpha=0.2, g_phi=0.9, phi_b=1.1)

    def loss(zz):
        return float(np.real(np.vdot(w, _core.eo_activation(zz, **kw))))

    g = _core.eo_activation_vjp(z, w, **kw)
    fd = _fd(lambda p: loss(p + 1j * z.imag), z.real) + 1j * _fd(lambda p: loss(z.real + 1j * p), z.imag)
    np.testing.assert_allclose(g, fd, atol=1e-7)
    # transmission: |f|^2 = (1 - alpha) cos^2(Theta) |z|^2
    f = _core.eo_activation(z, **kw)
    theta = (kw["g_phi"] * np.abs(z) ** 2 + kw["phi_b"]) / 2
    np.testing.assert_allclose(np.abs(f) ** 2, (1 - kw["alpha"]) * np.cos(theta) ** 2 * np.abs(z) ** 2, rtol=1e-12)


# ---- physical chip: statistics and determinism ------------------------------------------------

def test_coupler_imbalance_statistics_and_seeding() -> None:
    ni = MeshNonideality(splitter_error_std_rad=0.02, seed=1)
    beta = _core.mzi_coupler_angles(64, "clements", ni.to_core())
    n = beta.size  # 2 * 2016 couplers
    err = beta - np.pi / 4
    assert abs(err.mean()) < 4 * 0.02 / np.sqrt(n)
    assert abs(err.std() / 0.02 - 1) < 4 / np.sqrt(2 * n)
    again = _core.mzi_coupler_angles(64, "clements", ni.to_core())
    other = _core.mzi_coupler_angles(64, "clements", ni.with_seed(2).to_core())
    np.testing.assert_array_equal(beta, again)
    assert not np.allclose(beta, other)
    # an imbalanced but lossless chip is still unitary
    rng = np.random.default_rng(0)
    th, ph, de = _phases(rng, 8)
    u = mesh_matrix(th, ph, de, 8, "clements", MeshNonideality(splitter_error_std_rad=0.1, seed=3))
    assert np.abs(u.conj().T @ u - np.eye(8)).max() < 1e-12


def test_insertion_loss_per_mzi() -> None:
    rng = np.random.default_rng(1)
    x = _cfield(rng, (5, 2))
    y = _core.mzi_forward(x, np.array([0.4]), np.array([1.0]), None, "clements",
                          MeshNonideality(loss_db_per_mzi=0.5).to_core())
    np.testing.assert_allclose(np.sum(np.abs(y) ** 2, axis=1), 10 ** (-0.05) * np.sum(np.abs(x) ** 2, axis=1),
                               rtol=1e-12)


def test_phase_quantization_and_crosstalk() -> None:
    rng = np.random.default_rng(2)
    n = 8
    th, ph, de = _phases(rng, n)
    step = 2 * np.pi / 2**5
    te, pe, dq = _core.mzi_effective_phases(n, "clements", th, ph, de, MeshNonideality(phase_bits=5).to_core())
    for q, p in ((te, th), (pe, ph), (dq, de)):
        np.testing.assert_allclose(q / step, np.round(q / step), atol=1e-9)
        assert np.all(np.abs(q - p) <= step / 2 + 1e-12)
    c = 0.03
    te, pe, _ = _core.mzi_effective_phases(n, "clements", th, ph, de, MeshNonideality(crosstalk=c).to_core())
    g = _core.mzi_geometry(n, "clements")
    ref = th.copy()
    for k in range(len(th)):
        for nb in (g["neighbor_lo"][k], g["neighbor_hi"][k]):
            if nb >= 0:
                ref[k] += c * th[nb]
    np.testing.assert_allclose(te, ref, atol=1e-14)


def test_thread_count_does_not_change_results() -> None:
    rng = np.random.default_rng(3)
    n = 12
    th, ph, de = _phases(rng, n)
    x, gy = _cfield(rng, (70, n)).astype(np.complex64), _cfield(rng, (70, n)).astype(np.complex64)
    chip = MeshNonideality(splitter_error_std_rad=0.02, crosstalk=0.01, seed=3).to_core()
    prev = pnnkit.get_num_threads()
    try:
        outs = []
        for nt in (1, 2):
            pnnkit.set_num_threads(nt)
            outs.append((_core.mzi_forward(x, th, ph, de, "clements", chip),
                         *_core.mzi_vjp(x, gy, th, ph, de, "clements", chip),
                         *_core.mzi_insitu_gradient(x, gy, th, ph, de, "clements", chip, 1e-3, 5, 0)))
    finally:
        pnnkit.set_num_threads(prev)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


# ---- modules, modes, bad inputs ---------------------------------------------------------------

def test_modes_and_pat_uses_the_measured_input() -> None:
    rng = np.random.default_rng(4)
    mesh = MZIMesh(5, seed=2, dtype="complex128", nonideal={"splitter_error_std_rad": 0.1, "seed": 1})
    x = _cfield(rng, (3, 5))
    y_twin = mesh.set_mode("twin").forward(x)
    y_phys = mesh.set_mode("physical").forward(x)
    assert np.abs(y_twin - y_phys).max() > 1e-3
    np.testing.assert_allclose(y_twin, x @ mesh.matrix().T, atol=1e-12)
    np.testing.assert_allclose(y_phys, x @ mesh.matrix(physical=True).T, atol=1e-12)
    assert mesh.queries["forward"] == 3
    mesh.set_mode("pat").forward(x)
    mesh.zero_grad()
    gx = mesh.backward(np.ones_like(x))
    np.testing.assert_allclose(gx, np.ones_like(x) @ mesh.matrix().conj(), atol=1e-12)  # twin U^H g


def test_bad_inputs_raise_clearly() -> None:
    rng = np.random.default_rng(5)
    th, ph, de = _phases(rng, 4)
    x = _cfield(rng, (2, 4))
    with pytest.raises(ValueError, match="theta has 5 entries but the mesh has 6 MZIs"):
        _core.mzi_forward(x, th[:5], ph, de)
    with pytest.raises(ValueError, match="delta has 3 entries"):
        _core.mzi_forward(x, th, ph, de[:3])
    with pytest.raises(TypeError, match="x must be complex64 or complex128"):
        _core.mzi_forward(x.real, th, ph, de)
    with pytest.raises(ValueError, match="x must be a 2-D array"):
        _core.mzi_forward(x[0], th, ph, de)
    with pytest.raises(ValueError, match="layout"):
        _core.mzi_forward(x, th, ph, de, "triangle")
    with pytest.raises(ValueError, match="grad_y"):
        _core.mzi_vjp(x, x[:1], th, ph, de)
    with pytest.raises(TypeError, match="same dtype"):
        _core.mzi_vjp(x, x.astype(np.complex64), th, ph, de)
    mesh = MZIMesh(4)
    with pytest.raises(ValueError, match=r"shape \(batch, 4\) for a 4-mode mesh"):
        mesh.forward(_cfield(rng, (2, 5)).astype(np.complex64))
    with pytest.raises(TypeError, match="ComplexEncoder"):
        mesh.forward(np.ones((2, 4)))
    with pytest.raises(TypeError, match="dtype must be complex64 or complex128"):
        MZIMesh(4, dtype="float32")
    with pytest.raises(ValueError, match="n_modes"):
        MZIMesh(0)
    with pytest.raises(ValueError, match="splitter_error_std_rad"):
        MeshNonideality(splitter_error_std_rad=-1.0)
    with pytest.raises(ValueError, match="phase_bits"):
        MeshNonideality(phase_bits=40)
    with pytest.raises(ValueError, match="crosstalk"):
        _core.MziNonideality(crosstalk=0.7)
    with pytest.raises(ValueError, match="detector_noise"):
        _core.mzi_insitu_gradient(x, x, th, ph, de, "clements", None, -1.0)
    with pytest.raises(ValueError, match="adjoint"):
        class NoAdjoint(MZIMesh):
            capabilities = frozenset({"twin"})
        adjoint_backward(Sequential(NoAdjoint(4)), x)


# ---- the training job -----------------------------------------------------------------------

@pytest.mark.parametrize("method", ["insilico", "pat", "insitu"])
def test_mzi_job_trains_and_counts_queries(method: str) -> None:
    from pnnkit.datasets import load_digits
    from pnnkit.jobs.mzi import MziJobConfig, train

    data = load_digits().subset(n_train=48, n_test=16)
    cfg = MziJobConfig(epochs=1, batch_size=16)
    out = train(method, data, cfg)
    r = out["results"]
    assert 0.0 <= r["test_acc"] <= 1.0 and 0.0 <= r["twin_test_acc"] <= 1.0
    # per epoch: 2 meshes x (48 train forwards [+ 2 x 48 adjoint/interference in situ] + 16 validation forwards)
    expected = {"insilico": 2 * 16, "pat": 2 * (48 + 16), "insitu": 2 * (3 * 48 + 16)}[method]
    assert r["train_physical_queries"] == expected
    assert len(out["history"].rows) == 1


def test_mode_pad_and_job_with_more_modes() -> None:
    from pnnkit.jobs.mzi import MziJobConfig, build_model
    from pnnkit.optics.mzi import ModePad

    pad = ModePad(3, 5)
    x = np.ones((2, 3), np.complex64)
    assert pad.forward(x).shape == (2, 5)
    np.testing.assert_array_equal(pad.backward(np.arange(10).reshape(2, 5)), [[0, 1, 2], [5, 6, 7]])
    model = build_model(6, 3, MziJobConfig(n_modes=8))
    assert model.forward(np.random.default_rng(0).uniform(0, 1, (4, 6))).shape == (4, 3)
    with pytest.raises(ValueError, match="smaller than the 6 input features"):
        build_model(6, 3, MziJobConfig(n_modes=4))


def test_mzi_job_evaluate_on_other_chips() -> None:
    import argparse

    from pnnkit.datasets import load_digits
    from pnnkit.jobs.mzi import MziJobConfig, build_model, evaluate

    data = load_digits().subset(n_train=16, n_test=40)
    model = build_model(64, 10, MziJobConfig(splitter_error_std_rad=0.2, chip_seed=3))
    r = evaluate(model, data, argparse.Namespace(chip_seeds="3,4"), {})
    assert r["chip3_test_acc"] == r["test_acc"]  # seed 3 is the trained-on chip
    assert set(r) == {"twin_test_acc", "test_acc", "chip3_test_acc", "chip4_test_acc"}
    assert [m.nonideal.seed for m in model.layers if isinstance(m, MZIMesh)] == [3, 4]
