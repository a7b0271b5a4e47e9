"""pnnkit: simulate and train physical neural networks.

Fast C++ substrates (analog crossbars, optics, equilibrium networks, ...) each with a
seeded *physical* model and an ideal differentiable *twin*, plus the training methods of
the field in a thin numpy layer.
"""

from __future__ import annotations

try:
    from . import _core
except ImportError as exc:  # pragma: no cover - only when the package was not built
    raise ImportError(
        "pnnkit's compiled core (pnnkit._core) could not be loaded. Install the package with "
        "`pip install .` (or `pip install -e .`) from the repository root so that the C++ "
        f"extension is built and matches the sources. Original error: {exc}"
    ) from exc

__version__ = "0.1.0"


def set_num_threads(n: int) -> None:
    """Set the number of OpenMP threads every pnnkit kernel uses (``n >= 1``).

    Results do not depend on it: all noise comes from a counter-based generator.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """Number of threads pnnkit kernels use."""
    return int(_core.get_num_threads())


def build_info() -> dict:
    """What the compiled core contains: version, OpenMP, compiled substrates."""
    return {
        "version": __version__,
        "core_version": _core.__version__,
        "openmp": bool(_core.has_openmp()),
        "substrates": list(_core.compiled_substrates),
        "num_threads": get_num_threads(),
    }


from . import datasets, io, nn, substrate, training  # noqa: E402  (pure Python, cheap)

_SUBSTRATE_PACKAGES = ("crossbar", "optics", "equilibrium")


def __getattr__(name: str):  # lazy import of the substrate subpackages: pnnkit.optics etc.
    if name in _SUBSTRATE_PACKAGES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'pnnkit' has no attribute {name!r}")


__all__ = ["set_num_threads", "get_num_threads", "build_info", "__version__", "nn", "datasets", "io",
           "substrate", "training", "crossbar", "optics", "equilibrium"]
