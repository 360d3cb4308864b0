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


def labelled_bars(label_chars: int):
    labels = [f"{'Sehr lange Beschriftung ' * 8}"[:label_chars] + f" {i}" for i in range(4)]
    table = pd.DataFrame({"label": labels, "n": [12, 7, 2, 30], "suppressed": [False, False, True, False]})
    return plots.count_bars(table, title="Anteil der Kommunen").figure


@pytest.mark.parametrize("label_chars", [5, 40, 150])
def test_png_matches_matplotlibs_tight_crop(label_chars):
    expected = tight(labelled_bars(label_chars))
    plt.close("all")
    got = np.asarray(Image.open(io.BytesIO(plots.png(labelled_bars(label_chars)))))
    assert abs(got.shape[0] - expected.shape[0]) <= 1 and abs(got.shape[1] - expected.shape[1]) <= 1
    h, w = min(got.shape[0], expected.shape[0]), min(got.shape[1], expected.shape[1])
    differing = (np.abs(got[:h, :w].astype(int) - expected[:h, :w].astype(int)).max(axis=2) > 64).mean()
    assert differing < 0.05  # anti-aliasing at sub-pixel offsets only


def test_png_is_identical_on_every_run():
    assert plots.png(labelled_bars(40)) == plots.png(labelled_bars(40))
