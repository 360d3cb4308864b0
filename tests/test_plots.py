"""Charts checked by what was drawn (bar widths, segment positions, labels, annotations), as
seaborn's tests do, not by pixels."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis.report import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def legend_texts(ax) -> list[str]:
    """The legend's entries: the figure's (under the chart) or the axes'."""
    legend = ax.figure.legends[0] if ax.figure.legends else ax.get_legend()
    return [t.get_text() for t in legend.get_texts()]


def bars(ax):
    return [p for p in ax.patches if hasattr(p, "get_width")]


def test_count_bars_draw_each_count_and_hide_small_ones():
    table = pd.DataFrame(
        {"label": ["Bayern", "Bremen", "Hessen"], "n": [12, 2, 30], "suppressed": [False, True, False]}
    )
    ax = plots.count_bars(table, title="Antwortende Kommunen")
    drawn = bars(ax)
    # rows are drawn bottom-up: the first row of the table is the top bar
    assert [b.get_width() for b in drawn] == [30, 0, 12]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Hessen", "Bremen", "Bayern"]
    assert [a.get_text() for a in ax.texts] == ["30", plots.SUPPRESSED_TEXT, "12"]
    assert ax.get_title(loc="left") == "Antwortende Kommunen" and ax.get_xlabel() == "Anzahl Kommunen"


def test_count_bars_show_means_with_decimals():
    table = pd.DataFrame({"label": ["Effizienz"], "n": [3.456], "suppressed": [False]})
    ax = plots.count_bars(table, decimals=1)
    assert [a.get_text() for a in ax.texts] == ["3,5"]


def test_stacked_shares_stack_from_zero_and_label_large_segments():
    shares = pd.DataFrame({"nein": [0.25, 0.05], "ja": [0.75, 0.95]}, index=["A", "B"])
    ax = plots.stacked_shares(shares, title="Anteile")
    drawn = bars(ax)
    # per column, one bar per row (bottom-up: B then A)
    assert [round(b.get_x(), 6) for b in drawn] == [0, 0, 0.05, 0.25]
    assert [round(b.get_width(), 6) for b in drawn] == [0.05, 0.25, 0.95, 0.75]
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(["25\u00a0%", "95\u00a0%", "75\u00a0%"])  # 5 % is too narrow to label
    assert legend_texts(ax) == ["nein", "ja"]


def test_diverging_shares_put_the_low_categories_left_of_zero():
    shares = pd.DataFrame({"kein": [0.1], "gering": [0.2], "stark": [0.7]}, index=["Budget"])
    ax = plots.stacked_shares(shares, diverging_at=2)
    drawn = bars(ax)
    assert [round(b.get_x(), 6) for b in drawn] == [-0.3, -0.2, 0.0]
    assert [round(b.get_width(), 6) for b in drawn] == [0.1, 0.2, 0.7]
    assert ax.xaxis.get_major_formatter()(-0.3, 0) == "30\u00a0%"  # the left side reads as a share


def test_grouped_shares_draw_one_bar_per_series_and_category():
    data = pd.DataFrame({"Verzeichnis": [0.6, 0.4], "Antworten": [0.3, 0.7]}, index=["klein", "groß"])
    ax = plots.grouped_shares(data)
    assert len(bars(ax)) == 4
    by_series = {c.get_label(): [b.get_width() for b in c] for c in ax.containers}
    # categories bottom-up: groß, klein
    assert by_series == {"Verzeichnis": [0.4, 0.6], "Antworten": [0.7, 0.3]}


def test_interval_dots_draw_estimate_and_interval_per_series():
    data = pd.DataFrame(
        {"label": ["Strategie"], "a_estimate": [0.4], "a_ci_low": [0.3], "a_ci_high": [0.55],
         "b_estimate": [0.2], "b_ci_low": [0.1], "b_ci_high": [0.25]}
    )  # fmt: skip
    ax = plots.interval_dots(data, {"a_": "ungewichtet", "b_": "gewichtet"})
    lines = [c for c in ax.containers]
    assert len(lines) == 2
    for container, (est, lo, hi) in zip(lines, [(0.4, 0.3, 0.55), (0.2, 0.1, 0.25)]):
        x = container.lines[0].get_xdata()
        assert x[0] == pytest.approx(est)
        segment = container.lines[2][0].get_segments()[0]
        assert [segment[0][0], segment[1][0]] == pytest.approx([lo, hi])
    assert legend_texts(ax) == ["ungewichtet", "gewichtet"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Strategie"]


def test_coefficients_mark_zero_and_each_estimate():
    data = pd.DataFrame({"label": ["H1 x", "H2 y"], "estimate": [0.3, -0.2], "ci_low": [0.1, -0.5],
                         "ci_high": [0.5, 0.1]})  # fmt: skip
    ax = plots.coefficients(data, {"": "vollständige Fälle"})
    assert any(np.allclose(line.get_xdata(), [0, 0]) for line in ax.lines)
    assert ax.containers[0].lines[0].get_xdata().tolist() == [-0.2, 0.3]  # bottom-up


def test_histogram_counts_every_value():
    values = pd.Series([1.0, 2.0, 2.5, 9.0, np.nan])
    ax = plots.histogram(values, bins=4, xlabel="Index")
    assert sum(b.get_height() for b in bars(ax)) == 4  # missing values are left out
    assert ax.get_ylabel() == "Anzahl Kommunen" and ax.get_xlabel() == "Index"


def test_no_legend_entry_without_data():
    shares = pd.DataFrame({"kein": [0.0, 0.0], "gering": [0.4, 0.5], "stark": [0.6, 0.5]}, index=["A", "B"])
    ax = plots.stacked_shares(shares, diverging_at=2)
    assert legend_texts(ax) == ["gering", "stark"]
    data = pd.DataFrame({"label": ["x"], "a_estimate": [0.4], "a_ci_low": [0.3], "a_ci_high": [0.5],
                         "b_estimate": [np.nan], "b_ci_low": [np.nan], "b_ci_high": [np.nan]})  # fmt: skip
    ax = plots.interval_dots(data, {"a_": "ungewichtet", "b_": "Einwohner"})
    assert legend_texts(ax) == ["ungewichtet"]


def test_every_chart_text_is_at_least_the_slide_text_size():
    table = pd.DataFrame({"label": ["Bayern", "Bremen"], "n": [12, 2], "suppressed": [False, True]})
    fig = plots.count_bars(table, title="Antwortende Kommunen").figure
    assert plots.smallest_text_px(fig) == pytest.approx(plots.TEXT_PX)
