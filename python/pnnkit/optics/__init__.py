"""Optical substrates: free-space diffractive networks (angular-spectrum propagation) and
integrated photonic MZI meshes, each with a seeded physical chip model and an ideal twin."""

from __future__ import annotations

from .calibration import ShiftCalibration, calibrate_shifts, realign_masks
from .diffractive import DiffractiveNetwork, DiffractiveNonidealities, default_regions
from .mzi import (
                  CoherentReadout,
                  ComplexEncoder,
                  EOActivation,
                  IntensityReadout,
                  MeshNonideality,
                  ModePad,
                  MZIMesh,
                  SVDLayer,
                  decompose,
                  mesh_matrix,
                  random_unitary,
)
from .presets import D2NN_LIN2018, d2nn_lin2018
from .propagation import Propagator, UndersamplingWarning, propagate, sampling_report, transfer_function

__all__ = ["Propagator", "propagate", "transfer_function", "sampling_report", "UndersamplingWarning",
           "DiffractiveNetwork", "DiffractiveNonidealities", "calibrate_shifts", "realign_masks",
           "ShiftCalibration", "default_regions", "d2nn_lin2018", "D2NN_LIN2018",
           "MZIMesh",
           "SVDLayer", "MeshNonideality", "ComplexEncoder", "EOActivation", "IntensityReadout", "CoherentReadout",
           "ModePad", "decompose", "mesh_matrix", "random_unitary"]
