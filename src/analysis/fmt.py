"""German number, percent and date formats for slides and tables (locale-free, via Babel)."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from matplotlib.ticker import FuncFormatter

LOCALE = "de_DE"


def number(value: float, decimals: int = 0) -> str:
    """1234.5 -> "1.234,5"."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def percent(share: float, decimals: int = 0) -> str:
    """0.123 -> "12 %" (with a no-break space, as German typesetting wants)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "\u00a0%"
    return format_percent(share, format=pattern, locale=LOCALE)


def date(value: dt.date) -> str:
    """2027-02-03 -> "3. Februar 2027"."""
    return format_date(value, format="d. MMMM y", locale=LOCALE)


#: Axis tick formatter for shares (0..1) as German percent.
PERCENT_AXIS = FuncFormatter(lambda v, _: percent(v))
#: The same for diverging charts, whose left side counts as positive shares.
PERCENT_AXIS_ABS = FuncFormatter(lambda v, _: percent(abs(v)))
