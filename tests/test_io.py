"""Checkpoints: exact round trip, no pickle, refusal of foreign classes."""

from __future__ import annotations

import json

import numpy as np
import pnnkit.io as pio
import pnnkit.nn as nn
import pytest


def test_round_trip_is_bit_exact(tmp_path) -> None:
    m = nn.Sequential(nn.Linear(4, 3, seed=1), nn.Tanh(), nn.Linear(3, 2, seed=2, dtype=np.float32))
    rng = np.random.default_rng(0)
    for p in m.parameters():
        p.value[...] = rng.normal(size=p.shape)
    pio.save(tmp_path / "m.npz", m, metadata={"seed": 3, "note": "x"})
    m2, meta = pio.load(tmp_path / "m.npz")
    assert meta == {"seed": 3, "note": "x"}
    assert type(m2[1]) is nn.Tanh and m2[2].weight.value.dtype == np.float32
    for (n1, a), (n2, b) in zip(m.state_dict().items(), m2.state_dict().items()):
        assert n1 == n2
        np.testing.assert_array_equal(a, b)
    x = rng.normal(size=(5, 4))
    np.testing.assert_array_equal(m.forward(x), m2.forward(x))
    # The archive loads with pickle disabled and names only pnnkit classes.
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        assert "__meta__" in z.files
    assert pio.read_metadata(tmp_path / "m.npz")["model"]["class"] == "pnnkit.nn.layers.Sequential"


def test_foreign_class_is_refused(tmp_path) -> None:
    m = nn.Sequential(nn.Linear(2, 2))
    path = tmp_path / "m.npz"
    pio.save(path, m)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays["__meta__"].tobytes())
    meta["model"]["children"][0]["class"] = "os.system"
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="only name pnnkit classes"):
        pio.load(path)


def test_metadata_must_be_json(tmp_path) -> None:
    with pytest.raises(TypeError, match="JSON"):
        pio.save(tmp_path / "m.npz", nn.Linear(2, 2), metadata={"bad": object()})


def test_physical_device_state_and_mode_round_trip(tmp_path) -> None:
    import pnnkit
    from pnnkit.crossbar import AnalogLinear

    m = nn.Sequential(AnalogLinear(8, 4, seed=1), nn.ReLU(), AnalogLinear(4, 3, seed=2))
    pnnkit.substrate.set_mode(m, "physical")
    for layer in (m[0], m[2]):
        layer.program(seed=3)
        layer.drift_to(86400.0)
    pio.save(tmp_path / "m.npz", m)
    m2, _ = pio.load(tmp_path / "m.npz")
    assert [layer.mode for layer in pnnkit.substrate.physical_modules(m2)] == ["physical", "physical"]
    x = np.random.default_rng(0).random((5, 8))
    # Same programmed conductances, drift state and read counter -> the same noisy reads, bit for bit.
    np.testing.assert_array_equal(m.forward(x), m2.forward(x))
