"""2-layer Clements-mesh network on the 8x8 digits: ideal backprop vs in-situ backprop on a chip.

Runs, on the same network, data split, initial phases and optimiser settings:
  backprop  - ideal backprop on the twin, evaluated on the twin (the digital reference);
  insitu    - trained on the seeded chip (coupler imbalance, phase quantization, thermal
              crosstalk, detector noise on the in-situ monitors) with gradients measured by the
              forward/adjoint/interference passes, evaluated on the chip;
  insilico  - twin-trained phases deployed to the chip (optional, --all);
  pat       - physics-aware training on the chip (optional, --all).

    nice python bench/mzi_digits.py [--epochs 20] [--all] [--json out.json]
    # a lossy chip, in situ with the 3-measurement formula and with the 4th (reference) pass:
    nice python bench/mzi_digits.py --loss-db 0.05 --methods insitu
    nice python bench/mzi_digits.py --loss-db 0.05 --methods insitu --conjugate-reference
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict

import pnnkit
from pnnkit.datasets import load_digits
from pnnkit.jobs.mzi import MziJobConfig, train


def main() -> None:
    d = MziJobConfig()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=d.epochs)
    ap.add_argument("--lr", type=float, default=d.lr)
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--detector-noise", type=float, default=d.detector_noise)
    ap.add_argument("--all", action="store_true", help="also in-silico deployment and PAT on the chip")
    ap.add_argument("--methods", default=None,
                    help="comma-separated subset of backprop,insitu,insilico,pat (default backprop,insitu)")
    ap.add_argument("--loss-db", type=float, default=d.loss_db_per_mzi, help="chip insertion loss per MZI (dB)")
    ap.add_argument("--conjugate-reference", action="store_true", help="4th in-situ pass (loss-bias free)")
    ap.add_argument("--crosstalk", type=float, default=d.crosstalk, help="chip thermal crosstalk")
    ap.add_argument("--splitter-error", type=float, default=d.splitter_error_std_rad, help="coupler angle std (rad)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.threads:
        pnnkit.set_num_threads(args.threads)
    cfg = MziJobConfig(epochs=args.epochs, lr=args.lr, seed=args.seed, detector_noise=args.detector_noise,
                       loss_db_per_mzi=args.loss_db, conjugate_reference=args.conjugate_reference,
                       crosstalk=args.crosstalk, splitter_error_std_rad=args.splitter_error)
    data = load_digits()
    print(f"digits {data.x_train.shape[0]} train / {data.x_test.shape[0]} test; config {asdict(cfg)}")
    catalog = {"backprop": ("insilico", True), "insitu": ("insitu", False), "insilico": ("insilico", False),
               "pat": ("pat", False)}
    names = args.methods.split(",") if args.methods else ["backprop", "insitu"] + (["insilico", "pat"] if args.all
                                                                                   else [])
    unknown = [n for n in names if n not in catalog]
    if unknown:
        ap.error(f"unknown methods {unknown}; choose from {sorted(catalog)}")
    runs = [(n, *catalog[n]) for n in names]
    results = {}
    for name, method, ideal in runs:
        t0 = time.perf_counter()
        out = train(method, data, cfg, ideal_chip=ideal)
        r = dict(out["results"], wall_s=time.perf_counter() - t0,
                 history=[{k: v for k, v in row.items()} for row in out["history"].rows])
        if name == "backprop":
            r["test_acc"] = r["twin_test_acc"]  # the digital reference is evaluated on the twin
        results[name] = r
        print(f"{name:9s} test acc {100 * r['test_acc']:.2f}%  (twin {100 * r['twin_test_acc']:.2f}%)  "
              f"physical queries {r['train_physical_queries']:.0f}  {r['wall_s']:.0f} s", flush=True)
    gap = None
    if "backprop" in results and "insitu" in results:
        gap = 100 * (results["backprop"]["test_acc"] - results["insitu"]["test_acc"])
        print(f"ideal backprop minus in-situ: {gap:+.2f} points (goal: within 2)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"config": asdict(cfg), "results": results, "gap_points": gap}, fh, indent=1)


if __name__ == "__main__":
    main()
