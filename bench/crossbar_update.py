"""Benchmark: one analog SGD pulsed update of a crossbar tile (aihwkit-style stochastic pulse trains).

Default: a 512x512 tile, a batch of 256 (x, d ~ N(0, 1)), lr 0.1, desired_bl 31 with update and
BL management, for a ConstantStep device (aihwkit defaults) and an ExpStep device, with pnnkit's
float64 kernels and its float32 ones (``PulseConfig(precision="float32")``, aihwkit's own
arithmetic; ``--precisions``). Compared with

* a vectorized numpy implementation of the same stochastic update (bit-packed pulse trains,
  numpy popcount, per-sample loop; for ExpStep a per-pulse loop, timed on ``--ref-batch``
  samples and scaled to the full batch), and
* aihwkit 1.2.0's CPU tile (``AnalogTile`` with ``SingleRPUConfig`` and the device's aihwkit
  defaults, update management and BL management on, ``torch.set_num_threads(1)``), timed in
  the same process when aihwkit imports; otherwise the issue's figure of about 7 s per step on
  one core of this kind of machine (``--aihwkit-s``).

Prints medians of wall time and of process CPU time (the machine is shared; CPU time is the
fairer single-thread figure), the ratios, and writes JSON with ``--json PATH``. The pnnkit row
kernels use the widest SIMD copy of this CPU (``PNNKIT_PULSE_ISA=avx2|generic`` to compare).

    python bench/crossbar_update.py [--size 512] [--batch 256] [--threads 1,2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time

import numpy as np
import pnnkit
from pnnkit import _core
from pnnkit.crossbar import devices as D
from pnnkit.crossbar.pulsed import AnalogPulsedTile, PulseConfig


def numpy_update(w: np.ndarray, dev: dict, x: np.ndarray, d: np.ndarray, lr: float, dw: float, bl_max: int,
                 rng: np.random.Generator, model: str) -> None:
    """Same math as the kernel: per sample, pulse words, popcount coincidences, device steps."""
    su, sdn, wmin, wmax, std = dev["scale_up"], dev["scale_down"], dev["w_min"], dev["w_max"], dev["std"]
    weights = 1 << np.arange(32, dtype=np.uint64)
    for b in range(x.shape[0]):
        xb, db = x[b], d[b]
        xm, dm = np.abs(xb).max(), np.abs(db).max()
        if xm == 0 or dm == 0:
            continue
        bl = int(min(max(math.ceil(lr * xm * dm / dw), 1), bl_max))
        ab = lr / (dw * bl)
        a, bb = math.sqrt(ab * dm / xm), math.sqrt(ab * xm / dm)
        px = np.minimum(np.abs(xb) * a, 1.0)
        pd = np.minimum(np.abs(db) * bb, 1.0)
        xbits = ((rng.random((xb.size, bl)) < px[:, None]) @ weights[:bl]).astype(np.uint32)
        dbits = ((rng.random((db.size, bl)) < pd[:, None]) @ weights[:bl]).astype(np.uint32)
        n = np.bitwise_count(dbits[:, None] & xbits[None, :]).astype(np.float64)
        up = (np.sign(db)[:, None] * np.sign(xb)[None, :]) > 0
        sgn = np.sign(db)[:, None] * np.sign(xb)[None, :]
        if model == "constant":
            s = np.where(up, su, sdn)
            delta = s * (n + std * np.sqrt(n) * rng.standard_normal(n.shape))
            np.clip(w + sgn * delta, wmin, wmax, out=w)
        else:  # ExpStep: one vectorized step per pulse slot, masked by the coincidence count
            rng_w = wmax - wmin
            for k in range(int(n.max())):
                active = (n > k) & (sgn != 0)
                z = 2.0 * w / rng_w * dev["a"] + dev["b"]
                y_up = np.maximum(1 - dev["A_up"] * np.exp(dev["g_up"] * z), 0)
                y_dn = np.maximum(1 - dev["A_down"] * np.exp(-dev["g_down"] * z), 0)
                step = np.where(up, su * y_up, -sdn * y_dn) * (1 + std * rng.standard_normal(n.shape))
                np.clip(np.where(active, w + step, w), wmin, wmax, out=w)


def aihwkit_update_s(name: str, n: int, x: np.ndarray, d: np.ndarray, lr: float,
                     repeats: int) -> tuple[float, float] | None:
    """(median wall s, median CPU s) of one aihwkit 1.2 ``AnalogTile.update``; None without aihwkit."""
    try:
        import torch
        from aihwkit.simulator.configs import ConstantStepDevice, ExpStepDevice, SingleRPUConfig
        from aihwkit.simulator.tiles import AnalogTile
    except ImportError:
        return None
    torch.set_num_threads(1)
    cfg = SingleRPUConfig(device=ConstantStepDevice() if name == "constant" else ExpStepDevice())
    cfg.update.desired_bl = 31
    cfg.update.update_management = True
    cfg.update.update_bl_management = True
    tile = AnalogTile(n, n, cfg)  # out_size, in_size
    tile.set_learning_rate(lr)
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    dt = torch.from_numpy(np.ascontiguousarray(d, dtype=np.float32))
    tile.update(xt, dt)  # warm-up
    return timed(lambda: tile.update(xt, dt), repeats)


def timed(fn, repeats: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ref-batch", type=int, default=16, help="samples timed for the numpy reference")
    ap.add_argument("--aihwkit-s", type=float, default=7.0, help="aihwkit CPU seconds per step (issue figure)")
    ap.add_argument("--devices", default="constant,exp")
    ap.add_argument("--precisions", default="float64,float32",
                    help="pnnkit kernel arithmetic(s) to time (PulseConfig.precision)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    n = args.size
    x = rng.standard_normal((args.batch, n))
    d = rng.standard_normal((args.batch, n))
    devices = {"constant": D.ConstantStepDevice(), "exp": D.ExpStepDevice()}
    results: dict[str, dict] = {}
    names = args.devices.split(",")
    precisions = args.precisions.split(",")
    # pnnkit (and numpy) first for every device, aihwkit after: aihwkit's OpenMP workers keep
    # spinning after its update and would take the second core from pnnkit's 2-thread runs
    for name in names:
        dev = devices[name]
        row: dict[str, float] = {}
        for prec in precisions:
            tile = AnalogPulsedTile(n, n, dev, seed=1, pulse=PulseConfig(desired_bl=31, precision=prec))
            tag = "" if prec == "float64" else "f32_"
            tile.update(x, d, args.lr)  # warm-up: first-call allocations (buffers, float32 device arrays)
            for nt in (int(t) for t in args.threads.split(",")):
                pnnkit.set_num_threads(nt)
                wall, cpu = timed(lambda: tile.update(x, d, args.lr), args.repeats)
                row[f"pnnkit_{tag}{nt}t_wall_s"], row[f"pnnkit_{tag}{nt}t_cpu_s"] = wall, cpu
        stats = tile.update(x, d, args.lr)
        row["coincidences_per_step"] = float(stats["coincidences"])
        ref_dev = {k: tile.device_array(k) for k in ("scale_up", "scale_down", "w_min", "w_max")}
        ref_dev.update(std=dev.dw_min_std)
        if name == "exp":
            ref_dev.update(a=dev.a, b=dev.b, A_up=dev.A_up, A_down=dev.A_down, g_up=dev.gamma_up,
                           g_down=dev.gamma_down)
        w = tile.weights
        nb = min(args.ref_batch, args.batch)
        wall, cpu = timed(lambda: numpy_update(w, ref_dev, x[:nb], d[:nb], args.lr, dev.granularity(), 31, rng,
                                               name), 1)
        row["numpy_wall_s"] = wall * args.batch / nb
        row["numpy_cpu_s"] = cpu * args.batch / nb
        results[name] = row
    for name in names:
        row = results[name]
        aihw = aihwkit_update_s(name, n, x, d, args.lr, args.repeats)
        if aihw is not None:
            row["aihwkit_1t_wall_s"], row["aihwkit_1t_cpu_s"] = aihw
        aihw_s = aihw[1] if aihw is not None else args.aihwkit_s
        print(f"\n{name} device ({_core.pulse_kernel_isa()} row kernels): {n}x{n} tile, batch {args.batch}, "
              f"lr {args.lr}, "
              f"{row['coincidences_per_step'] / (n * n * args.batch):.1f} coincidences per crosspoint and sample")
        for k, v in row.items():
            print(f"  {k:28s} {v:10.4f}")
        what = "aihwkit 1.2 measured" if aihw is not None else f"aihwkit ~{args.aihwkit_s:.0f} s (issue figure)"
        for prec in precisions:
            tag = "" if prec == "float64" else "f32_"
            one = row[f"pnnkit_{tag}1t_cpu_s"]
            print(f"  [{prec}] speed-up vs numpy (1 thread, CPU time): {row['numpy_cpu_s'] / one:8.1f}x")
            print(f"  [{prec}] speed-up vs {what}, pnnkit 1 thread (CPU time): {aihw_s / one:8.1f}x")
            if f"pnnkit_{tag}2t_wall_s" in row:
                two = row[f"pnnkit_{tag}2t_wall_s"]
                if aihw is not None:
                    print(f"  [{prec}] speed-up vs aihwkit 1.2 (wall), pnnkit 2 threads: {aihw[0] / two:8.1f}x")
                print(f"  [{prec}] 2 threads vs 1 (wall): {row[f'pnnkit_{tag}1t_wall_s'] / two:8.2f}x")
    pnnkit.set_num_threads(2)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "results": results, "build": pnnkit.build_info(),
                       "pulse_kernel_isa": _core.pulse_kernel_isa()}, fh, indent=1)


if __name__ == "__main__":
    main()
