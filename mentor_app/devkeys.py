"""Keys a development machine generates once into instance/ (never committed, never logged).

Domains append generators here: `(instance_dir) -> str | None` returning a line to print.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

KEY_GENERATORS: list[Callable[[Path], str | None]] = []


def ensure_dev_keys(instance_dir: Path) -> list[str]:
    instance_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for generate in KEY_GENERATORS:
        line = generate(instance_dir)
        if line:
            lines.append(line)
    return lines or ["instance keys present"]
