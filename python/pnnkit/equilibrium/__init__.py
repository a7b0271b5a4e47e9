"""Equilibrium substrates: Hopfield-type energy networks, linear and diode resistor networks.

These systems relax to a minimum of an energy (capability ``"energy"``), so they can be
trained by equilibrium propagation and coupled learning; the exact gradient by implicit
differentiation is provided beside them as a check.
"""

from __future__ import annotations

from .diode import CoordinateDescentReference, DeepResistiveNetwork, DiodeNetwork
from .hopfield import HopfieldNetwork, Relaxation, RelaxationError, RelaxationWarning
from .resistor import ResistorNetwork, laplacian_dense, random_connected_graph
from .resistor_modules import DeepResistiveClassifier, ResistorRegressor

__all__ = ["HopfieldNetwork", "Relaxation", "RelaxationError", "RelaxationWarning", "ResistorNetwork",
           "DiodeNetwork", "DeepResistiveNetwork", "CoordinateDescentReference", "DeepResistiveClassifier",
           "ResistorRegressor", "laplacian_dense", "random_connected_graph"]
