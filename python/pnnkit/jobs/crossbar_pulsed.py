"""`pnnkit train --substrate crossbar --method analog-sgd|tiki-taka|ttv2|chopped-ttv2|mixed-precision`:
an MLP of analog tiles trained *in memory* with pulsed updates on a chosen device preset.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

import numpy as np

from .. import nn
from ..crossbar.config import IOParameters
from ..crossbar.devices import PRESETS
from ..crossbar.pulsed import PULSE_PRECISIONS, PULSE_TYPES, PulseConfig, ReadConfig
from ..datasets import DataSplit
from ..training.analog_sgd import AnalogOptimizer, SGDCell, analog_mlp
from ..training.mixed_precision import MixedPrecisionCell
from ..training.registry import register_method
from ..training.tiki_taka import TikiTakaCell, TTv2Cell

PCM_PAIR = "pcm-pair"
METHODS = ("analog-sgd", "tiki-taka", "ttv2", "chopped-ttv2", "mixed-precision")
_SUMMARIES = {
    "analog-sgd": "analog SGD with stochastic pulsed updates",
    "tiki-taka": "Tiki-Taka: fast/slow arrays with transfer",
    "ttv2": "Tiki-Taka v2: digital buffer between fast and slow arrays",
    "chopped-ttv2": "chopped Tiki-Taka v2 (c-TTv2)",
    "mixed-precision": "digital gradient accumulation, whole-pulse transfer",
}
for _m in METHODS:
    register_method(_m, requires={"pulsed_update"}, substrates=("crossbar",), summary=_SUMMARIES[_m])


def make_cell_factory(method: str, device: str, *, out_noise: float = 0.06, pulse: PulseConfig | None = None,
                      transfer_lr: float = 1.0, transfer_every: int = 1, columns_per_transfer: int = 1,
                      gamma: float = 0.0, max_pulses: int = 1, chop_prob: float = 0.1,
                      zero_shift: bool = False, refresh_every: int = 1, refresh_noise: float | None = None,
                      periphery: bool = False, fast_lr: float | None = None) -> Callable[[int, int, int], Any]:
    """``f(out_size, in_size, seed) -> cell`` for one training method on tiles of preset ``device``.

    ``device="pcm-pair"`` is the PCM-like unipolar pair with refresh
    (:class:`~pnnkit.crossbar.unipolar.UnipolarPairCell`, ``refresh_every`` mini-batches between
    refreshes, 0 = never; ``refresh_noise`` the read noise of a refresh read); it supports
    ``analog-sgd`` only. ``periphery=True`` reads through the inference tile's periphery model
    (aihwkit ``IOParameters`` defaults: 7-bit DAC, 9-bit ADC, bounds, noise/bound management)
    with output noise ``out_noise``, instead of the simple additive-noise read.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if device == PCM_PAIR and method != "analog-sgd":
        raise ValueError(f"device {PCM_PAIR!r} supports method 'analog-sgd' only, got {method!r}")
    read = ReadConfig(out_noise=out_noise, periphery=IOParameters(out_noise=out_noise) if periphery else None)
    common: dict[str, Any] = {"pulse": pulse, "read": read}
    transfer = dict(transfer_lr=transfer_lr, transfer_every=transfer_every,
                    columns_per_transfer=columns_per_transfer, zero_shift=zero_shift, fast_lr=fast_lr, **common)

    def make(out_size: int, in_size: int, seed: int) -> Any:
        if device == PCM_PAIR:
            from ..crossbar.unipolar import UnipolarPairCell

            kw: dict[str, Any] = {} if refresh_noise is None else {"refresh_read": ReadConfig(out_noise=refresh_noise)}
            return UnipolarPairCell(out_size, in_size, refresh_every=refresh_every, seed=seed, **common, **kw)
        if method == "analog-sgd":
            return SGDCell(out_size, in_size, device, seed=seed, **common)
        if method == "tiki-taka":
            return TikiTakaCell(out_size, in_size, device, gamma=gamma, seed=seed, **transfer)
        if method in ("ttv2", "chopped-ttv2"):
            return TTv2Cell(out_size, in_size, device, max_pulses=max_pulses, chopped=method == "chopped-ttv2",
                            chop_prob=chop_prob, seed=seed, **transfer)
        return MixedPrecisionCell(out_size, in_size, device, max_pulses=max_pulses, seed=seed, **common)

    return make


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the pulsed-training crossbar job."""
    g = parser.add_argument_group("crossbar (pulsed in-memory training)")
    g.add_argument("--device", default="idealized", choices=sorted([*PRESETS, PCM_PAIR]),
                   help="device preset of every tile (pcm-pair: unipolar PCM-like pair with refresh, analog-sgd)")
    g.add_argument("--hidden", type=int, default=None, help="hidden units (default 64 digits, 256 otherwise)")
    g.add_argument("--out-noise", type=float, default=0.06, help="analog read output noise (aihwkit default 0.06)")
    g.add_argument("--periphery", action="store_true",
                   help="reads through the full periphery model (DAC/ADC, bounds, noise/bound management)")
    g.add_argument("--desired-bl", type=int, default=31, help="pulse-train length (1..32)")
    g.add_argument("--pulse-type", default="stochastic", choices=sorted(PULSE_TYPES))
    g.add_argument("--pulse-precision", default="float64", choices=PULSE_PRECISIONS,
                   help="arithmetic of the pulse kernels (float32: aihwkit's, 3-4x faster for ExpStep-like devices)")
    g.add_argument("--transfer-lr", type=float, default=None,
                   help="Tiki-Taka transfer learning rate (default 1.0 tiki-taka, 0.5 ttv2)")
    g.add_argument("--transfer-every", type=int, default=1, help="mini-batches between column transfers")
    g.add_argument("--columns-per-transfer", type=int, default=None,
                   help="columns of A read per transfer (default: 1/8 of the columns)")
    g.add_argument("--fast-lr", type=float, default=None,
                   help="Tiki-Taka family: learning rate of the gradient onto the fast array (default: --lr)")
    g.add_argument("--gamma", type=float, default=0.0, help="tiki-taka: W = gamma*A + C")
    g.add_argument("--max-pulses", type=int, default=None,
                   help="ttv2 / mixed precision: most pulses written per device per transfer")
    g.add_argument("--chop-prob", type=float, default=0.1, help="chopped-ttv2: chopper flip probability")
    g.add_argument("--refresh-every", type=int, default=1,
                   help="pcm-pair: mini-batches between refreshes of saturated pairs (0: never)")
    g.add_argument("--refresh-noise", type=float, default=None,
                   help="pcm-pair: read noise of the refresh read (default: the cell's default)")
    g.add_argument("--zero-shift", action="store_true",
                   help="Tiki-Taka family: subtract the fast array's symmetry points (reference array)")


def run(args: argparse.Namespace, data: DataSplit, progress: Callable[[int, int, dict], None]) -> dict:
    """Train the analog MLP with ``args.method``; returns model, history, results, config."""
    hidden = args.hidden or (64 if data.x_train.shape[1] <= 64 else 256)
    epochs = args.epochs or 10
    batch = args.batch_size or 10
    lr = args.lr or 0.1
    n_in = data.x_train.shape[1]
    cols = max(1, (hidden + 1) // 8)
    transfer_lr = args.transfer_lr if args.transfer_lr is not None else (1.0 if args.method == "tiki-taka" else 0.5)
    max_pulses = args.max_pulses if args.max_pulses is not None else (31 if args.method == "mixed-precision" else 5)
    factory = make_cell_factory(
        args.method, args.device, out_noise=args.out_noise,
        pulse=PulseConfig(desired_bl=args.desired_bl, pulse_type=args.pulse_type,
                          precision=args.pulse_precision),
        transfer_lr=transfer_lr, transfer_every=args.transfer_every,
        columns_per_transfer=args.columns_per_transfer or cols, gamma=args.gamma, max_pulses=max_pulses,
        chop_prob=args.chop_prob, zero_shift=args.zero_shift, refresh_every=args.refresh_every,
        refresh_noise=args.refresh_noise, periphery=args.periphery, fast_lr=args.fast_lr)
    model = analog_mlp([n_in, hidden, data.n_classes], factory, seed=args.seed)
    opt = AnalogOptimizer(model, lr)
    hist = nn.fit(model, nn.SoftmaxCrossEntropy(), opt, data.x_train, data.y_train, epochs=epochs,
                  batch_size=batch, seed=args.seed, x_val=data.x_test, y_val=data.y_test,
                  callback=lambda e, row: progress(e, epochs, row))
    accs = hist["test_acc"]
    results = {"test_acc": float(accs[-1]), "best_test_acc": float(np.max(accs)),
               "train_acc": float(hist["train_acc"][-1])}
    config = {"method": args.method, "device": args.device, "hidden": hidden, "epochs": epochs, "batch_size": batch,
              "lr": lr, "out_noise": args.out_noise, "desired_bl": args.desired_bl, "pulse_type": args.pulse_type,
              "pulse_precision": args.pulse_precision,
              "transfer_lr": transfer_lr, "transfer_every": args.transfer_every,
              "columns_per_transfer": args.columns_per_transfer or cols, "gamma": args.gamma,
              "max_pulses": max_pulses, "zero_shift": args.zero_shift,
              "refresh_every": args.refresh_every, "refresh_noise": args.refresh_noise,
              "periphery": args.periphery, "fast_lr": args.fast_lr}
    return {"model": model, "history": hist, "results": results, "config": config}
