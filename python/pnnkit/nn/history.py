"""Per-epoch metrics of a training run, easy to print, plot and save as JSON/CSV."""

from __future__ import annotations

import csv
import json
import os
from typing import Any


class History:
    """A list of rows (dicts), one per epoch, e.g. ``{"epoch": 3, "loss": 0.2, "test_acc": 0.95}``."""

    def __init__(self, rows: list[dict[str, Any]] | None = None) -> None:
        self.rows: list[dict[str, Any]] = list(rows or [])

    def record(self, **metrics: Any) -> None:
        self.rows.append({k: (float(v) if hasattr(v, "__float__") and not isinstance(v, (int, bool)) else v)
                          for k, v in metrics.items()})

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, key: str) -> list[Any]:
        return [r.get(key) for r in self.rows]

    @property
    def last(self) -> dict[str, Any]:
        return self.rows[-1] if self.rows else {}

    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.rows:
            seen.update(dict.fromkeys(r))
        return list(seen)

    def to_json(self, path: str | os.PathLike) -> None:
        with open(path, "w") as fh:
            json.dump(self.rows, fh, indent=1)

    def to_csv(self, path: str | os.PathLike) -> None:
        keys = self.keys()
        with open(path, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=keys)
            w.writeheader()
            for r in self.rows:
                w.writerow(r)

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> History:
        with open(path) as fh:
            return cls(json.load(fh))

    def __repr__(self) -> str:
        return f"History({len(self.rows)} epochs, keys={self.keys()})"
