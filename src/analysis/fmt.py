"""German number, percent and date formats for slides and tables (locale-free, via Babel)."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from matplotlib.ticker import FuncFormatter

LOCALE = "de_DE"


def number(value: float, decimals: int = 0) -> str:
    """1234.5 -> "1.234,5"; a value that rounds to zero is "0", never "-0"."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(value, format=pattern, locale=LOCALE)
    return text.removeprefix("-") if text.strip("-0,.") == "" else text


#: p-values below this are written as "< 0,001".
P_FLOOR = 0.001


def p_value(p: float) -> str:
    """0.0123 -> "0,012"; below 0.001 "< 0,001"; missing "–"."""
    if p != p:  # NaN
        return "–"
    return f"< {number(P_FLOOR, 3)}" if p < P_FLOOR else number(p, 3)


def percent(share: float, decimals: int = 0) -> str:
    """0.123 -> "12 %" (with a no-break space, as German typesetting wants); never "-0 %"."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "\u00a0%"
    text = format_percent(share, format=pattern, locale=LOCALE)
    return text.removeprefix("-") if text.strip("-0,.\u00a0%") == "" else text


def date(value: dt.date) -> str:
    """2027-02-03 -> "3. Februar 2027"."""
    return format_date(value, format="d. MMMM y", locale=LOCALE)


#: Axis tick formatter for shares (0..1) as German percent.
PERCENT_AXIS = FuncFormatter(lambda v, _: percent(v))
#: The same for diverging charts, whose left side counts as positive shares.
PERCENT_AXIS_ABS = FuncFormatter(lambda v, _: percent(abs(v)))
