"""Analog in-memory crossbar arrays (IBM aihwkit conventions): tile reads with periphery
non-idealities, PCM programming and drift, and the ``AnalogLinear`` layer."""

from __future__ import annotations

from .config import InferenceConfig, IOParameters, PCMNoiseModel, RPUConfig, rasch2023_hwa
from .devices import (
                      PRESETS,
                      ConstantStepDevice,
                      ExpStepDevice,
                      LinearStepDevice,
                      PiecewiseStepDevice,
                      PowStepDevice,
                      PulsedDevice,
                      SoftBoundsDevice,
                      preset,
)
from .layers import AnalogLinear
from .pulsed import AnalogPulsedLinear, AnalogPulsedTile, PulseConfig, ReadConfig, analog_mvm
from .tile import AnalogTile
from .unipolar import UnipolarPairCell, pcm_unipolar

__all__ = ["AnalogLinear", "AnalogTile", "IOParameters", "InferenceConfig", "PCMNoiseModel", "RPUConfig",
           "rasch2023_hwa", "PRESETS", "preset", "PulsedDevice", "ConstantStepDevice", "LinearStepDevice",
           "SoftBoundsDevice", "ExpStepDevice", "PowStepDevice", "PiecewiseStepDevice", "AnalogPulsedTile",
           "AnalogPulsedLinear", "PulseConfig", "ReadConfig", "analog_mvm", "UnipolarPairCell", "pcm_unipolar"]
