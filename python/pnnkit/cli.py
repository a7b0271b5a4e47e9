"""The ``pnnkit`` command: train a substrate with a method, evaluate a saved run, list methods.

    pnnkit train --substrate crossbar --method hwa --dataset digits
    pnnkit eval runs/<run> --drift 1h,1d,1y
    pnnkit methods
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import build_info, io, set_num_threads
from .datasets import DATASETS, load_dataset
from .jobs import JOBS, available_jobs, job_for
from .training.registry import METHODS


class Progress:
    """One line per epoch (or a tqdm bar when tqdm is installed and stderr is a terminal)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet, self._bar = quiet, None

    def __call__(self, epoch: int, n_epochs: int, metrics: dict[str, Any]) -> None:
        if self.quiet:
            return
        shown = {k: v for k, v in metrics.items() if isinstance(v, float) and k != "time_s"}
        text = " ".join(f"{k}={v:.4f}" for k, v in shown.items())
        try:
            from tqdm import tqdm  # optional extra: pnnkit[progress]
        except ImportError:
            tqdm = None
        if tqdm is not None and sys.stderr.isatty():
            if self._bar is None:
                self._bar = tqdm(total=n_epochs, desc="train", unit="epoch")
            self._bar.set_postfix_str(text)
            self._bar.update(1)
            if epoch == n_epochs:
                self._bar.close()
            return
        width = 24
        done = int(width * epoch / n_epochs)
        print(f"[{'#' * done}{'.' * (width - done)}] epoch {epoch}/{n_epochs} {text}", file=sys.stderr, flush=True)


def print_table(results: dict[str, Any], title: str) -> None:
    """A two-column table of results."""
    rows = [(k, f"{v:.4f}" if isinstance(v, float) else str(v)) for k, v in results.items()]
    w0 = max([len(title)] + [len(k) for k, _ in rows])
    w1 = max([5] + [len(v) for _, v in rows])
    line = "+" + "-" * (w0 + 2) + "+" + "-" * (w1 + 2) + "+"
    print(line)
    print(f"| {title:<{w0}} | {'value':>{w1}} |")
    print(line)
    for k, v in rows:
        print(f"| {k:<{w0}} | {v:>{w1}} |")
    print(line)


def _plot_history(history: Any, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax1 = plt.subplots(figsize=(6, 4))
    epochs = history["epoch"]
    ax1.plot(epochs, history["loss"], "C0-", label="train loss")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("loss")
    ax2 = ax1.twinx()
    for i, key in enumerate(k for k in history.keys() if k.endswith("acc")):
        ax2.plot(epochs, history[key], f"C{i + 1}--", label=key)
    ax2.set_ylabel("accuracy")
    fig.legend(loc="center right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def _common_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, add_help=False)
    p.add_argument("--substrate", default="crossbar", choices=sorted(JOBS))
    p.add_argument("--method", default="hwa")
    p.add_argument("--dataset", default="digits", choices=DATASETS)
    p.add_argument("--data-path", default=None, help="MNIST directory/npz (default: shared/data/mnist)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (job default if omitted)")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs", help="folder in which the run folder is created")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--quiet", action="store_true")
    return p


def cmd_train(argv: list[str]) -> int:
    common = _common_parser("pnnkit train")
    known, _ = common.parse_known_args(argv)
    job = job_for(known.substrate, known.method)
    parser = argparse.ArgumentParser(prog="pnnkit train", parents=[common],
                                     description="Train a physical neural network and write a run folder.")
    job.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.threads is not None:
        set_num_threads(args.threads)
    data = load_dataset(args.dataset, args.data_path)
    if not args.quiet:
        print(f"pnnkit train: {args.substrate} / {args.method} on {data.summary()}", file=sys.stderr)
    t0 = time.perf_counter()
    out = job.run(args, data, Progress(args.quiet))
    wall = time.perf_counter() - t0
    run_dir = Path(args.out) / f"{args.substrate}-{args.method}-{args.dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
    suffix = 1
    while run_dir.exists():
        run_dir = run_dir.with_name(run_dir.name.split("+")[0] + f"+{suffix}")
        suffix += 1
    run_dir.mkdir(parents=True)
    config = {"argv": argv, **{k: v for k, v in vars(args).items()}, "job": job.__name__,
              "job_config": out.get("config", {}), "build": build_info()}
    (run_dir / "config.json").write_text(json.dumps(config, indent=1, default=str))
    results = {**out["results"], "wall_time_s": wall}
    (run_dir / "results.json").write_text(json.dumps(results, indent=1))
    out["history"].to_json(run_dir / "metrics.json")
    out["history"].to_csv(run_dir / "metrics.csv")
    io.save(run_dir / "model.npz", out["model"], metadata={"config": config, "results": results})
    plotted = _plot_history(out["history"], run_dir / "training_curve.png")
    print_table(results, f"{args.substrate}/{args.method}/{args.dataset}")
    print(f"run folder: {run_dir}" + ("" if plotted else "  (install pnnkit[plot] for training_curve.png)"))
    return 0


def cmd_eval(argv: list[str]) -> int:
    pre = argparse.ArgumentParser(prog="pnnkit eval", add_help=False)
    pre.add_argument("run", help="run folder written by `pnnkit train` (or its model.npz)")
    known, _ = pre.parse_known_args(argv)
    ckpt = Path(known.run)
    ckpt = ckpt / "model.npz" if ckpt.is_dir() else ckpt
    if not ckpt.exists():
        raise ValueError(f"no checkpoint at {ckpt}")
    model, meta = io.load(ckpt)
    cfg = meta.get("config", {})
    job = job_for(cfg.get("substrate", ""), cfg.get("method", ""))
    if not hasattr(job, "evaluate"):
        raise ValueError(f"substrate {cfg.get('substrate')!r} has no `pnnkit eval` support")
    parser = argparse.ArgumentParser(prog="pnnkit eval", parents=[pre], description="Re-evaluate a saved run.")
    parser.add_argument("--threads", type=int, default=None)
    job.add_eval_arguments(parser)
    args = parser.parse_args(argv)
    if args.threads is not None:
        set_num_threads(args.threads)
    data = load_dataset(cfg.get("dataset", "digits"), cfg.get("data_path"))
    results = job.evaluate(model, data, args, meta)
    print_table(results, f"eval {ckpt.parent.name}")
    out = ckpt.parent / "eval.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"written: {out}")
    return 0


def cmd_methods(argv: list[str]) -> int:
    argparse.ArgumentParser(prog="pnnkit methods", description="The method x substrate matrix.").parse_args(argv)
    jobs = available_jobs()
    subs = sorted(JOBS)
    offered = {s: {m for name in JOBS[s] if name in jobs for m in jobs[name].METHODS} for s in subs}
    names = sorted(set(METHODS) | set().union(*offered.values()))
    w = max(len(n) for n in names)
    print(f"{'method':<{w}}  " + "  ".join(f"{s:>11}" for s in subs) + "  requires")
    for n in names:
        req = ",".join(sorted(METHODS[n].requires)) if n in METHODS else ""
        print(f"{n:<{w}}  " + "  ".join(f"{('yes' if n in offered[s] else '-'):>11}" for s in subs) + f"  {req}")
    return 0


def cmd_info(argv: list[str]) -> int:
    argparse.ArgumentParser(prog="pnnkit info").parse_args(argv)
    print(json.dumps(build_info(), indent=1))
    return 0


COMMANDS = {"train": cmd_train, "eval": cmd_eval, "methods": cmd_methods, "info": cmd_info}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pnnkit`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: pnnkit {train,eval,methods,info} ...\n\n" + (__doc__ or ""), file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except (ValueError, FileNotFoundError) as exc:
        print(f"pnnkit {argv[0]}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
