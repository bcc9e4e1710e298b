"""A small regression workflow's folder for the command-line tests: generated data."""

from __future__ import annotations

import random
from pathlib import Path


def regression_folder(folder: Path, workflow: str, rows: int) -> Path:
    """`folder` holding `workflow.yaml` (`workflow`) and `data.csv`: `rows` rows of `id`,
    `x1`, `x2` and a target `y` that is nearly linear in them (seeded: the same each
    time). Returns the config's path."""
    draws = random.Random(0)
    lines = ["id,x1,x2,y"]
    for number in range(rows):
        a, b = draws.random(), draws.random()
        lines.append(f"{number},{a:.4f},{b:.4f},{2 * a - b + draws.random() / 10:.4f}")
    (folder / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = folder / "workflow.yaml"
    config.write_text(workflow, encoding="utf-8")
    return config
