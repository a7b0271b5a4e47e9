"""A minimal numpy neural-network framework: modules with vjps, losses, optimizers, training loop."""

from __future__ import annotations

from .history import History
from .layers import Identity, Linear, ReLU, Sequential, Sigmoid, Tanh, check_batch
from .losses import MSELoss, SoftmaxCrossEntropy
from .module import Module, Parameter
from .optim import SGD, Adam, Optimizer
from .train import accuracy, fit, predict

__all__ = ["Module", "Parameter", "Sequential", "Linear", "ReLU", "Tanh", "Sigmoid", "Identity",
           "SoftmaxCrossEntropy", "MSELoss", "Optimizer", "SGD", "Adam", "History", "fit", "accuracy",
           "predict", "check_batch"]
