"""Training methods. Each module declares what it needs from the physics in :mod:`.registry`."""

from __future__ import annotations

from .insilico import train_insilico
from .pat import train_pat
from .registry import METHODS, MethodInfo, register_method

__all__ = ["METHODS", "MethodInfo", "register_method", "train_insilico", "train_pat"]
