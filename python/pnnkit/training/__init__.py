"""Training methods. Each module declares what it needs from the physics in :mod:`.registry`.

Gradient-based methods over :class:`~pnnkit.substrate.PhysicalModule` models:
``train_insilico`` (ideal twin, then deploy), ``train_pat`` (physics-aware training) and
``train_insitu`` (physical adjoint measurements). Energy-based methods: ``train_eqprop``
(Hopfield networks), ``EPResistiveTrainer`` and coupled learning (resistor networks).
Pulsed analog training on crossbars: :mod:`.analog_sgd`, :mod:`.tiki_taka`,
:mod:`.mixed_precision`.
"""

from __future__ import annotations

from .analog_sgd import AnalogOptimizer, SGDCell, analog_mlp
from .coupled_learning import CoupledLearning, SignCoupledLearning, coupled_learning_limit, output_error_gradient
from .eqprop import EPConfig, ep_gradient, train_eqprop
from .eqprop_resistive import EPResistiveTrainer
from .eqprop_resistive import ep_gradient as ep_gradient_resistive
from .implicit import equilibrium_loss_gradient, implicit_gradient
from .insilico import train_insilico
from .insitu import train_insitu
from .mixed_precision import MixedPrecisionCell
from .pat import train_pat
from .registry import METHODS, MethodInfo, register_method
from .tiki_taka import TikiTakaCell, TTv2Cell, chopped_ttv2_cell

__all__ = ["METHODS", "MethodInfo", "register_method", "train_insilico", "train_pat", "train_insitu",
           "EPConfig", "ep_gradient", "train_eqprop", "implicit_gradient", "equilibrium_loss_gradient",
           "CoupledLearning", "SignCoupledLearning", "coupled_learning_limit", "output_error_gradient",
           "EPResistiveTrainer", "ep_gradient_resistive", "SGDCell", "AnalogOptimizer", "analog_mlp",
           "TikiTakaCell", "TTv2Cell", "chopped_ttv2_cell", "MixedPrecisionCell"]
