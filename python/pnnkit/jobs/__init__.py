"""Job definitions behind ``pnnkit train``: one module per substrate.

A job module provides ``METHODS`` (tuple of method names), ``add_arguments(parser)`` for its
own options and ``run(args, data, progress) -> dict`` returning ``{"model", "history",
"results", "config"}``. Optionally ``add_eval_arguments(parser)`` and
``evaluate(model, data, args, metadata) -> dict`` for ``pnnkit eval``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: substrate name -> job modules (tried in order; the first whose METHODS has the method wins).
JOBS: dict[str, tuple[str, ...]] = {
    "crossbar": ("crossbar", "crossbar_pulsed"),
    "diffractive": ("diffractive",),
    "mzi": ("mzi",),
    "hopfield": ("hopfield",),
    "resistor": ("resistor",),
}


def available_jobs() -> dict[str, ModuleType]:
    """Job modules that import in this build, by module name."""
    out = {}
    for names in JOBS.values():
        for name in names:
            try:
                out[name] = importlib.import_module(f"{__name__}.{name}")
            except (ImportError, AttributeError):
                # A subset build (PNNKIT_SUBSTRATES) lacks that substrate's kernels.
                continue
    return out


def methods_for(substrate: str) -> list[str]:
    """Every method some job module offers for ``substrate``."""
    jobs = available_jobs()
    return [m for name in JOBS.get(substrate, ()) if name in jobs for m in jobs[name].METHODS]


def job_for(substrate: str, method: str) -> ModuleType:
    """The job module that trains ``substrate`` with ``method``; ValueError naming the choices."""
    if substrate not in JOBS:
        raise ValueError(f"unknown substrate {substrate!r}; choose one of {sorted(JOBS)}")
    jobs = available_jobs()
    for name in JOBS[substrate]:
        if name in jobs and method in jobs[name].METHODS:
            return jobs[name]
    raise ValueError(f"method {method!r} is not available for substrate {substrate!r}; "
                     f"choose one of {methods_for(substrate)}")
