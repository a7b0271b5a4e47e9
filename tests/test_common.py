"""Counter-based RNG and thread control."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit import _core


def test_philox_known_answers() -> None:
    # Known-answer vectors of Philox4x32-10 from Random123 (kat_vectors).
    assert _core.philox4x32([0, 0, 0, 0], [0, 0]) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
    assert _core.philox4x32([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0]) == [
        0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]


def test_normals_have_unit_moments() -> None:
    n = 400_000
    z = _core.philox_normal(7, 3, n)
    # 5-sigma bands from the sampling distributions of the mean, variance and kurtosis.
    assert abs(z.mean()) < 5 / np.sqrt(n)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    assert abs(np.mean(z**4) - 3) < 5 * np.sqrt(96 / n)


def test_uniforms_in_open_interval_and_uniform() -> None:
    n = 200_000
    u = _core.philox_uniform(1, 0, n)
    assert u.min() > 0 and u.max() < 1
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    expected = n / 20
    chi2 = np.sum((counts - expected) ** 2 / expected)
    assert chi2 < 60  # chi-square with 19 dof: P(chi2 > 60) ~ 4e-6


def test_streams_and_seeds_differ() -> None:
    a = _core.philox_normal(1, 0, 1000)
    assert not np.allclose(a, _core.philox_normal(1, 1, 1000))
    assert not np.allclose(a, _core.philox_normal(2, 0, 1000))
    np.testing.assert_array_equal(a, _core.philox_normal(1, 0, 1000))


def test_same_numbers_for_any_thread_count(restore_threads: None) -> None:
    pnnkit.set_num_threads(1)
    a = _core.philox_normal(11, 5, 100_003)
    pnnkit.set_num_threads(2)
    b = _core.philox_normal(11, 5, 100_003)
    np.testing.assert_array_equal(a, b)
    # A prefix is the same sequence (element i depends only on its index).
    np.testing.assert_array_equal(a[:17], _core.philox_normal(11, 5, 17))


def test_thread_control_validates(restore_threads: None) -> None:
    with pytest.raises(ValueError, match="n must be >= 1"):
        pnnkit.set_num_threads(0)
    with pytest.raises(TypeError, match="n must be an int"):
        pnnkit.set_num_threads(1.5)  # type: ignore[arg-type]
    pnnkit.set_num_threads(1)
    assert pnnkit.get_num_threads() == 1
    info = pnnkit.build_info()
    assert info["num_threads"] == 1 and isinstance(info["openmp"], bool)
