"""``pnnkit train --substrate diffractive``: the D2NN of Lin et al. 2018 on digits or MNIST.

Network: the :func:`~pnnkit.optics.presets.d2nn_lin2018` preset (5 phase layers, 200 x 200
pixels of 0.4 mm at 0.75 mm, 3 cm apart), images amplitude-encoded (upsampled to about
112 px), softmax cross-entropy on the 10 detector signals (x gain / input power).

Methods: ``insilico`` (train the ideal twin, deploy to the chip), ``pat`` (physical forward,
twin vjp at the measured input), ``insitu`` (gradient measured on the chip: the error field is
injected at the detector plane and sent back through the reciprocal stack, and forward and
adjoint fields are read holographically in front of every mask; Zhou et al. 2020 style). The
chip is a seeded :class:`~pnnkit.optics.diffractive.DiffractiveNonidealities`.

``--calibrate`` (insilico, pat) first fits the twin's layer shifts to camera frames of the chip
(:func:`~pnnkit.optics.calibration.calibrate_shifts`, on training images), so that PAT
differentiates a twin that is aligned like the chip; its physical queries are reported apart.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np

from ..datasets.split import DataSplit
from ..nn import Adam, SoftmaxCrossEntropy, accuracy
from ..optics.calibration import calibrate_shifts
from ..optics.diffractive import DiffractiveNetwork, DiffractiveNonidealities
from ..optics.presets import d2nn_lin2018
from ..substrate import total_queries
from ..training.insilico import train_insilico
from ..training.insitu import train_insitu
from ..training.pat import train_pat

METHODS: tuple[str, ...] = ("insilico", "pat", "insitu")


@dataclass
class DiffractiveJobConfig:
    """Network, chip and optimiser of the diffractive job."""

    gain: float = 300.0
    pad: bool = True
    differential: bool = False
    phase_error: float = 0.1
    misalignment_px: int = 1
    phase_levels: int = 0
    wavelength_drift: float = 0.0
    detector_read_std: float = 0.0
    detector_shot_factor: float = 0.0
    chip_seed: int = 7
    dtype: str = "complex64"
    seed: int = 0
    epochs: int = 2
    batch_size: int = 64
    lr: float = 0.1
    calibrate: bool = False
    calibration_images: int = 8

    def nonideal(self, ideal_chip: bool = False) -> DiffractiveNonidealities:
        if ideal_chip:
            return DiffractiveNonidealities(seed=self.chip_seed)
        return DiffractiveNonidealities(self.phase_error, self.phase_levels, self.misalignment_px,
                                        self.wavelength_drift, self.detector_read_std, self.detector_shot_factor,
                                        self.chip_seed)


def build_model(n_features: int, cfg: DiffractiveJobConfig, ideal_chip: bool = False) -> DiffractiveNetwork:
    """The D2NN preset for square images of ``n_features`` pixels (upsampled to ~112 px)."""
    side = int(round(math.sqrt(n_features)))
    if side * side != n_features:
        raise ValueError(f"the diffractive job needs square images, got {n_features} features")
    net = d2nn_lin2018(nonideal=cfg.nonideal(ideal_chip), input_shape=(side, side),
                       input_upsample=max(1, 112 // side), gain=cfg.gain, differential=cfg.differential,
                       pad=cfg.pad, dtype=np.dtype(cfg.dtype), init_seed=cfg.seed)
    net.input_grad = False  # the network is the whole model: nothing upstream needs d loss / d image
    return net


def train(method: str, data: DataSplit, cfg: DiffractiveJobConfig, ideal_chip: bool = False,
          callback: Callable[[int, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Train with ``method`` and evaluate twin and chip; accuracies in [0, 1]."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if data.n_classes > 10:
        raise ValueError(f"the D2NN preset has 10 detectors, the data set has {data.n_classes} classes")
    if cfg.calibrate and method == "insitu":
        raise ValueError("--calibrate fits the twin, which insitu training does not use; use it with insilico or pat")
    model = build_model(data.n_features, cfg, ideal_chip)
    calibration = None
    if cfg.calibrate:
        cal = calibrate_shifts(model, data.x_train[: cfg.calibration_images],
                               max_shift_px=max(1, cfg.misalignment_px))
        calibration = {**cal.as_dict(), "true_shifts_px": model.shifts_px_.tolist()}
    opt = Adam(model.parameters(), lr=cfg.lr)
    fn = {"insilico": train_insilico, "pat": train_pat, "insitu": train_insitu}[method]
    hist = fn(model, SoftmaxCrossEntropy(), opt, data.x_train, data.y_train, epochs=cfg.epochs,
              batch_size=cfg.batch_size, seed=cfg.seed, x_val=data.x_test, y_val=data.y_test, callback=callback)
    queries = total_queries(model)
    model.set_mode("twin")
    twin_acc = accuracy(model, data.x_test, data.y_test, batch_size=256)
    model.set_mode("physical")
    phys_acc = accuracy(model, data.x_test, data.y_test, batch_size=256)
    results = {"test_acc": phys_acc, "twin_test_acc": twin_acc,
               "train_physical_queries": float(sum(queries.values()))}
    if calibration is not None:
        results["calibration_physical_queries"] = float(calibration["physical_queries"])
        results["calibration_exact"] = float(np.array_equal(model.twin_shifts_px, model.shifts_px_))
    config = {**asdict(cfg), "ideal_chip": bool(ideal_chip), "chip_shifts_px": model.shifts_px_.tolist(),
              "calibration": calibration}
    return {"model": model, "history": hist, "results": results, "config": config}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the diffractive job (preset readout, chip non-idealities)."""
    d = DiffractiveJobConfig()
    g = parser.add_argument_group("diffractive network (D2NN, Lin et al. 2018)")
    g.add_argument("--gain", type=float, default=d.gain, help="logits = gain * detector signal / input power")
    g.add_argument("--no-pad", action="store_true", help="circular convolution on the 200x200 grid (faster)")
    g.add_argument("--differential", action="store_true", help="10 differential detector pairs (Li 2019)")
    g.add_argument("--phase-error", type=float, default=d.phase_error,
                   help="fabrication phase error std, fraction of 2 pi")
    g.add_argument("--misalignment", type=int, default=d.misalignment_px, help="max lateral layer shift (px)")
    g.add_argument("--phase-levels", type=int, default=d.phase_levels, help="fabricable phase levels (0 = any)")
    g.add_argument("--wavelength-drift", type=float, default=d.wavelength_drift, help="relative source drift")
    g.add_argument("--detector-read-std", type=float, default=d.detector_read_std)
    g.add_argument("--detector-shot", type=float, default=d.detector_shot_factor,
                   help="signal per photo-electron (shot noise)")
    g.add_argument("--chip-seed", type=int, default=d.chip_seed)
    g.add_argument("--ideal-chip", action="store_true", help="a chip without non-idealities")
    g.add_argument("--complex128", action="store_true", help="simulate in complex128 (default complex64)")
    g.add_argument("--calibrate", action="store_true",
                   help="fit the twin's layer shifts to camera frames of the chip before training (insilico, pat)")
    g.add_argument("--calibration-images", type=int, default=d.calibration_images,
                   help="training images per probed layer for --calibrate")


def config_from_args(args: argparse.Namespace) -> DiffractiveJobConfig:
    d = DiffractiveJobConfig()
    return DiffractiveJobConfig(
        gain=args.gain, pad=not args.no_pad, differential=args.differential, phase_error=args.phase_error,
        misalignment_px=args.misalignment, phase_levels=args.phase_levels, wavelength_drift=args.wavelength_drift,
        detector_read_std=args.detector_read_std, detector_shot_factor=args.detector_shot,
        chip_seed=args.chip_seed, dtype="complex128" if args.complex128 else "complex64", seed=args.seed,
        epochs=args.epochs if args.epochs is not None else d.epochs,
        batch_size=args.batch_size if args.batch_size is not None else d.batch_size,
        lr=args.lr if args.lr is not None else d.lr, calibrate=bool(getattr(args, "calibrate", False)),
        calibration_images=getattr(args, "calibration_images", d.calibration_images))


def run(args: argparse.Namespace, data: DataSplit, progress: Callable[[int, int, dict[str, Any]], None]) -> dict:
    """Train the D2NN with ``args.method``; see :func:`train`."""
    cfg = config_from_args(args)
    return train(args.method, data, cfg, ideal_chip=args.ideal_chip,
                 callback=lambda epoch, row: progress(epoch, cfg.epochs, row))
