"""Free-space optics kernels vs numpy / scipy.fft / torchoptics (medians, ratios, optional JSON).

1. One propagation step (FFT2, multiply by H, IFFT2) of a batch of complex64 fields, 512 x 512 by
   default, circular (no padding) so every implementation does the same transforms:
   pnnkit (OpenMP over the batch, pocketfft single-threaded inside), numpy.fft, scipy.fft(workers=2).
2. Forward + adjoint (vjp) of the 5-layer D2NN preset (200 x 200, padded to 400 x 400), batch 64:
   pnnkit's fused stack vs the same pipeline written in numpy (complex64).
3. The same D2NN in torchoptics (when installed), forward + backward of a batch of 32
   (``--torch-batch``), against the pnnkit module (encode, fused stack, detectors, vjp) on that
   batch. torch runs on ``torch.set_num_threads(--threads)``, pnnkit on ``--threads`` OpenMP threads.

4. ``--only isa``: the fused stack's forward + vjp (D2NN preset, ``--torch-batch`` samples, no input
   gradient) in each SIMD copy of the kernels this CPU runs (generic, avx2, avx512), interleaved.

    python bench/optics.py --json optics.json
    python bench/optics.py --only torch --torch-repeat 3     # just the torchoptics comparison
    python bench/optics.py --only isa --threads 1            # kernel copies side by side
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Callable

import numpy as np
import pnnkit
from _timing import cpu_time_s, load_average, wall_times_s
from pnnkit.optics.presets import d2nn_lin2018
from pnnkit.optics.propagation import Propagator


def median_time(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> float:
    """Median wall time in seconds (see :func:`_timing.wall_times_s`)."""
    return wall_times_s(fn, repeat, warmup)[0]


def bench_step(batch: int, n: int, repeat: int, threads: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(batch, n, n)) + 1j * rng.normal(size=(batch, n, n))).astype(np.complex64)
    prop = Propagator((n, n), 1e-6, 1e-6, 50e-6, pad=False, band_limit=True, warn=False)
    H = prop.H  # (1, n, n) complex64
    res = {"pnnkit_s": median_time(lambda: prop(x), repeat)}
    res["numpy_fft_s"] = median_time(lambda: np.fft.ifft2(np.fft.fft2(x) * H[0]), repeat)
    ref = np.fft.ifft2(np.fft.fft2(x) * H[0])
    res["max_rel_diff_vs_numpy"] = float(np.abs(prop(x) - ref).max() / np.abs(ref).max())
    try:
        import scipy.fft as sfft

        res["scipy_fft_workers2_s"] = median_time(
            lambda: sfft.ifft2(sfft.fft2(x, workers=2) * H[0], workers=2, overwrite_x=True), repeat)
    except ImportError:
        res["scipy_fft_workers2_s"] = float("nan")
    return res


def numpy_d2nn(x: np.ndarray, H: np.ndarray, t: np.ndarray, g_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The D2NN forward (storing the field before each mask) and vjp, vectorised numpy, complex64."""
    n = x.shape[-1]
    P = H.shape[-1]

    def step(u: np.ndarray, h: np.ndarray) -> np.ndarray:
        pad = np.zeros((u.shape[0], P, P), np.complex64)
        pad[:, :n, :n] = u
        return np.fft.ifft2(np.fft.fft2(pad) * h)[:, :n, :n].astype(np.complex64)

    L = t.shape[0]
    u = step(x, H[0])
    stored = []
    for l in range(L):
        stored.append(u)
        u = step(u * t[l], H[l + 1])
    g = g_out
    gt = np.zeros_like(t)
    for l in range(L - 1, -1, -1):
        g = step(g, np.conj(H[l + 1]))
        gt[l] = np.sum(np.conj(stored[l]) * g, axis=0)
        g = g * np.conj(t[l])
    gx = step(g, np.conj(H[0]))
    return gx, gt


def bench_d2nn(batch: int, repeat: int) -> dict[str, float]:
    rng = np.random.default_rng(1)
    net = d2nn_lin2018()
    stack = net._twin
    t = net.twin_transmissions()
    x = net.encode(rng.uniform(0, 1, (batch, 784)).astype(np.float32))
    g = (rng.normal(size=x.shape) + 1j * rng.normal(size=x.shape)).astype(np.complex64)

    def ours() -> tuple[np.ndarray, np.ndarray]:
        stack.forward(x, t, True)
        return stack.backward(g, True)

    Hs = np.stack([Propagator(net.shape, net.pitch_m, net.wavelengths_m[0], d, warn=False).H[0]
                   for d in net.distances_m])
    res = {"pnnkit_s": median_time(ours, repeat)}
    res["numpy_s"] = median_time(lambda: numpy_d2nn(x, Hs, t[:, 0], g), max(1, repeat // 2))
    gx, gt = ours()
    gx_np, gt_np = numpy_d2nn(x, Hs, t[:, 0], g)
    res["max_rel_diff_grad_t"] = float(np.abs(gt[:, 0] - gt_np).max() / np.abs(gt_np).max())
    res["stored_buffer_MB"] = stack.buffer_bytes / 1e6
    return res


def bench_isa(batch: int, repeat: int) -> dict[str, dict[str, float]]:
    """Stack forward (storing) + vjp without input gradient in each kernel copy, rounds interleaved."""
    net = d2nn_lin2018()
    stack, t = net._twin, net.twin_transmissions()
    rng = np.random.default_rng(3)
    x = net.encode(rng.uniform(0, 1, (batch, 784)).astype(np.float32))
    g = (rng.normal(size=x.shape) + 1j * rng.normal(size=x.shape)).astype(np.complex64)
    before = pnnkit._core.optics_kernel_isa()
    isas = pnnkit._core.optics_kernel_isas()
    wall: dict[str, list[float]] = {i: [] for i in isas}
    cpu: dict[str, list[float]] = {i: [] for i in isas}
    try:
        for r in range(repeat + 1):
            for isa in isas:
                pnnkit._core.optics_set_kernel_isa(isa)  # repacks H: done before the clocks start
                stack.forward(x[:1], t, False)
                w0, c0 = time.perf_counter(), time.process_time()
                stack.forward(x, t, True)
                stack.backward(g, False)
                if r > 0:  # round 0 warms up
                    wall[isa].append(time.perf_counter() - w0)
                    cpu[isa].append(time.process_time() - c0)
    finally:
        pnnkit._core.optics_set_kernel_isa(before)
    return {i: {"wall_median_s": float(np.median(wall[i])), "wall_min_s": min(wall[i]),
                "cpu_median_s": float(np.median(cpu[i])), "cpu_min_s": min(cpu[i])} for i in isas}


def bench_torchoptics(batch: int, repeat: int, threads: int) -> dict[str, Any] | None:
    try:
        import torch
        import torchoptics
        from torchoptics import Field, System
        from torchoptics.elements import PhaseModulator
    except ImportError:
        return None
    torch.set_num_threads(threads)
    net = d2nn_lin2018()
    n, p, lam, d = net.shape[0], net.pitch_m, net.wavelengths_m[0], net.distances_m[0]
    phases = [torch.nn.Parameter(torch.tensor(net._params["phase"].value[l], dtype=torch.float32))
              for l in range(net.n_layers)]
    system = System(*[PhaseModulator(ph, z=d * (l + 1), spacing=p) for l, ph in enumerate(phases)])
    rng = np.random.default_rng(2)
    x = torch.tensor(net.encode(rng.uniform(0, 1, (batch, 784)).astype(np.float32)))
    regions = net.regions

    def step() -> None:
        for ph in phases:
            ph.grad = None
        field = Field(x, wavelength=lam, z=0, spacing=p)
        out = system.measure_at_z(field, z=d * (net.n_layers + 1), propagation_method="ASM", asm_pad=(n // 2, n // 2))
        inten = out.data.abs().square()
        sig = torch.stack([inten[:, y:y + h, x0:x0 + w].sum(dim=(1, 2)) for y, x0, h, w in regions.tolist()], 1)
        sig.sum().backward()

    # torch computes no gradient for x (a plain tensor); the pnnkit module likewise skips it.
    net.input_grad = False

    def ours() -> None:
        net.zero_grad()
        out = net.forward(rng.uniform(0, 1, (batch, 784)).astype(np.float32))
        net.backward(np.ones_like(out))

    t_med, t_min = wall_times_s(step, repeat)
    p_med, p_min = wall_times_s(ours, max(repeat, 3))
    t_cpu, p_cpu = cpu_time_s(step, 1), cpu_time_s(ours, 3)
    return {"torchoptics_version": torchoptics.__version__, "torch_version": torch.__version__, "torch_batch": batch,
            "torch_threads": torch.get_num_threads(), "torchoptics_s": t_med, "torchoptics_min_s": t_min,
            "pnnkit_s": p_med, "pnnkit_min_s": p_min, "torchoptics_cpu_s": t_cpu, "pnnkit_cpu_s": p_cpu}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=32, help="propagation-step batch")
    ap.add_argument("--n", type=int, default=512, help="propagation-step grid size")
    ap.add_argument("--d2nn-batch", type=int, default=64)
    ap.add_argument("--torch-batch", type=int, default=32, help="torchoptics comparison batch")
    ap.add_argument("--torch-repeat", type=int, default=1, help="timed torchoptics steps (after one warm-up)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-torch", action="store_true")
    ap.add_argument("--only", choices=("step", "d2nn", "torch", "isa"), default=None,
                    help="run one comparison only")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    pnnkit.set_num_threads(args.threads)
    info = {"build": pnnkit.build_info(), "args": vars(args)}
    info["load_average_1min"] = load_average()
    info["optics_kernel_isa"] = pnnkit._core.optics_kernel_isa()
    print(f"pnnkit {info['build']['version']} threads={args.threads} optics kernels {info['optics_kernel_isa']} "
          f"load {info['load_average_1min']}", flush=True)
    out: dict[str, Any] = dict(info)
    if args.only in (None, "step"):
        out["step"] = run_step(args)
    if args.only in (None, "d2nn"):
        out["d2nn"] = run_d2nn(args)
    if args.only == "isa":
        res = bench_isa(args.torch_batch, args.repeat)
        for isa, r in res.items():
            print(f"[isa {isa}] stack forward+vjp (no input grad) batch {args.torch_batch}: wall median "
                  f"{r['wall_median_s']:.3f} s (min {r['wall_min_s']:.3f}), CPU median {r['cpu_median_s']:.3f} s "
                  f"(min {r['cpu_min_s']:.3f})", flush=True)
        out["isa"] = res
    if args.only == "torch" or (args.only is None and not args.skip_torch):
        to = bench_torchoptics(args.torch_batch, args.torch_repeat, args.threads)
        if to is None:
            print("[torchoptics] not installed: skipped", flush=True)
        else:
            print(f"[torchoptics {to['torchoptics_version']}] D2NN forward+backward batch {to['torch_batch']} "
                  f"(torch threads {to['torch_threads']}): {to['torchoptics_s']:.2f} s (min "
                  f"{to['torchoptics_min_s']:.2f}) vs pnnkit module {to['pnnkit_s']:.3f} s (min "
                  f"{to['pnnkit_min_s']:.3f}): {to['torchoptics_s'] / to['pnnkit_s']:.1f}x median, "
                  f"{to['torchoptics_min_s'] / to['pnnkit_min_s']:.1f}x min; CPU time {to['torchoptics_cpu_s']:.2f} "
                  f"vs {to['pnnkit_cpu_s']:.3f} s ({to['torchoptics_cpu_s'] / to['pnnkit_cpu_s']:.1f}x)", flush=True)
            out["torchoptics"] = to
    out["load_average_1min_end"] = load_average()
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
    return 0


def run_step(args: argparse.Namespace) -> dict[str, float]:
    step = bench_step(args.batch, args.n, args.repeat, args.threads)
    print(f"[step] batch {args.batch} complex64 {args.n}x{args.n}: pnnkit {step['pnnkit_s'] * 1e3:.1f} ms | "
          f"numpy.fft {step['numpy_fft_s'] * 1e3:.1f} ms ({step['numpy_fft_s'] / step['pnnkit_s']:.2f}x) | "
          f"scipy.fft workers=2 {step['scipy_fft_workers2_s'] * 1e3:.1f} ms "
          f"(pnnkit/scipy time {step['pnnkit_s'] / step['scipy_fft_workers2_s']:.2f}) | "
          f"max rel diff {step['max_rel_diff_vs_numpy']:.1e}", flush=True)
    return step


def run_d2nn(args: argparse.Namespace) -> dict[str, float]:
    d2 = bench_d2nn(args.d2nn_batch, max(2, args.repeat // 2))
    print(f"[d2nn] 5 layers 200x200 (pad 400) batch {args.d2nn_batch} forward+vjp: pnnkit {d2['pnnkit_s']:.2f} s | "
          f"numpy {d2['numpy_s']:.2f} s ({d2['numpy_s'] / d2['pnnkit_s']:.2f}x) | stored fields "
          f"{d2['stored_buffer_MB']:.0f} MB | grad rel diff {d2['max_rel_diff_grad_t']:.1e}", flush=True)
    return d2


if __name__ == "__main__":
    sys.exit(main())
