"""D2NN (Lin et al. 2018 preset) on the project's MNIST split: in-silico, deployed to a flawed chip, PAT.

1. Train the ideal twin (softmax cross-entropy on the 10 detector signals) -> twin test accuracy.
2. Deploy the same phases to a seeded chip with ``--phase-error`` (fraction of 2 pi, additive per
   pixel) and ``--misalignment`` (pixels, per layer and axis) -> in-silico deployed accuracy.
3. Fine-tuning on that chip, each method from the in-silico phases on a fresh copy of the same
   chip (same seed, same epochs): ``pat`` (physical forward, vjp of the *ideal* twin at the
   measured input), ``pat-cal`` (the twin's layer shifts first calibrated from camera frames
   of the chip, :func:`pnnkit.optics.calibration.calibrate_shifts`, then PAT), ``pat-realign``
   (calibrate, re-register the masks by the estimated shifts -> "realigned deployed" accuracy
   with no training, then PAT), ``insitu`` (physical adjoint) -> accuracy and physical queries.

    nice python bench/d2nn_mnist.py --epochs 4 --cosine --no-pad --json d2nn.json
    nice python bench/d2nn_mnist.py --epochs 2 --cosine --no-pad --finetune insitu --save-twin twin.npz
    nice python bench/d2nn_mnist.py --no-pad --load-twin twin.npz --finetune pat-cal insitu pat
    nice python bench/d2nn_mnist.py --no-pad --load-twin twin.npz --finetune pat-realign --pat-lr 0.002
    nice python bench/d2nn_mnist.py --load-twin twin_pad.npz --finetune pat-realign --pat-epochs 0

``--no-pad`` (circular 200 x 200 steps, band-limited) is ~2.5x cheaper than the linear 400 x 400
default; the preset itself pads.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pnnkit
from pnnkit import io as pnnkit_io
from pnnkit.datasets import load_mnist_split
from pnnkit.nn import Adam, SoftmaxCrossEntropy, accuracy
from pnnkit.optics.calibration import calibrate_shifts, realign_masks
from pnnkit.optics.diffractive import DiffractiveNonidealities
from pnnkit.optics.presets import d2nn_lin2018
from pnnkit.substrate import total_queries
from pnnkit.training import train_insilico, train_pat
from pnnkit.training.insitu import train_insitu

FINETUNE = ("pat", "pat-cal", "pat-realign", "insitu")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=2, help="in-silico epochs")
    ap.add_argument("--pat-epochs", type=int, default=1,
                    help="stage-3 epochs (from the in-silico phases); 0 skips (pat-realign: calibrates only)")
    ap.add_argument("--n-train", type=int, default=8000, help="training images used (first n of the split)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--pat-lr", type=float, default=0.02)
    ap.add_argument("--gain", type=float, default=300.0)
    ap.add_argument("--phase-error", type=float, default=0.1)
    ap.add_argument("--misalignment", type=int, default=1)
    ap.add_argument("--chip-seed", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-pad", action="store_true", help="circular convolution on 200x200 (cheaper, less exact)")
    ap.add_argument("--cosine", action="store_true", help="cosine decay of the in-silico lr over the epochs")
    ap.add_argument("--finetune", nargs="+", choices=FINETUNE, default=["pat"],
                    help="stage-3 methods, each from the in-silico phases on a fresh copy of the chip")
    ap.add_argument("--calibrate", action="store_true", help="also run pat-cal (PAT with the calibrated twin)")
    ap.add_argument("--cal-images", type=int, default=8, help="training images per probed layer in calibration")
    ap.add_argument("--cal-readout", choices=("camera", "regions"), default="camera")
    ap.add_argument("--save-twin", default=None, help="save the in-silico model (npz checkpoint)")
    ap.add_argument("--load-twin", default=None, help="skip stage 1: load an in-silico model saved with --save-twin")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    if args.calibrate and "pat-cal" not in args.finetune:
        args.finetune.append("pat-cal")
    pnnkit.set_num_threads(args.threads)
    data = load_mnist_split()
    x, y = data.x_train[: args.n_train], data.y_train[: args.n_train]
    out: dict = {"args": vars(args)}

    def log(msg: str) -> None:
        print(msg, flush=True)
        if args.json:  # written after every stage, so a long run leaves partial results
            with open(args.json, "w") as fh:
                json.dump(out, fh, indent=2)

    def progress(epoch: int, row: dict) -> None:
        log(f"  epoch {epoch}: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                             for k, v in row.items()))

    # 1. in-silico training of the ideal twin
    if args.load_twin:
        twin, _ = pnnkit_io.load(args.load_twin)
        out["loaded_twin"] = args.load_twin
        twin.input_grad = False  # the images are data: no input gradient (saves the last adjoint step)
    else:
        twin = d2nn_lin2018(gain=args.gain, pad=not args.no_pad, init_seed=args.seed)
        twin.input_grad = False  # the images are data: no input gradient (saves the last adjoint step)
        t0 = time.perf_counter()
        opt = Adam(twin, lr=args.lr)

        def epoch_end(epoch: int, row: dict) -> None:
            if args.cosine:  # lr for the next epoch; the last epoch runs at a small lr
                opt.lr = args.lr * 0.5 * (1 + np.cos(np.pi * epoch / args.epochs))
            progress(epoch, row)

        train_insilico(twin, SoftmaxCrossEntropy(), opt, x, y, epochs=args.epochs,
                       batch_size=args.batch_size, seed=args.seed, callback=epoch_end)
        out["insilico_train_s"] = time.perf_counter() - t0
        if args.save_twin:
            pnnkit_io.save(args.save_twin, twin)
    twin.set_mode("twin")
    out["twin_test_acc"] = accuracy(twin, data.x_test, data.y_test, batch_size=256)
    log(f"twin test accuracy {out['twin_test_acc']:.4f}")

    # 2. deploy to the flawed chip
    nid = DiffractiveNonidealities(phase_error=args.phase_error, misalignment_px=args.misalignment,
                                   seed=args.chip_seed)

    def fresh_chip():  # the same fabricated chip (seed), programmed with the in-silico phases
        c = d2nn_lin2018(gain=args.gain, pad=not args.no_pad, nonideal=nid, init_seed=args.seed)
        c.load_state_dict(twin.state_dict())
        c.input_grad = False
        return c

    chip = fresh_chip()
    out["chip_shifts_px"] = chip.shifts_px_.tolist()
    chip.set_mode("physical")
    out["insilico_deployed_test_acc"] = accuracy(chip, data.x_test, data.y_test, batch_size=256)
    log(f"in-silico deployed to chip: {out['insilico_deployed_test_acc']:.4f} (shifts {out['chip_shifts_px']})")

    if args.pat_epochs < 1 and "pat-realign" not in args.finetune:
        return 0
    # 3. fine-tuning on the chip, each method from the in-silico phases
    for method in args.finetune:
        chip = fresh_chip()
        t0 = time.perf_counter()
        if method in ("pat-cal", "pat-realign"):
            # calibration images: the first training images (never the test split)
            cal = calibrate_shifts(chip, x[: args.cal_images], max_shift_px=max(args.misalignment, 1),
                                   readout=args.cal_readout)
            out[f"{method}_calibration"] = {**cal.as_dict(), "true_shifts_px": chip.shifts_px_.tolist(),
                                            "exact": bool(np.array_equal(cal.shifts_px, chip.shifts_px_)),
                                            "seconds": time.perf_counter() - t0}
            cal_q = cal.physical_queries
            log(f"calibration: recovered shifts {cal.shifts_px.tolist()} vs true {chip.shifts_px_.tolist()} "
                f"({cal.physical_queries} physical queries, {cal.twin_evaluations} twin evaluations, "
                f"{time.perf_counter() - t0:.0f} s)")
            if method == "pat-realign":
                realign_masks(chip)
                chip.set_mode("physical")
                out["realigned_deployed_test_acc"] = accuracy(chip, data.x_test, data.y_test, batch_size=256)
                log(f"realigned (calibrated, masks re-registered) deployed: {out['realigned_deployed_test_acc']:.4f}")
        if args.pat_epochs < 1:  # pat-realign with no training: calibration and re-registration only
            continue
        chip.queries.clear()
        fn = train_insitu if method == "insitu" else train_pat
        fn(chip, SoftmaxCrossEntropy(), Adam(chip, lr=args.pat_lr), x, y, epochs=args.pat_epochs,
           batch_size=args.batch_size, seed=args.seed + 1, callback=progress)
        res = {"train_queries": dict(total_queries(chip))}
        if method in ("pat-cal", "pat-realign"):
            res["calibration_queries"] = cal_q
        chip.set_mode("physical")
        res["test_acc"] = accuracy(chip, data.x_test, data.y_test, batch_size=256)
        res["train_s"] = time.perf_counter() - t0
        out[method] = res
        log(f"{method} on chip ({args.pat_epochs} epochs): {res['test_acc']:.4f} ({res['train_s']:.0f} s, "
            f"training queries {res['train_queries']}"
            + (f", calibration queries {res['calibration_queries']})" if "calibration_queries" in res else ")"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
