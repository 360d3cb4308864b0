"""German number formats as readers see them: no "-0", p-values below 0.001 as "< 0,001"."""

import pytest

from analysis import fmt


@pytest.mark.parametrize(
    "value, decimals, expected",
    [
        (1234.5, 1, "1.234,5"),
        (-0.001, 2, "0,00"),
        (-0.004, 0, "0"),
        (-0.005, 2, "0,00"),
        (-0.0051, 2, "-0,01"),
        (-3, 0, "-3"),
    ],
)
def test_number_never_shows_minus_zero(value, decimals, expected):
    assert fmt.number(value, decimals) == expected


@pytest.mark.parametrize("share, expected", [(0.59, "59\u00a0%"), (-0.001, "0\u00a0%"), (-0.3, "-30\u00a0%")])
def test_percent_never_shows_minus_zero(share, expected):
    assert fmt.percent(share) == expected


@pytest.mark.parametrize(
    "p, expected", [(1e-12, "< 0,001"), (0.000999, "< 0,001"), (0.001, "0,001"), (0.0456, "0,046"), (float("nan"), "–")]
)
def test_p_value(p, expected):
    assert fmt.p_value(p) == expected
