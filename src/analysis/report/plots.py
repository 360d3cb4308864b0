"""Briefing charts: data first, keyword-only options, an optional `ax`, the `ax` returned.

No backend is chosen here: in JupyterLab charts show inline, headless runs use Agg (the
pipeline's kernels set `MPLBACKEND=Agg`), and `png` draws on an Agg canvas either way."""

from __future__ import annotations

import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter
from PIL import Image

from .. import fmt

#: Colour-blind-safe palette: the Okabe-Ito colours with at least 3:1 contrast against white
#: (WCAG 1.4.11 for graphical objects): blue, vermillion, bluish green, reddish purple, black.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000"]
#: Outline of stacked bar segments: light Likert colours stay distinguishable from white.
SEGMENT_EDGE = "#333333"
SUPPRESSED_TEXT = "< 3, unterdrückt"


#: Pixels per inch of the charts; a slide shows them at about one image pixel per CSS pixel.
DPI = 100
#: Size of every text in a chart, in image pixels: at least 16 CSS pixels on a 1280×720 screen.
TEXT_PX = 21
#: Chart size in inches: the free area of a 1280×720 slide below its heading and lead.
FIGSIZE = (12.0, 4.4)


def setup() -> None:
    """Deterministic, readable defaults for slides: one text size (`TEXT_PX`) for ticks,
    labels, legends and bar labels."""
    size = TEXT_PX * 72 / DPI
    plt.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": DPI,
            "font.size": size,
            "axes.labelsize": size,
            "xtick.labelsize": size,
            "ytick.labelsize": size,
            "legend.fontsize": size,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": size,
            "axes.titleweight": "bold",
            "svg.hashsalt": "analysis",
            "text.hinting": "no_hinting",  # unhinted glyphs: as crisp at 100 dpi, charts draw 13 % faster
        }
    )


def _axes(ax):
    """`ax`, or the axes of a new figure whose constrained layout keeps every label inside it
    (so that `png` gives an image of exactly `FIGSIZE`)."""
    if ax is None:
        setup()
        _, ax = plt.subplots(layout="constrained")
    return ax


def count_bars(data: pd.DataFrame, *, label: str = "label", n: str = "n", ax=None, title: str = "", decimals: int = 0):
    """Horizontal bars of counts (or means, with `decimals`); rows flagged `suppressed` show a
    notice instead of a bar."""
    ax = _axes(ax)
    data = data.iloc[::-1]
    values = data[n].where(~data["suppressed"], 0)
    bars = ax.barh(data[label].astype(str), values, color=PALETTE[0])
    for bar, value, hidden in zip(bars, values, data["suppressed"]):
        text = SUPPRESSED_TEXT if hidden else fmt.number(value, decimals)
        ax.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                    textcoords="offset points", va="center")  # fmt: skip
    ax.set_xlabel("Anzahl Kommunen")
    ax.set_title(title, loc="left")
    ax.margins(x=0.15)
    return ax


#: Segments of stacked bars narrower than this share carry no percent label (it would not fit).
LABEL_MIN_SHARE = 0.1


def stacked_shares(data: pd.DataFrame, *, colors=None, ax=None, title: str = "", diverging_at: int | None = None):
    """Horizontal 100 % bars: rows are items, columns answer categories (shares 0..1).

    With `diverging_at`, the categories before that position extend to the left of zero
    (a diverging Likert chart); otherwise bars are stacked from zero.
    """
    ax = _axes(ax)
    data = data.iloc[::-1]
    k = data.shape[1]
    colors = colors or (_sample("RdBu_r", np.linspace(0, 1, k + 2)[1:-1]) if diverging_at is not None
                        else _sample("Blues", np.linspace(0.35, 0.95, k)))  # fmt: skip
    left = -data.iloc[:, :diverging_at].sum(axis=1) if diverging_at is not None else pd.Series(0.0, index=data.index)
    for j, col in enumerate(data.columns):
        widths = data[col].fillna(0.0)
        ax.barh(
            data.index.astype(str),
            widths,
            left=left,
            color=colors[j],
            label=str(col) if widths.gt(0).any() else "_nolegend_",  # no legend entry without data
            edgecolor=SEGMENT_EDGE,
            linewidth=0.5,
        )
        for y, (w, x0) in enumerate(zip(widths, left)):
            if w >= LABEL_MIN_SHARE:
                ax.text(x0 + w / 2, y, fmt.percent(w), ha="center", va="center", color=_text_colour(colors[j]))
        left = left + widths
    if diverging_at is not None:
        ax.axvline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_formatter(fmt.PERCENT_AXIS_ABS if diverging_at is not None else fmt.PERCENT_AXIS)
    _legend_below(ax)
    ax.set_title(title, loc="left")
    return ax


def _legend_below(ax) -> None:
    """The legend under the chart, entries with data only: in one row if it fits the figure's
    width, else in two. Outside the axes with a constrained layout (room made for it), else
    under the x-axis label."""
    handles, names = ax.get_legend_handles_labels()
    if not handles:
        return
    fig = ax.figure
    size_px = TEXT_PX
    wide = sum(0.6 * len(n) + 3.5 for n in names) * size_px > fig.get_figwidth() * fig.dpi
    ncols = -(-len(handles) // 2) if wide else len(handles)
    options = {"ncols": ncols, "frameon": False, "handlelength": 1.2, "columnspacing": 1.2}
    if fig.get_layout_engine() is not None and len(fig.axes) == 1:
        fig.legend(handles, names, loc="outside lower center", **options)
    else:
        ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 0), borderaxespad=3.0, **options)


def grouped_shares(data: pd.DataFrame, *, ax=None, title: str = ""):
    """Horizontal grouped bars: rows are categories, columns series of shares (0..1)."""
    ax = _axes(ax)
    data = data.iloc[::-1]
    k = data.shape[1]
    height = 0.8 / k
    for j, col in enumerate(data.columns):
        y = [i + (k - 1 - j - (k - 1) / 2) * height for i in range(len(data))]
        label = str(col) if data[col].notna().any() else "_nolegend_"  # no legend entry without data
        ax.barh(y, data[col], height=height, color=PALETTE[j], label=label)
    ax.set_yticks(range(len(data)), [str(i) for i in data.index])
    ax.xaxis.set_major_formatter(fmt.PERCENT_AXIS)
    _legend_below(ax)
    ax.set_title(title, loc="left")
    return ax


def interval_dots(data: pd.DataFrame, series: dict[str, str], *, ax=None, title: str = ""):
    """Shares with 95 % intervals, one row per item (`label`) and one marker per series;
    `series` maps a column prefix (columns `<prefix>estimate`, `<prefix>ci_low`,
    `<prefix>ci_high`) to its legend label."""
    ax = _estimates(data, series, _axes(ax), title)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(fmt.PERCENT_AXIS)
    return ax


def coefficients(data: pd.DataFrame, series: dict[str, str], *, ax=None, title: str = ""):
    """Forest plot: one row per item (`label`), one marker per series; `series` maps a column
    prefix ("" for estimate/ci_low/ci_high, "weighted_", "mice_") to its legend label."""
    ax = _estimates(data, series, _axes(ax), title)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, 1)))
    return ax


def _estimates(data: pd.DataFrame, series: dict[str, str], ax, title: str):
    """Estimates with intervals as dots and bars, one row per item, one marker per series."""
    data = data.iloc[::-1].reset_index(drop=True)
    k = len(series)
    markers = ["o", "s", "D", "^"]
    for j, (prefix, name) in enumerate(series.items()):
        y = data.index + (j - (k - 1) / 2) * 0.22
        est = data[f"{prefix}estimate"].astype(float)
        if est.isna().all():  # a series without any estimate gets no legend entry
            continue
        err = [est - data[f"{prefix}ci_low"].astype(float), data[f"{prefix}ci_high"].astype(float) - est]
        ax.errorbar(est, y, xerr=err, fmt=markers[j], color=PALETTE[j], label=name, capsize=4, markersize=8)
    ax.set_yticks(data.index, data["label"])
    _legend_below(ax)
    ax.set_title(title, loc="left")
    return ax


def coverage_dots(summary: pd.DataFrame, *, ax=None, title: str = ""):
    """Coverage per hypothesis against the 93-97 % target band."""
    ax = _axes(ax)
    ax.axvspan(0.93, 0.97, color=PALETTE[2], alpha=0.2, label="Ziel 93–97 %")
    ax.plot(summary["coverage"], summary["hypothesis_id"], "o", color=PALETTE[0], label="Überdeckung")
    ax.axvline(0.95, color="black", linewidth=0.8)
    ax.set_xlim(0.8, 1.0)
    ax.set_xticks([0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 1.00])
    ax.xaxis.set_major_formatter(fmt.PERCENT_AXIS)
    ax.invert_yaxis()
    ax.legend(loc="lower left", frameon=False)
    ax.set_title(title, loc="left")
    return ax


def histogram(values: pd.Series, *, bins: int = 30, ax=None, title: str = "", xlabel: str = ""):
    """Distribution of one numeric variable."""
    ax = _axes(ax)
    ax.hist(values.dropna().astype(float), bins=bins, color=PALETTE[0], edgecolor="white", linewidth=0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Anzahl Kommunen")
    ax.set_title(title, loc="left")
    return ax


def _sample(cmap: str, positions) -> list[tuple]:
    """Colours of a matplotlib colormap (ColorBrewer RdBu and Blues are colour-blind safe)."""
    return [tuple(c) for c in matplotlib.colormaps[cmap](positions)]


def luminance(colour) -> float:
    """WCAG relative luminance of a colour."""
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _text_colour(background) -> str:
    """Black or white, whichever contrasts more with the bar colour."""
    return "black" if contrast(background, "black") >= contrast(background, "white") else "white"


#: Room (inches) around the figure's axes in which `png` draws labels that stick out.
DRAW_MARGIN_IN = 4.0


def smallest_text_px(fig) -> float:
    """Size in image pixels of the smallest visible text in `fig` (ticks, labels, legend, bar
    labels): a page multiplies it by the image's display scale to get CSS pixels."""
    sizes = [t.get_fontsize() * fig.dpi / 72 for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=0.0)


def png(fig) -> bytes:
    """The figure as PNG bytes, identical on every run. A figure with a layout engine (the
    charts of this module) is drawn once at its size; any other is cropped to its content
    (like `bbox_inches="tight"`), drawn once on a canvas with `DRAW_MARGIN_IN` of room on every
    side: `savefig(bbox_inches="tight")` draws every figure twice (−11 % per deck)."""
    try:
        if fig.get_layout_engine() is not None:  # the layout keeps everything inside: one draw at its size
            buf = io.BytesIO()
            fig.savefig(buf, format="png", metadata={"Software": None})
            return buf.getvalue()
        data = _png_drawn_once(fig)
        if data is None:  # something outside the room, or figure-level artists: matplotlib's way
            buf = io.BytesIO()
            fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
            data = buf.getvalue()
        return data
    finally:
        plt.close(fig)


def _png_drawn_once(fig) -> bytes | None:
    if fig.texts or fig.legends or fig.images or fig.get_layout_engine() is not None:
        return None
    w_in, h_in = fig.get_size_inches()
    positions = [ax.get_position() for ax in fig.axes]
    m = DRAW_MARGIN_IN
    for ax, p in zip(fig.axes, positions):
        ax.set_position([(p.x0 * w_in + m) / (w_in + 2 * m), (p.y0 * h_in + m) / (h_in + 2 * m),
                         p.width * w_in / (w_in + 2 * m), p.height * h_in / (h_in + 2 * m)])  # fmt: skip
    fig.set_size_inches(w_in + 2 * m, h_in + 2 * m)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    box = fig.get_tightbbox(canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    width, height = canvas.get_width_height()
    x0, x1, y0, y1 = (round(v * fig.dpi) for v in (box.x0, box.x1, box.y0, box.y1))
    if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
        fig.set_size_inches(w_in, h_in)
        for ax, p in zip(fig.axes, positions):
            ax.set_position(p)
        return None
    pixels = np.asarray(canvas.buffer_rgba())[height - y1 : height - y0, x0:x1]
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="png")
    return buf.getvalue()


def warm_up() -> None:
    """Draw and encode one small chart: loads fonts and fills matplotlib's caches, so that a
    deck kernel warmed up in idle time draws its first real chart at full speed."""
    data = pd.DataFrame({"label": ["Größenklasse", "Kommunen"], "n": [3, 5], "suppressed": [False, True]})
    png(count_bars(data, title="Anteil der Kommunen").figure)
