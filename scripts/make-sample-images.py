"""Draw the sample project's example pictures (sample_guidelines/media/*.png): small flat drawings of
the product-photo examples, a few KB each, so the demo site and its quizzes show pictures.

    .venv/bin/python scripts/make-sample-images.py

Deterministic (no timestamps or software stamps in the files): running it again rewrites the same
bytes. Each drawing is described by its example's `input`, which is also its alt text.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, Ellipse, FancyBboxPatch, Polygon, Rectangle  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "sample_guidelines" / "media"
W, H = 4.0, 3.0  # drawing units; 60 px each
SKIN, INK = "#e0b48c", "#263238"


def canvas(background: str = "white"):
    figure = Figure(figsize=(W, H), dpi=60)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, W)
    axes.set_ylim(0, H)
    axes.set_axis_off()
    axes.add_patch(Rectangle((0, 0), W, H, color=background))
    return figure, axes


def person(axes, x: float, y: float, scale: float = 1.0, shirt: str = "#5c6bc0", alpha: float = 1.0) -> None:
    axes.add_patch(FancyBboxPatch((x - 0.28 * scale, y), 0.56 * scale, 0.9 * scale,
                                  boxstyle="round,pad=0.05", color=shirt, alpha=alpha))
    axes.add_patch(Circle((x, y + 1.15 * scale), 0.22 * scale, color=SKIN, alpha=alpha))


def tote() -> Figure:
    figure, axes = canvas()
    axes.add_patch(Polygon([(1.1, 0.4), (2.9, 0.4), (2.6, 2.0), (1.4, 2.0)], color="#8d5524"))
    axes.add_patch(Ellipse((2.0, 2.05), 0.9, 1.1, fill=False, linewidth=5, edgecolor="#6d4c41"))
    return figure


def handbag_model() -> Figure:
    figure, axes = canvas("#eceff1")
    person(axes, 2.0, 0.4, 1.6, shirt="#455a64")
    axes.add_patch(FancyBboxPatch((2.35, 0.9), 0.8, 0.6, boxstyle="round,pad=0.05", color="#c62828"))
    axes.add_patch(Ellipse((2.75, 1.55), 0.5, 0.5, fill=False, linewidth=3, edgecolor="#8e0000"))
    return figure


def portrait_blurred_bag() -> Figure:
    figure, axes = canvas("#eceff1")
    axes.add_patch(FancyBboxPatch((1.0, -0.2), 2.0, 1.2, boxstyle="round,pad=0.2", color="#455a64"))
    axes.add_patch(Circle((2.0, 1.75), 0.75, color=SKIN))
    axes.add_patch(Circle((1.75, 1.9), 0.07, color=INK))
    axes.add_patch(Circle((2.25, 1.9), 0.07, color=INK))
    for k, alpha in enumerate((0.12, 0.12, 0.12, 0.12)):  # the bag, out of focus at the frame edge
        axes.add_patch(FancyBboxPatch((3.45 + 0.04 * k, 0.3 + 0.04 * k), 0.7, 0.55,
                                      boxstyle="round,pad=0.1", color="#c62828", alpha=alpha))
    return figure


def toaster_box() -> Figure:
    figure, axes = canvas()
    axes.add_patch(Polygon([(0.9, 0.4), (2.6, 0.4), (2.6, 2.1), (0.9, 2.1)], color="#bcaaa4"))
    axes.add_patch(Polygon([(2.6, 0.4), (3.2, 0.8), (3.2, 2.5), (2.6, 2.1)], color="#a1887f"))
    axes.add_patch(Polygon([(0.9, 2.1), (2.6, 2.1), (3.2, 2.5), (1.5, 2.5)], color="#d7ccc8"))
    axes.add_patch(FancyBboxPatch((1.2, 0.9), 1.1, 0.6, boxstyle="round,pad=0.05", color="#78909c"))  # printed toaster
    axes.add_patch(Rectangle((1.45, 1.5), 0.2, 0.1, color="#546e7a"))
    axes.add_patch(Rectangle((1.85, 1.5), 0.2, 0.1, color="#546e7a"))
    return figure


def picnic() -> Figure:
    figure, axes = canvas("#aed581")
    axes.add_patch(Rectangle((0, 2.1), W, 0.9, color="#b3e5fc"))
    for row in range(3):  # the checked blanket
        for col in range(6):
            color = "#e53935" if (row + col) % 2 else "#fafafa"
            axes.add_patch(Polygon([(0.6 + col * 0.45 + row * 0.15, 0.3 + row * 0.3),
                                    (1.05 + col * 0.45 + row * 0.15, 0.3 + row * 0.3),
                                    (1.2 + col * 0.45 + row * 0.15, 0.6 + row * 0.3),
                                    (0.75 + col * 0.45 + row * 0.15, 0.6 + row * 0.3)], color=color))
    for x, shirt in ((0.9, "#5c6bc0"), (1.8, "#ffb300"), (2.7, "#26a69a"), (3.4, "#8e24aa")):
        person(axes, x, 0.9, 0.7, shirt=shirt)
    axes.add_patch(Circle((3.6, 2.6), 0.2, color="#fff176"))
    return figure


def size_chart() -> Figure:
    figure, axes = canvas()
    axes.add_patch(Polygon([(0.5, 0.4), (1.5, 0.4), (1.2, 1.6), (1.35, 2.5), (0.65, 2.5), (0.8, 1.6)],
                           fill=False, edgecolor=INK, linewidth=2))  # a dress, drawn
    for row in range(5):
        axes.add_patch(Rectangle((1.9, 0.5 + row * 0.4), 1.8, 0.4, fill=False, edgecolor=INK, linewidth=1.5))
        axes.add_patch(Rectangle((2.5, 0.5 + row * 0.4), 0.01, 0.4, color=INK))
        for col in range(3):
            axes.add_patch(Rectangle((2.0 + col * 0.55, 0.65 + row * 0.4), 0.35 if col else 0.3, 0.08, color="#607d8b"))
    return figure


def coming_soon() -> Figure:
    figure, axes = canvas("#eeeeee")
    axes.add_patch(FancyBboxPatch((1.4, 1.2), 1.2, 0.8, boxstyle="round,pad=0.08", color="#9e9e9e"))
    axes.add_patch(Circle((2.0, 1.6), 0.28, color="#eeeeee"))
    axes.add_patch(Circle((2.0, 1.6), 0.18, color="#9e9e9e"))
    axes.add_patch(Rectangle((1.55, 2.0), 0.35, 0.15, color="#9e9e9e"))
    for k in range(3):  # the words, as grey bars
        axes.add_patch(Rectangle((1.0 + k * 0.7, 0.6), 0.55, 0.15, color="#bdbdbd"))
    return figure


def tent(far: bool) -> Figure:
    figure, axes = canvas("#b3e5fc")
    axes.add_patch(Polygon([(0, 0), (W, 0), (W, 1.4), (2.6, 2.0), (1.2, 1.5), (0, 1.9)], color="#9ccc65"))
    axes.add_patch(Polygon([(0, 1.9), (1.2, 1.5), (2.0, 2.6), (2.6, 2.0), (W, 1.4), (W, 2.1), (3.2, 2.9), (0.8, 2.5)],
                           color="#90a4ae"))
    if far:
        axes.add_patch(Polygon([(2.9, 0.9), (3.3, 0.9), (3.1, 1.15)], color="#ff7043"))
    else:
        axes.add_patch(Polygon([(0.4, 0.2), (3.6, 0.2), (2.0, 2.4)], color="#ff7043"))
        axes.add_patch(Polygon([(1.7, 0.2), (2.3, 0.2), (2.0, 1.0)], color="#bf360c"))
    return figure


DRAWINGS = {
    "pps-001-tote.png": tote,
    "pps-004-handbag-model.png": handbag_model,
    "pps-004-portrait-blurred-bag.png": portrait_blurred_bag,
    "pps-003-toaster-box.png": toaster_box,
    "pps-007-picnic.png": picnic,
    "pps-011-size-chart.png": size_chart,
    "pps-014-coming-soon.png": coming_soon,
    "pps-008-tent.png": lambda: tent(far=False),
    "pps-008-tent-far.png": lambda: tent(far=True),
}


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in DRAWINGS.items():
        data = png(draw())
        (OUT / name).write_bytes(data)
        print(f"{OUT / name}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
