"""``pnnkit train --substrate mzi``: a 2-layer photonic network of Clements (or Reck) MZI meshes.

Network: real features -> ComplexEncoder (fixed optical power per sample) -> MZIMesh ->
electro-optic activation (Williamson et al. 2020) -> MZIMesh -> photodetectors on the first
``n_classes`` modes (intensity x gain = logits) -> softmax cross-entropy.

Methods: ``insilico`` (train the ideal twin, deploy to the chip), ``pat`` (physical forward,
twin vjp at the measured fields), ``insitu`` (physical forward and gradients measured on the chip
by the adjoint and interference passes of Hughes et al. 2018). The chip is the seeded
:class:`~pnnkit.optics.mzi.MeshNonideality`; ``--ideal-chip`` removes every non-ideality.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np

from ..datasets.split import DataSplit
from ..nn import Adam, Sequential, SoftmaxCrossEntropy, accuracy
from ..optics.mzi import ComplexEncoder, EOActivation, IntensityReadout, MeshNonideality, ModePad, MZIMesh
from ..substrate import set_mode, total_queries
from ..training.insilico import train_insilico
from ..training.insitu import train_insitu
from ..training.pat import train_pat

METHODS: tuple[str, ...] = ("insilico", "pat", "insitu")


@dataclass
class MziJobConfig:
    """Everything that defines the network, the chip and the optimiser."""

    layout: str = "clements"
    n_modes: int = 0               # 0: the number of input features
    power: float = 10.0            # optical power per sample (arbitrary units; sets the activation regime)
    gain: float = 20.0             # logits = gain * detected intensity
    act_alpha: float = 0.1
    act_g_phi: float = 0.3         # rad per unit power
    act_phi_b: float = float(np.pi)
    splitter_error_std_rad: float = 0.02
    loss_db_per_mzi: float = 0.0    # > 0 biases the 3-measurement in-situ gradient (see report)
    phase_bits: int = 12
    crosstalk: float = 0.005
    chip_seed: int = 7
    detector_noise: float = 1e-3   # in-situ intensity readings, relative to the input power
    conjugate_reference: bool = False  # 4th in-situ pass that removes the loss bias
    dtype: str = "complex64"
    seed: int = 0
    epochs: int = 20
    batch_size: int = 32
    lr: float = 0.01
    cosine_lr: bool = True         # lr_e = lr (1 + cos(pi e / epochs)) / 2 after epoch e: a stable final epoch

    def nonideal(self, ideal_chip: bool = False) -> MeshNonideality:
        if ideal_chip:
            return MeshNonideality(seed=self.chip_seed)
        return MeshNonideality(self.splitter_error_std_rad, self.loss_db_per_mzi, self.phase_bits, self.crosstalk,
                               self.chip_seed)


def build_model(n_features: int, n_classes: int, cfg: MziJobConfig, ideal_chip: bool = False) -> Sequential:
    """The 2-mesh network for ``n_features`` inputs and ``n_classes`` detectors."""
    n = cfg.n_modes or n_features
    if n < n_features:
        raise ValueError(f"--modes {n} is smaller than the {n_features} input features")
    if n_classes > n:
        raise ValueError(f"{n_classes} classes need at least {n_classes} modes, got {n}")
    ni = cfg.nonideal(ideal_chip)
    layers = [ComplexEncoder(n_features, cfg.power, cfg.dtype)]
    if n > n_features:
        layers.append(ModePad(n_features, n))
    layers += [
        MZIMesh(n, cfg.layout, True, "haar", cfg.seed + 1, cfg.dtype, asdict(ni), cfg.detector_noise,
                cfg.conjugate_reference),
        EOActivation(cfg.act_alpha, cfg.act_g_phi, cfg.act_phi_b),
        MZIMesh(n, cfg.layout, True, "haar", cfg.seed + 2, cfg.dtype, asdict(ni.with_seed(ni.seed + 1)),
                cfg.detector_noise, cfg.conjugate_reference),
        IntensityReadout(n_classes, cfg.gain),
    ]
    return Sequential(*layers)


def train(method: str, data: DataSplit, cfg: MziJobConfig, ideal_chip: bool = False,
          callback: Callable[[int, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Train with ``method`` and evaluate; returns model, history and results (accuracies in [0, 1])."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    model = build_model(data.n_features, data.n_classes, cfg, ideal_chip)
    opt = Adam(model.parameters(), lr=cfg.lr)

    def _epoch_end(epoch: int, row: dict[str, Any]) -> None:
        if cfg.cosine_lr and epoch < cfg.epochs:
            opt.lr = cfg.lr * 0.5 * (1.0 + np.cos(np.pi * epoch / cfg.epochs))
        row["lr"] = opt.lr
        if callback is not None:
            callback(epoch, row)

    kw = dict(epochs=cfg.epochs, batch_size=cfg.batch_size, seed=cfg.seed, x_val=data.x_test, y_val=data.y_test,
              callback=_epoch_end)
    fn = {"insilico": train_insilico, "pat": train_pat, "insitu": train_insitu}[method]
    hist = fn(model, SoftmaxCrossEntropy(), opt, data.x_train, data.y_train, **kw)
    queries = sum(total_queries(model).values())
    set_mode(model, "twin")
    twin_acc = accuracy(model, data.x_test, data.y_test)
    set_mode(model, "physical")
    phys_acc = accuracy(model, data.x_test, data.y_test)
    results = {"test_acc": phys_acc, "twin_test_acc": twin_acc, "train_physical_queries": float(queries)}
    return {"model": model, "history": hist, "results": results, "config": asdict(cfg)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the MZI job (network, chip, in-situ detector noise)."""
    d = MziJobConfig()
    g = parser.add_argument_group("mzi mesh network")
    g.add_argument("--layout", choices=("clements", "reck"), default=d.layout)
    g.add_argument("--modes", type=int, default=d.n_modes, help="mesh size (0: number of input features)")
    g.add_argument("--power", type=float, default=d.power, help="optical power per sample (a.u.)")
    g.add_argument("--gain", type=float, default=d.gain, help="logits = gain * detected intensity")
    g.add_argument("--act-alpha", type=float, default=d.act_alpha, help="EO activation tap fraction")
    g.add_argument("--act-g-phi", type=float, default=d.act_g_phi, help="EO activation gain (rad per unit power)")
    g.add_argument("--act-phi-b", type=float, default=d.act_phi_b, help="EO activation bias phase (rad)")
    g.add_argument("--splitter-error", type=float, default=d.splitter_error_std_rad,
                   help="std of each coupler angle around pi/4 (rad)")
    g.add_argument("--loss-db", type=float, default=d.loss_db_per_mzi, help="insertion loss per MZI (dB)")
    g.add_argument("--phase-bits", type=int, default=d.phase_bits, help="phase DAC bits (0 = continuous)")
    g.add_argument("--crosstalk", type=float, default=d.crosstalk, help="thermal crosstalk to neighbour MZIs")
    g.add_argument("--chip-seed", type=int, default=d.chip_seed)
    g.add_argument("--detector-noise", type=float, default=d.detector_noise,
                   help="in-situ monitor noise std relative to the input power")
    g.add_argument("--ideal-chip", action="store_true", help="a chip without non-idealities")
    g.add_argument("--conjugate-reference", action="store_true",
                   help="in situ: 4th pass (conjugated adjoint alone) that removes the insertion-loss bias")
    g.add_argument("--complex128", action="store_true", help="simulate in complex128 (default complex64)")
    g.add_argument("--constant-lr", action="store_true", help="no cosine decay of the learning rate")


def config_from_args(args: argparse.Namespace) -> MziJobConfig:
    d = MziJobConfig()
    return MziJobConfig(
        layout=args.layout, n_modes=args.modes, power=args.power, gain=args.gain, act_alpha=args.act_alpha,
        act_g_phi=args.act_g_phi, act_phi_b=args.act_phi_b, splitter_error_std_rad=args.splitter_error,
        loss_db_per_mzi=args.loss_db, phase_bits=args.phase_bits, crosstalk=args.crosstalk,
        chip_seed=args.chip_seed, detector_noise=args.detector_noise,
        conjugate_reference=args.conjugate_reference,
        dtype="complex128" if args.complex128 else "complex64", seed=args.seed,
        epochs=args.epochs if args.epochs is not None else d.epochs,
        batch_size=args.batch_size if args.batch_size is not None else d.batch_size,
        lr=args.lr if args.lr is not None else d.lr, cosine_lr=not args.constant_lr)


def run(args: argparse.Namespace, data: DataSplit, progress: Callable[[int, int, dict[str, Any]], None]) -> dict:
    """Train the MZI network with ``args.method``; see :func:`train`."""
    cfg = config_from_args(args)
    out = train(args.method, data, cfg, ideal_chip=args.ideal_chip,
                callback=lambda epoch, row: progress(epoch, cfg.epochs, row))
    out["config"]["ideal_chip"] = bool(args.ideal_chip)
    return out


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """``pnnkit eval`` options: other chips of the same design."""
    parser.add_argument("--chip-seeds", default="",
                        help="comma-separated chip seeds to evaluate besides the trained-on chip (e.g. 8,9,10)")


def _meshes(model: Any) -> list[MZIMesh]:
    return [m for _, m in model.named_modules() if isinstance(m, MZIMesh)]


def evaluate(model: Any, data: DataSplit, args: argparse.Namespace, metadata: dict[str, Any]) -> dict[str, float]:
    """Test accuracy on the twin, on the chip used in training and on other chips (``--chip-seeds``).

    Mesh i of the network sits on chip seed ``chip_seed + i``, as in :func:`build_model`.
    """
    meshes = _meshes(model)
    if not meshes:
        raise ValueError("the checkpoint has no MZIMesh layers")
    base = meshes[0].nonideal.seed
    offsets = [m.nonideal.seed - base for m in meshes]
    results: dict[str, float] = {}
    set_mode(model, "twin")
    results["twin_test_acc"] = accuracy(model, data.x_test, data.y_test)
    set_mode(model, "physical")
    results["test_acc"] = accuracy(model, data.x_test, data.y_test)
    seeds = [int(s) for s in args.chip_seeds.split(",") if s.strip()] if args.chip_seeds else []
    for seed in seeds:
        if seed < 0:
            raise ValueError(f"--chip-seeds must be >= 0, got {seed}")
        for m, off in zip(meshes, offsets):
            m.nonideal = m.nonideal.with_seed(seed + off)
            m._core_ni = m.nonideal.to_core()
        results[f"chip{seed}_test_acc"] = accuracy(model, data.x_test, data.y_test)
    for m, off in zip(meshes, offsets):  # back to the trained-on chip
        m.nonideal = m.nonideal.with_seed(base + off)
        m._core_ni = m.nonideal.to_core()
    return results
