"""Linear and ideal-diode resistor networks: Kirchhoff, power, KKT, EP orders, determinism, bad inputs."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit.equilibrium.diode import DeepResistiveNetwork, DiodeNetwork, coordinate_descent_reference
from pnnkit.equilibrium.resistor import ResistorNetwork, laplacian_dense, random_connected_graph
from pnnkit.training.coupled_learning import output_error_gradient
from pnnkit.training.eqprop_resistive import ep_gradient


def _random_network(n=30, m=80, clamped=(0, 1, 2), seed=0):
    rng = np.random.default_rng(seed)
    edges = random_connected_graph(n, m, seed=seed)
    g = rng.uniform(0.1, 10.0, m)
    return edges, g, np.array(clamped)


def _dense_solve(n, edges, g, clamped, vc, cur):
    lap = laplacian_dense(n, edges, g)
    free = np.setdiff1d(np.arange(n), clamped)
    v = np.zeros((vc.shape[0], n))
    v[:, clamped] = vc
    rhs = cur[:, free] - vc @ lap[np.ix_(free, clamped)].T
    v[:, free] = np.linalg.solve(lap[np.ix_(free, free)], rhs.T).T
    return v


def test_kcl_at_every_free_node_and_dense_agreement():
    n = 30
    edges, g, cl = _random_network(n)
    rng = np.random.default_rng(1)
    vc = rng.uniform(-1, 1, (7, cl.size))
    cur = rng.normal(size=(7, n))
    net = ResistorNetwork(n, edges, g, cl)
    v = net.solve(vc, cur)
    # KCL: the net current leaving each free node through its resistors equals the injected current.
    out_current = v @ laplacian_dense(n, edges, g)
    free = net.free_nodes
    assert np.max(np.abs(out_current[:, free] - cur[:, free])) < 1e-10
    np.testing.assert_allclose(v, _dense_solve(n, edges, g, cl, vc, cur), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(v[:, cl], vc)


def test_voltage_divider_analytic():
    # 0 --g1-- 1 --g2-- 2 (ground): v1 = g1 V / (g1 + g2)
    net = ResistorNetwork(3, [[0, 1], [1, 2]], [2.0, 3.0], [0, 2])
    v = net.solve(np.array([[5.0, 0.0]]))
    assert v[0, 1] == pytest.approx(2.0 * 5.0 / 5.0, abs=1e-14)


def test_power_tellegen_and_energy_minimum():
    n = 25
    edges, g, cl = _random_network(n, 60, seed=3)
    rng = np.random.default_rng(4)
    net = ResistorNetwork(n, edges, g, cl)
    vc = rng.uniform(-1, 1, (4, cl.size))
    v = net.solve(vc)
    lap = net.laplacian()
    source_current = (v @ lap)[:, cl]  # current each source pushes into the network
    delivered = (source_current * v[:, cl]).sum(axis=1)  # power the sources deliver
    np.testing.assert_allclose(net.power_W(v), delivered, rtol=1e-12)
    np.testing.assert_allclose(net.power_W(v), (g * net.voltage_drops(v) ** 2).sum(axis=1), rtol=1e-14)
    # Tellegen: branch voltages of one state times branch currents of another = node sum.
    w = net.solve(rng.uniform(-1, 1, (4, cl.size)), rng.normal(size=(4, n)))
    lhs = (net.voltage_drops(v) * net.edge_currents(w)).sum(axis=1)
    np.testing.assert_allclose(lhs, (v * (w @ lap)).sum(axis=1), rtol=1e-10, atol=1e-12)
    # Minimum power: any perturbation of the free potentials dissipates more.
    for _ in range(5):
        d = np.zeros_like(v)
        d[:, net.free_nodes] = 1e-3 * rng.normal(size=(4, net.free_nodes.size))
        assert np.all(net.power_W(v + d) > net.power_W(v))


def test_refactorization_matches_fresh_network():
    n = 20
    edges, g, cl = _random_network(n, 50, seed=5)
    vc = np.random.default_rng(6).uniform(size=(3, cl.size))
    net = ResistorNetwork(n, edges, g, cl)
    g2 = g * np.random.default_rng(7).uniform(0.5, 2.0, g.size)
    net.conductance_S = g2
    np.testing.assert_allclose(net.solve(vc), ResistorNetwork(n, edges, g2, cl).solve(vc), atol=1e-13)


def test_parallel_edges_add_up():
    a = ResistorNetwork(3, [[0, 1], [0, 1], [1, 2]], [1.0, 2.0, 1.0], [0, 2]).solve(np.array([[1.0, 0.0]]))
    b = ResistorNetwork(3, [[0, 1], [1, 2]], [3.0, 1.0], [0, 2]).solve(np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(a, b, atol=1e-15)


@pytest.mark.parametrize("kind", ["linear", "diode"])
def test_determinism_one_vs_two_threads(kind):
    n = 200
    edges, g, cl = _random_network(n, 600, clamped=(0, 1, 2, 3), seed=8)
    rng = np.random.default_rng(9)
    vc = rng.uniform(-1, 1, (70, cl.size))
    if kind == "linear":
        net = ResistorNetwork(n, edges, g, cl)
        run = lambda: net.solve(vc)  # noqa: E731
    else:
        lo = np.where(rng.random(n) < 0.5, -0.2, -np.inf)
        net = DiodeNetwork(n, edges, g, cl, lo, np.full(n, 0.3))
        run = lambda: net.solve(vc)  # noqa: E731
    before = pnnkit.get_num_threads()
    try:
        pnnkit.set_num_threads(1)
        a = run()
        pnnkit.set_num_threads(2)
        b = run()
    finally:
        pnnkit.set_num_threads(before)
    np.testing.assert_array_equal(a, b)


def test_bad_inputs_raise_with_names():
    edges = np.array([[0, 1], [1, 2], [3, 4]])
    with pytest.raises(ValueError, match=r"conductance_S\[1\] = -1"):
        ResistorNetwork(5, edges, [1.0, -1.0, 1.0], [0])
    with pytest.raises(ValueError, match=r"conductance_S\[0\] = nan"):
        ResistorNetwork(5, edges, [np.nan, 1.0, 1.0], [0])
    with pytest.raises(ValueError, match=r"floating component: nodes \[3, 4\]"):
        ResistorNetwork(5, edges, [1.0, 1.0, 1.0], [0])
    with pytest.raises(ValueError, match=r"floating component: nodes \[5\]"):  # isolated node
        ResistorNetwork(6, [[0, 1], [1, 2], [2, 3], [3, 4]], np.ones(4), [0])
    with pytest.raises(ValueError, match="self-loop"):
        ResistorNetwork(3, [[0, 1], [1, 1]], [1.0, 1.0], [0])
    with pytest.raises(ValueError, match="outside"):
        ResistorNetwork(3, [[0, 1], [1, 7]], [1.0, 1.0], [0])
    with pytest.raises(TypeError, match="edges"):
        ResistorNetwork(3, [[0.0, 1.0], [1.0, 2.0]], [1.0, 1.0], [0])
    with pytest.raises(ValueError, match="edges must have shape"):
        ResistorNetwork(3, [0, 1, 2], [1.0, 1.0], [0])
    net = ResistorNetwork(3, [[0, 1], [1, 2]], [1.0, 1.0], [0, 2])
    with pytest.raises(ValueError, match="v_clamped"):
        net.solve(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="conductance_S"):
        net.conductance_S = [1.0, 0.0]
    with pytest.raises(ValueError, match="lower_V <= upper_V"):
        DiodeNetwork(3, [[0, 1], [1, 2]], [1.0, 1.0], [0], [0.0, 1.0, 0.0], [0.0, 0.5, 0.0])


# ---- diode networks ------------------------------------------------------------------------------------


def _diode_case(seed=0, n=25, m=70):
    rng = np.random.default_rng(seed)
    edges = random_connected_graph(n, m, seed=seed)
    g = rng.uniform(0.2, 5.0, m)
    cl = np.array([0, 1, 2])
    lo = np.where(rng.random(n) < 0.6, rng.uniform(-0.3, 0.0, n), -np.inf)
    hi = np.where(rng.random(n) < 0.6, rng.uniform(0.0, 0.3, n), np.inf)
    return edges, g, cl, lo, hi, rng


def test_qp_solution_satisfies_kkt():
    n = 25
    edges, g, cl, lo, hi, rng = _diode_case()
    net = DiodeNetwork(n, edges, g, cl, lo, hi, tol_V=1e-14)
    vc = rng.uniform(-1, 1, (6, 3))
    cur = 0.3 * rng.normal(size=(6, n))
    nudge = np.array([10, 11, 12])
    y = rng.uniform(-0.5, 0.5, (6, 3))
    beta = 0.7
    v = net.solve(vc, cur, nudge_nodes=nudge, beta=beta, targets=y)
    assert net.last_stats_["converged"]
    free = net.free_nodes
    # Gradient of the QP objective w.r.t. the free potentials.
    grad = v @ net.laplacian() - cur
    grad[:, nudge] += beta * (v[:, nudge] - y)
    vf, gf, l, h = v[:, free], grad[:, free], lo[free], hi[free]
    tol = 1e-9
    assert np.all(vf >= l - 1e-15) and np.all(vf <= h + 1e-15)  # primal feasibility
    at_lo, at_hi = np.isclose(vf, l, atol=1e-13), np.isclose(vf, h, atol=1e-13)
    inside = ~(at_lo | at_hi)
    assert np.max(np.abs(gf[inside])) < tol  # stationarity (KCL) inside
    assert np.all(gf[at_lo] > -tol) and np.all(gf[at_hi] < tol)  # diode currents >= 0 (dual feasible)
    assert at_lo.sum() + at_hi.sum() > 5, "the test case should have active diodes"

    # The constrained minimum: random feasible perturbations never lower the objective.
    def objective(u):
        du = net.voltage_drops(u)
        return (
            0.5 * (g * du * du).sum(1)
            - (cur[:, free] * u[:, free]).sum(1)
            + 0.5 * beta * ((u[:, nudge] - y) ** 2).sum(1)
        )

    f0 = objective(v)
    for _ in range(20):
        u = v.copy()
        u[:, free] = np.clip(vf + 0.05 * rng.normal(size=vf.shape), l, h)
        assert np.all(objective(u) >= f0 - 1e-12)


def test_diode_network_without_diodes_is_the_linear_network():
    n = 25
    edges, g, cl, _, _, rng = _diode_case(seed=2)
    vc = rng.uniform(-1, 1, (5, 3))
    cur = rng.normal(size=(5, n))
    a = DiodeNetwork(n, edges, g, cl, tol_V=1e-14).solve(vc, cur)
    b = ResistorNetwork(n, edges, g, cl).solve(vc, cur)
    np.testing.assert_allclose(a, b, atol=1e-10)


def test_same_iterates_as_numpy_reference_and_warns_when_unconverged():
    n = 25
    edges, g, cl, lo, hi, rng = _diode_case(seed=4)
    vc = rng.uniform(-1, 1, (20, 3))
    net = DiodeNetwork(n, edges, g, cl, lo, hi)
    with pytest.warns(RuntimeWarning, match=r"did not converge: 3 sweeps"):
        a = net.solve(vc, max_sweeps=3, tol_V=1e-300)
    b = coordinate_descent_reference(n, edges, g, cl, lo, hi, vc, n_sweeps=3)
    np.testing.assert_allclose(a, b, atol=1e-13)
    assert not net.last_stats_["converged"] and net.last_stats_["sweeps"] == 3


def test_warm_start_continues_the_same_iterates_and_non_finite_currents_raise():
    # 37 samples: one full block of 32 and a partial one, whose padding must not leak into the result.
    n = 25
    edges, g, cl, lo, hi, rng = _diode_case(seed=6)
    vc = rng.uniform(-1, 1, (37, 3))
    cur = rng.normal(size=(37, n))
    net = DiodeNetwork(n, edges, g, cl, lo, hi)
    with pytest.warns(RuntimeWarning):
        v4 = net.solve(vc, cur, max_sweeps=4, tol_V=1e-300)
        v8 = net.solve(vc, cur, max_sweeps=8, tol_V=1e-300)
        v4_4 = net.solve(vc, cur, v_init=v4, max_sweeps=4, tol_V=1e-300)
    # Gauss-Seidel's state is the potentials alone: four sweeps from v4 are sweeps 5..8, bit for bit.
    np.testing.assert_array_equal(v4_4, v8)
    np.testing.assert_array_equal(v8[:, cl], vc)
    bad = cur.copy()
    bad[33, 7] = np.nan
    with pytest.raises(ValueError, match=r"not finite \(samples 32\.\.36\)"):
        net.solve(vc, bad, max_sweeps=4, tol_V=1e-300)


def test_every_vector_isa_copy_gives_the_same_iterates(tmp_path):
    # The block solver picks AVX-512 / AVX2 / baseline at run time; PNNKIT_DIODE_ISA caps it. A random
    # graph (groups of one node) and a DRN (groups of 2 to 4 nodes), 37 samples (a partial block).
    import os
    import subprocess
    import sys

    script = (
        "import numpy as np, sys, warnings\n"
        "from pnnkit.equilibrium.diode import DeepResistiveNetwork, DiodeNetwork\n"
        "from pnnkit.equilibrium.resistor import random_connected_graph\n"
        "warnings.simplefilter('ignore')\n"
        "rng = np.random.default_rng(5)\n"
        "n = 30\n"
        "edges = random_connected_graph(n, 80, seed=5)\n"
        "lo = np.where(rng.random(n) < 0.5, -0.2, -np.inf)\n"
        "hi = np.where(rng.random(n) < 0.5, 0.2, np.inf)\n"
        "net = DiodeNetwork(n, edges, rng.uniform(0.2, 5.0, 80), [0, 1, 2], lo, hi)\n"
        "a = net.solve(rng.uniform(-1, 1, (37, 3)), max_sweeps=6, tol_V=1e-300)\n"
        "drn = DeepResistiveNetwork((8, 14, 3), seed=1)\n"
        "b = drn.network.solve(drn.input_voltages(rng.uniform(size=(37, 8))), max_sweeps=6, tol_V=1e-300)\n"
        "np.save(sys.argv[1], np.concatenate([a.ravel(), b.ravel()]))\n"
    )
    outs = []
    for isa in ("baseline", "avx2", "native"):
        path = tmp_path / f"{isa}.npy"
        env = dict(os.environ, PNNKIT_DIODE_ISA=isa)
        subprocess.run([sys.executable, "-c", script, str(path)], check=True, env=env)
        outs.append(np.load(path))
    # fused multiply-adds round differently from the baseline's separate ones, in the last bits only
    np.testing.assert_allclose(outs[1], outs[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(outs[2], outs[0], rtol=0, atol=1e-12)
    # and the baseline copy is the same coordinate descent as the numpy reference
    rng = np.random.default_rng(5)
    n = 30
    edges = random_connected_graph(n, 80, seed=5)
    lo = np.where(rng.random(n) < 0.5, -0.2, -np.inf)
    hi = np.where(rng.random(n) < 0.5, 0.2, np.inf)
    g = rng.uniform(0.2, 5.0, 80)
    ref = coordinate_descent_reference(n, edges, g, [0, 1, 2], lo, hi, rng.uniform(-1, 1, (37, 3)), n_sweeps=6)
    np.testing.assert_allclose(outs[0][: 37 * n], ref.ravel(), rtol=0, atol=1e-12)


def test_negative_nudge_must_keep_energy_convex():
    net = DiodeNetwork(3, [[0, 1], [1, 2]], [1.0, 1.0], [0])
    with pytest.raises(ValueError, match="non-convex"):
        net.solve(np.zeros((1, 1)), nudge_nodes=[2], beta=-2.0, targets=np.zeros((1, 1)))
    with pytest.raises(ValueError, match="clamped node"):
        net.solve(np.zeros((1, 1)), nudge_nodes=[0], beta=0.1, targets=np.zeros((1, 1)))


def test_deep_resistive_network_builder():
    m = DeepResistiveNetwork((3, 4, 6, 2), seed=1)
    assert m.n_nodes == 2 * 3 + 2 + 4 + 6 + 2
    assert len(m.edges) == 6 * 4 + 4 * 6 + 6 * 2 + 2 * (4 + 6 + 2)
    x = np.random.default_rng(0).uniform(size=(5, 3))
    vc = m.input_voltages(x)
    np.testing.assert_allclose(vc[:, 3:6], -vc[:, :3])
    v = m.free_state(x)
    h1 = m.layer_nodes[1]
    assert np.all(v[:, h1[:2]] >= 0) and np.all(v[:, h1[2:]] <= 0)  # excitatory / inhibitory diodes
    assert m.predict(x).shape == (5, 2)
    with pytest.raises(ValueError, match="x must have shape"):
        m.input_voltages(np.zeros((2, 4)))


def _order(errors, betas):
    return np.polyfit(np.log(betas), np.log(errors), 1)[0]


def test_ep_estimate_orders_on_diode_network():
    """EP vs finite differences of the loss: one-sided error O(beta), centered O(beta^2)."""
    m = DeepResistiveNetwork(
        (3, 6, 2), activation="clip", clip_V=0.15, gain=2.0, seed=3, tol_V=1e-14, max_sweeps=100_000
    )
    net = m.network
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(4, 3))
    y = rng.uniform(-0.5, 0.5, (4, 2))
    vc = m.input_voltages(x)
    g0 = net.conductance_S

    def loss(g):
        net.conductance_S = g
        return 0.5 * ((net.solve(vc)[:, m.output_nodes] - y) ** 2).sum(1).mean()

    h = 1e-6
    fd = np.array([(loss(g0 + h * e) - loss(g0 - h * e)) / (2 * h) for e in np.eye(g0.size)])
    net.conductance_S = g0
    v0 = net.solve(vc)
    hid = v0[:, m.layer_nodes[1]]
    assert np.any(np.isclose(np.abs(hid), 0.15)), "some diodes should conduct"
    betas = np.array([0.04, 0.02, 0.01])
    err = {
        mode: [np.linalg.norm(ep_gradient(net, vc, m.output_nodes, y, b, mode)[0] - fd) for b in betas]
        for mode in ("positive", "centered")
    }
    assert 0.8 < _order(err["positive"], betas) < 1.2
    assert 1.8 < _order(err["centered"], betas) < 2.2
    assert err["centered"][-1] < 0.05 * err["positive"][-1]


def test_ep_on_linear_network_matches_adjoint_gradient():
    n = 20
    edges, g, _ = _random_network(n, 50, seed=11)
    cl = np.array([0, 1, 2])
    out = np.array([5, 6])
    net = ResistorNetwork(n, edges, g, cl)
    rng = np.random.default_rng(12)
    vc = rng.uniform(-1, 1, (8, 3))
    y = rng.uniform(-0.5, 0.5, (8, 2))
    exact = output_error_gradient(net, vc, out, y)
    betas = np.array([0.1, 0.05, 0.025])
    err_pos = [np.linalg.norm(ep_gradient(net, vc, out, y, b, "positive")[0] - exact) for b in betas]
    assert 0.9 < _order(err_pos, betas) < 1.1
    # Current nudging keeps the linear network's states linear in beta: the centered estimate is exact.
    cen = ep_gradient(net, vc, out, y, 0.1, "centered")[0]
    np.testing.assert_allclose(cen, exact, rtol=1e-8, atol=1e-12 * np.abs(exact).max())


def test_ep_training_steps_lower_the_loss():
    from pnnkit.training.eqprop_resistive import EPResistiveTrainer

    rng = np.random.default_rng(0)
    x = rng.uniform(size=(32, 6))
    y = (x[:, 0] > x[:, 1]).astype(int)
    m = DeepResistiveNetwork((6, 8, 2), seed=0)
    tr = EPResistiveTrainer(m, lr=0.05, beta=0.2, mode="centered")
    losses = [tr.step(x, y) for _ in range(30)]
    assert losses[-1] < 0.8 * losses[0]
    assert np.all(m.conductance_S >= tr.g_min_S)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(deadline=None, max_examples=40)
@given(
    n=st.integers(3, 15), extra=st.integers(0, 20), n_clamped=st.integers(1, 3), seed=st.integers(0, 10_000)
)
def test_property_kcl_on_random_graphs(n, extra, n_clamped, seed):
    m = min(n - 1 + extra, n * (n - 1) // 2)
    edges = random_connected_graph(n, m, seed=seed)
    rng = np.random.default_rng(seed)
    g = 10.0 ** rng.uniform(-3, 3, m)  # six decades of conductance
    cl = rng.choice(n, size=min(n_clamped, n - 1), replace=False)
    vc = rng.uniform(-1, 1, (3, cl.size))
    cur = rng.normal(size=(3, n))
    net = ResistorNetwork(n, edges, g, cl)
    v = net.solve(vc, cur)
    resid = (v @ net.laplacian() - cur)[:, net.free_nodes]
    scale = g.sum() * np.abs(v).max() + np.abs(cur).max()
    assert np.max(np.abs(resid)) < 1e-10 * scale
    np.testing.assert_allclose(
        v, _dense_solve(n, edges, g, cl, vc, cur), atol=1e-9 * max(1.0, np.abs(v).max())
    )


def test_drn_layer_groups_match_node_by_node_coordinate_descent():
    # In a DRN the nodes of a layer share their neighbour lists, so the C++ sweep updates them in
    # groups sharing each neighbour load; every node must still see exactly the node-wise iterates.
    import warnings

    from pnnkit.equilibrium.diode import CoordinateDescentReference, DeepResistiveNetwork

    model = DeepResistiveNetwork((6, 9, 5), seed=1)
    x = np.random.default_rng(4).uniform(size=(40, 6))
    vc = model.input_voltages(x)
    net = model.network
    ref = CoordinateDescentReference(
        model.n_nodes, model.edges, net.conductance_S, net.clamped_nodes, net.lower_V, net.upper_V
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = net.solve(vc, max_sweeps=7, tol_V=1e-300)
    np.testing.assert_allclose(got, ref.solve(vc, 7), atol=1e-12)
