"""Checkpoints without pickle: one ``.npz`` holding every array plus a JSON description.

Layout of the archive:

``__meta__``
    UTF-8 JSON (as a uint8 array): format version, pnnkit version, the module tree
    (class path + ``config()`` per module), and user metadata (run config, seeds, ...).
``param/<dotted name>``
    trainable parameters, bit-exact.
``extra/<module path>/<key>``
    each module's ``extra_state()`` (e.g. programmed conductances, drift exponents,
    drift-compensation factors, read counters).

Loading imports only classes from the ``pnnkit`` package, rebuilds each module from its
config and restores arrays with ``allow_pickle=False``, so a checkpoint cannot run code.
"""

from __future__ import annotations

import importlib
import json
import os
from typing import Any

import numpy as np

from .nn.layers import Sequential
from .nn.module import Module
from .substrate import PhysicalModule

FORMAT_VERSION = 1


def _class_path(obj: Module) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _describe(module: Module) -> dict[str, Any]:
    node: dict[str, Any] = {"class": _class_path(module), "config": module.config()}
    if isinstance(module, Sequential):
        node["children"] = [_describe(m) for m in module.layers]
    return node


def _import_class(path: str) -> type:
    mod_name, _, cls_name = path.rpartition(".")
    if not (mod_name == "pnnkit" or mod_name.startswith("pnnkit.")):
        raise ValueError(f"refusing to import {path!r}: checkpoints may only name pnnkit classes")
    cls = getattr(importlib.import_module(mod_name), cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise ValueError(f"{path!r} is not a pnnkit Module class")
    return cls


def _build(node: dict[str, Any]) -> Module:
    cls = _import_class(node["class"])
    if "children" in node:
        return cls(*[_build(c) for c in node["children"]])
    return cls(**node["config"])


def save(path: str | os.PathLike, model: Module, metadata: dict[str, Any] | None = None) -> None:
    """Write ``model`` (structure, parameters, device state) and JSON ``metadata`` to ``path`` (.npz)."""
    from . import __version__

    arrays: dict[str, np.ndarray] = {}
    for name, p in model.named_parameters():
        arrays["param/" + name] = p.value
    for mpath, m in model.named_modules():
        for key, value in m.extra_state().items():
            arrays[f"extra/{mpath}/{key}"] = np.asarray(value)
    # Physical layers come back in the mode they were saved in (twin / physical / pat).
    modes = {mpath: m.mode for mpath, m in model.named_modules() if isinstance(m, PhysicalModule)}
    meta = {"format": FORMAT_VERSION, "pnnkit_version": __version__, "numpy_version": np.__version__,
            "model": _describe(model), "modes": modes, "metadata": metadata or {}}
    try:
        meta_bytes = json.dumps(meta).encode("utf-8")
    except TypeError as exc:
        raise TypeError(f"checkpoint metadata/config must be JSON-serialisable: {exc}") from exc
    arrays["__meta__"] = np.frombuffer(meta_bytes, dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON part of a checkpoint (no arrays are loaded)."""
    with np.load(path, allow_pickle=False) as z:
        return json.loads(z["__meta__"].tobytes().decode("utf-8"))


def load(path: str | os.PathLike) -> tuple[Module, dict[str, Any]]:
    """Rebuild the model saved at ``path``; returns ``(model, metadata)``. Round trip is bit-exact."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(z["__meta__"].tobytes().decode("utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported checkpoint format {meta.get('format')!r} (expected {FORMAT_VERSION})")
        model = _build(meta["model"])
        params = {k[len("param/"):]: z[k] for k in z.files if k.startswith("param/")}
        extras: dict[str, dict[str, np.ndarray]] = {}
        for k in z.files:
            if k.startswith("extra/"):
                mpath, _, key = k[len("extra/"):].rpartition("/")
                extras.setdefault(mpath, {})[key] = z[k]
    model.load_state_dict(params)
    modules = dict(model.named_modules())
    for mpath, state in extras.items():
        if mpath not in modules:
            raise ValueError(f"checkpoint has state for unknown module {mpath!r}")
        modules[mpath].load_extra_state(state)
    for mpath, mode in meta.get("modes", {}).items():
        module = modules.get(mpath)
        if not isinstance(module, PhysicalModule):
            raise ValueError(f"checkpoint sets a mode for {mpath!r}, which is not a physical layer")
        module.set_mode(mode)
    return model, meta.get("metadata", {})
