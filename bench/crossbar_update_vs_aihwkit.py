"""Statistical cross-check of the pulsed-update physics: pnnkit vs aihwkit 1.2, side by side.

Same device configuration in both (aihwkit defaults for ConstantStep and ExpStep, but without
device-to-device variation: dw_min_dtod = w_max_dtod = w_min_dtod = up_down_dtod = 0, so every
crosspoint is the same device), same update settings (BL 31, update and BL management on).
Printed for each device:

1. the weight change of ONE update from W = 0 for fixed x, d and lr, repeated ``--repeats``
   times from the same start: mean and std of dW / (lr d x^T) over all repeats and crosspoints
   whose target |lr d x| is at least a few dw_min (ratio 1 = the mean update is the SGD step),
   and the std of dW in units of dw_min;
2. the pulse response: starting at w_min, one coincidence per update (x = d = 1, lr = dw_min,
   so BL = 1 and both pulse probabilities are 1), the mean weight after 100, 300, ... pulses,
   and the number of pulses to come within 1% (of the range) of w_max (if it gets there).

aihwkit's update is W -= lr d x^T (d is the gradient), pnnkit's is W += lr d x^T, so aihwkit
gets -d. Without aihwkit only the pnnkit column is printed.

    python bench/crossbar_update_vs_aihwkit.py [--repeats 2000] [--size 8] [--precisions float64,float32]
"""

from __future__ import annotations

import argparse

import numpy as np
from pnnkit.crossbar import devices as D
from pnnkit.crossbar.pulsed import AnalogPulsedTile, PulseConfig

QUIET = dict(dw_min_dtod=0.0, w_max_dtod=0.0, w_min_dtod=0.0, up_down_dtod=0.0)
CHECKPOINTS = (100, 300, 600, 1200, 2400)


class PnnkitTile:
    def __init__(self, name: str, n: int, seed: int, precision: str = "float64") -> None:
        dev = D.ConstantStepDevice(**QUIET) if name == "constant" else D.ExpStepDevice(**QUIET)
        self.dw_min = dev.dw_min
        self.w_min, self.w_max = dev.w_min, dev.w_max
        self.t = AnalogPulsedTile(n, n, dev, seed=seed, pulse=PulseConfig(desired_bl=31, precision=precision))

    def set(self, w: np.ndarray) -> None:
        self.t.set_weights(w)

    def get(self) -> np.ndarray:
        return self.t.weights

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        self.t.update(x, d, lr)


class AihwkitTile:
    def __init__(self, name: str, n: int, seed: int) -> None:
        import torch
        from aihwkit.simulator.configs import ConstantStepDevice, ExpStepDevice, SingleRPUConfig
        from aihwkit.simulator.tiles import AnalogTile

        torch.manual_seed(seed)
        torch.set_num_threads(1)
        self.torch = torch
        dev = ConstantStepDevice(**QUIET) if name == "constant" else ExpStepDevice(**QUIET)
        self.dw_min = dev.dw_min
        self.w_min, self.w_max = dev.w_min, dev.w_max
        cfg = SingleRPUConfig(device=dev)
        cfg.update.desired_bl = 31
        cfg.update.update_management = True
        cfg.update.update_bl_management = True
        self.t = AnalogTile(n, n, cfg)
        self.lr = None

    def set(self, w: np.ndarray) -> None:
        self.t.set_weights(self.torch.from_numpy(np.asarray(w, dtype=np.float32)))

    def get(self) -> np.ndarray:
        w = self.t.get_weights()
        return np.asarray((w[0] if isinstance(w, tuple) else w).detach().cpu().numpy(), dtype=np.float64)

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        if lr != self.lr:
            self.t.set_learning_rate(lr)
            self.lr = lr
        self.t.update(self.torch.from_numpy(np.asarray(x, dtype=np.float32)),
                      self.torch.from_numpy(np.asarray(-d, dtype=np.float32)))


def one_step_stats(tile, x: np.ndarray, d: np.ndarray, lr: float, repeats: int) -> tuple[float, float, float]:
    """(mean ratio dW/(lr d x^T), std of that ratio, std of dW in dw_min) over repeats from W = 0."""
    n_out, n_in = d.size, x.size
    target = lr * np.outer(d, x)
    sel = np.abs(target) >= 3 * tile.dw_min
    ratios, dws = [], []
    for _ in range(repeats):
        tile.set(np.zeros((n_out, n_in)))
        tile.update(x[None, :], d[None, :], lr)
        dw = tile.get()
        ratios.append(dw[sel] / target[sel])
        dws.append((dw - target)[sel] / tile.dw_min)
    r = np.concatenate(ratios)
    return float(r.mean()), float(r.std()), float(np.concatenate(dws).std())


def pulse_response(tile, n: int) -> tuple[list[float], int | None]:
    """Mean weight after each checkpoint of single up-pulses from w_min; pulses to reach w_max - 1%."""
    tile.set(np.full((n, n), tile.w_min))
    ones = np.ones((1, n))
    means, reached = [], None
    target = tile.w_max - 0.01 * (tile.w_max - tile.w_min)
    for k in range(1, CHECKPOINTS[-1] + 1):
        tile.update(ones, ones, tile.dw_min)
        if k in CHECKPOINTS or reached is None:
            m = float(tile.get().mean())
            if reached is None and m >= target:
                reached = k
            if k in CHECKPOINTS:
                means.append(m)
    return means, reached


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=2000, help="single updates from W = 0 per device")
    ap.add_argument("--size", type=int, default=8, help="tile is size x size")
    ap.add_argument("--lr", type=float, default=0.01, help="0.01: no pulse probability saturates (BL 10)")
    ap.add_argument("--precisions", default="float64,float32",
                    help="pnnkit pulse kernels to compare (PulseConfig.precision), comma-separated")
    args = ap.parse_args()
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    try:
        import aihwkit  # noqa: F401
        have_aihwkit = True
    except ImportError:
        have_aihwkit = False
        print("aihwkit is not installed: pnnkit column only")
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, args.size)
    d = rng.uniform(-1, 1, args.size)
    for name in ("constant", "exp"):
        tiles = {f"pnnkit {p[-2:]}": PnnkitTile(name, args.size, 1, p) for p in precisions}
        if have_aihwkit:
            tiles["aihwkit"] = AihwkitTile(name, args.size, 1)
        print(f"\n{name} step device (no d2d variation), {args.size}x{args.size} tile, lr {args.lr}, BL 31, UM+UBLM")
        print(f"  {'':44s}" + "".join(f"{k:>14s}" for k in tiles))
        stats = {k: one_step_stats(t, x, d, args.lr, args.repeats) for k, t in tiles.items()}
        for i, label in enumerate(("mean dW / (lr d x)", "std of dW / (lr d x)", "std of (dW - lr d x) [dw_min]")):
            print(f"  {label:44s}" + "".join(f"{stats[k][i]:14.4f}" for k in tiles))
        resp = {k: pulse_response(t, args.size) for k, t in tiles.items()}
        for i, c in enumerate(CHECKPOINTS):
            print(f"  {'mean w after ' + str(c) + ' up-pulses from w_min':44s}"
                  + "".join(f"{resp[k][0][i]:14.4f}" for k in tiles))
        print(f"  {'pulses from w_min to within 1% of w_max':44s}"
              + "".join(f"{str(resp[k][1]):>14s}" for k in tiles))
        dev = next(iter(tiles.values()))
        print(f"  (constant-step expectation: (w_max - w_min)/dw_min = {(dev.w_max - dev.w_min) / dev.dw_min:.0f})")


if __name__ == "__main__":
    main()
