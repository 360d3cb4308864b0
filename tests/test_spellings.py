"""Municipality names as people write them (hand-made lists in tests/data/spellings/) against
every vintage of the official register beside the project: at least 98 % right, no confident
wrong match, and a name that is no municipality never matched."""

from __future__ import annotations

import pytest

from analysis import codebook, match, register
from tests import spellings

VINTAGES = spellings.vintages()
requires_register = pytest.mark.skipif(not VINTAGES, reason="official register (../shared) not present")


@pytest.fixture(scope="module", params=VINTAGES, ids=lambda p: p.stem)
def matcher(request):
    return match.Matcher(register.read_units(request.param))


@requires_register
@pytest.mark.parametrize("name", list(spellings.lists()))
def test_spellings_are_matched(matcher, name):
    results = spellings.evaluate(matcher, spellings.read(spellings.LISTS[name]))
    applies = results[results["applies"]]
    assert len(applies) >= 0.9 * len(results)  # a vintage leaves out only the few units it lacks
    wrong = applies[applies["wrong_match"]]
    assert wrong.empty, wrong[["spelling", "land", "type", "expected", "got", "rule"]].to_string()
    missed = applies[~applies["right"]]
    assert applies["right"].mean() >= 0.98, missed[["spelling", "land", "type", "expected", "got"]].to_string()


@requires_register
@pytest.mark.parametrize("name", list(spellings.lists()))
def test_no_municipality_gives_none(matcher, name):
    results = spellings.evaluate(matcher, spellings.read(spellings.LISTS[name]))
    unknown = results[results["expected"] == "NONE"]
    assert len(unknown) >= 10 and (unknown["got"] == "NONE").all(), unknown[unknown["got"] != "NONE"].to_string()


def test_the_lists_are_as_documented():
    for name, path in spellings.lists().items():
        table = spellings.read(path)
        assert list(table.columns) == ["spelling", "land", "type", "expected", "kind", "note"], name
        assert table["expected"].str.fullmatch(r"\d{5}|\d{8}|(GV:)?\d{9}|AMBIGUOUS|NONE").all(), name
        assert table["land"].map(lambda v: v == "" or match.land_code(v) is not None).all(), name
        assert table["type"].isin(["", *codebook.load().scales["unit_type"].codes.values()]).all(), name
    assert len(spellings.read(spellings.LISTS["development"])) >= 200
