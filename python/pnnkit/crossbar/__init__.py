"""Analog in-memory crossbar arrays (IBM aihwkit conventions): tile reads with periphery
non-idealities, PCM programming and drift, and the ``AnalogLinear`` layer."""

from __future__ import annotations

from .config import InferenceConfig, IOParameters, PCMNoiseModel, RPUConfig, rasch2023_hwa
from .layers import AnalogLinear
from .tile import AnalogTile

__all__ = ["AnalogLinear", "AnalogTile", "IOParameters", "InferenceConfig", "PCMNoiseModel", "RPUConfig",
           "rasch2023_hwa"]
