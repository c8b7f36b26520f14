"""The app's icons, drawn in code so they can be regenerated without an image library.

    python -m mentor_app.pwa.icons        # writes static/icons/app-*.png and apple-touch-icon.png

A speech bubble (asking for advice) in the brand colour. The "any" icons have rounded corners
and a transparent outside; the maskable one and the iPhone one fill the whole square (the
platform cuts its own shape) and keep the bubble inside the central safe zone (a circle of 80 %
of the width). The files are committed; this module is how they were made.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

BRAND = (0x1D, 0x4E, 0x5F)  # --brand in static/css/app.css (light)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis: 16 samples a pixel smooth the edges

Shape = Callable[[float, float], bool]


def png_bytes(width: int, height: int, pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """A minimal RGBA PNG: signature, IHDR, one IDAT (filter 0 on every row), IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) read from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def rounded_rect(x0: float, y0: float, x1: float, y1: float, radius: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        cx = min(max(x, x0 + radius), x1 - radius)
        cy = min(max(y, y0 + radius), y1 - radius)
        return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2 and x0 <= x <= x1 and y0 <= y <= y1

    return inside


def triangle(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> Shape:
    def side(p: tuple[float, float], q: tuple[float, float], x: float, y: float) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    def inside(x: float, y: float) -> bool:
        s1, s2, s3 = side(a, b, x, y), side(b, c, x, y), side(c, a, x, y)
        return (s1 >= 0 and s2 >= 0 and s3 >= 0) or (s1 <= 0 and s2 <= 0 and s3 <= 0)

    return inside


def circle(cx: float, cy: float, r: float) -> Shape:
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def bubble(scale: float) -> tuple[list[Shape], list[Shape]]:
    """The bubble (white) and its three dots (brand), centred, `scale` of the full width."""

    def at(v: float) -> float:  # bubble coordinates (0..1) to icon coordinates
        return 0.5 + (v - 0.5) * scale

    body = rounded_rect(at(0.0), at(0.08), at(1.0), at(0.78), 0.2 * scale)
    tail = triangle((at(0.22), at(0.7)), (at(0.46), at(0.74)), (at(0.16), at(0.96)))
    dots = [circle(at(x), at(0.43), 0.075 * scale) for x in (0.26, 0.5, 0.74)]
    return [body, tail], dots


def draw(size: int, *, full_bleed: bool, scale: float) -> list[list[tuple[int, int, int, int]]]:
    background = (lambda x, y: True) if full_bleed else rounded_rect(0, 0, 1, 1, 0.22)
    white, dots = bubble(scale)
    step = 1 / (size * SAMPLES)
    pixels = []
    for py in range(size):
        row = []
        for px in range(size):
            covered = [0, 0, 0]  # samples in background, bubble, dot
            for sy in range(SAMPLES):
                y = (py * SAMPLES + sy + 0.5) * step
                for sx in range(SAMPLES):
                    x = (px * SAMPLES + sx + 0.5) * step
                    if not background(x, y):
                        continue
                    if any(s(x, y) for s in dots):
                        covered[2] += 1
                    elif any(s(x, y) for s in white):
                        covered[1] += 1
                    else:
                        covered[0] += 1
            total = sum(covered)
            if total == 0:
                row.append((0, 0, 0, 0))
                continue
            brand_share = covered[0] + covered[2]
            colour = tuple(
                round((BRAND[i] * brand_share + WHITE[i] * covered[1]) / total) for i in range(3)
            )
            row.append((*colour, round(255 * total / SAMPLES**2)))
        pixels.append(row)
    return pixels


# file name -> (size, full bleed, bubble scale)
ICONS = {
    "app-192.png": (192, False, 0.66),
    "app-512.png": (512, False, 0.66),
    "app-maskable-512.png": (512, True, 0.56),  # inside the 80 % safe-zone circle
    "apple-touch-icon.png": (180, True, 0.62),
}


def write_icons(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (size, full_bleed, scale) in ICONS.items():
        path = folder / name
        path.write_bytes(png_bytes(size, size, draw(size, full_bleed=full_bleed, scale=scale)))
        written.append(path)
    return written


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    for path in write_icons(root / "static" / "icons"):
        print(f"{path.relative_to(root)}: {path.stat().st_size} bytes")
