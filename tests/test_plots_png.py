"""Charts are encoded as matplotlib's `bbox_inches="tight"` would, from one draw."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analysis.report import plots


def tight(fig) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return np.asarray(Image.open(buf))


def labelled_bars(label_chars: int, ax=None):
    labels = [f"{'Sehr lange Beschriftung ' * 8}"[:label_chars] + f" {i}" for i in range(4)]
    table = pd.DataFrame({"label": labels, "n": [12, 7, 2, 30], "suppressed": [False, False, True, False]})
    return plots.count_bars(table, title="Anteil der Kommunen", ax=ax).figure


def own_axes():
    """Axes of a figure without a layout engine, as a notebook passes them."""
    plots.setup()
    return plt.subplots()[1]


@pytest.mark.parametrize("label_chars", [5, 40, 150])
def test_png_matches_matplotlibs_tight_crop(label_chars):
    expected = tight(labelled_bars(label_chars, own_axes()))
    plt.close("all")
    got = np.asarray(Image.open(io.BytesIO(plots.png(labelled_bars(label_chars, own_axes())))))
    assert abs(got.shape[0] - expected.shape[0]) <= 1 and abs(got.shape[1] - expected.shape[1]) <= 1
    h, w = min(got.shape[0], expected.shape[0]), min(got.shape[1], expected.shape[1])
    differing = (np.abs(got[:h, :w].astype(int) - expected[:h, :w].astype(int)).max(axis=2) > 64).mean()
    assert differing < 0.05  # anti-aliasing at sub-pixel offsets only


def test_png_is_identical_on_every_run():
    assert plots.png(labelled_bars(40)) == plots.png(labelled_bars(40))


@pytest.mark.parametrize("label_chars", [5, 40])
def test_charts_of_the_module_are_exactly_their_size_with_every_label_inside(label_chars):
    image = Image.open(io.BytesIO(plots.png(labelled_bars(label_chars))))
    assert image.size == (round(plots.FIGSIZE[0] * plots.DPI), round(plots.FIGSIZE[1] * plots.DPI))
