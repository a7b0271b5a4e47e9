"""Equilibrium-substrate benchmarks in one run: Hopfield relaxation (vs numpy), linear resistor
network solves (vs scipy.sparse where installed) and the diode-network QP (vs numpy).

Run: ``python bench/equilibrium.py [--json PATH]``; each part also runs on its own
(``bench/equilibrium_hopfield.py``, ``bench/equilibrium_resistor.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import equilibrium_hopfield  # noqa: E402
import equilibrium_resistor  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", default=None, help="write all results to this JSON file")
    a = p.parse_args(argv)
    print("== Hopfield relaxation")
    hop = equilibrium_hopfield.main([])
    print("\n== Resistor and diode networks")
    res = equilibrium_resistor.main([])
    out = {"hopfield": hop, "resistor": res}
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1, default=str)
    return out


if __name__ == "__main__":
    main()
