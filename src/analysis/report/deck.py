"""What one deck shows: all of Germany or one subgroup (Land, size class or Kommunentyp), read
from a pipeline run's processed data. A subgroup with fewer than `settings.MIN_CELL_N` responding
municipalities is suppressed: its deck shows a notice instead of figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from .. import clean, codebook, config, examples, plan, settings, typology, weighting
from . import status


@dataclass(frozen=True)
class Deck:
    """Everything one deck shows. `responses` are the subgroup's rows, `everyone` all rows;
    `domain` marks the subgroup within `everyone`. Hypotheses, types and consent are read
    from `processed_dir` when first used (the weighting notebook runs before they exist)."""

    processed_dir: Path
    everyone: pd.DataFrame
    audit: pd.DataFrame
    provenance: dict
    margins: pd.DataFrame
    weighting: weighting.Weighting
    by: str | None = None
    value: str | None = None
    #: What the deck's slides left out for too few answers (`slides.omitted`), in slide order.
    omitted: list[str] = field(default_factory=list, compare=False)

    @cached_property
    def results(self) -> pd.DataFrame:
        """The hypothesis results (read directly: the model code is not needed to show them)."""
        return pd.read_parquet(self.processed_dir / config.RESULTS_FILE)

    @cached_property
    def members(self) -> pd.Series:
        """Kommunentyp per typed response (index of `everyone`)."""
        return typology.load(self.everyone, self.processed_dir)[0]

    @cached_property
    def shares(self) -> pd.DataFrame:
        """Headline shares of the deck's area (see `headline_shares`)."""
        return headline_shares(self)

    @cached_property
    def profiles(self) -> pd.DataFrame:
        """Kommunentyp Steckbriefe of the deck's area."""
        return typology.profiles(self.everyone, self.members[self.members.index.isin(self.responses.index)])

    @cached_property
    def consented(self) -> frozenset:
        """Response ids whose respondent agreed to be named."""
        return clean.load_consent(self.processed_dir)

    @cached_property
    def good_examples(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The coding of all good examples and the exchange pairs (`analysis.examples.load`)."""
        return examples.load(self.processed_dir)

    @property
    def coding(self) -> pd.DataFrame:
        """Categories of the deck's good examples (`analysis.examples.code`)."""
        coding = self.good_examples[0]
        return coding[coding["response_id"].isin(self.responses["response_id"].astype(str))]

    @property
    def pairs(self) -> pd.DataFrame:
        """Planners and peers (`analysis.examples.exchange`): all of them, peers anywhere."""
        return self.good_examples[1]

    @cached_property
    def domain(self) -> pd.Series:
        if self.by is None:
            return pd.Series(True, index=self.everyone.index)
        return in_subgroup(self.everyone, self.members, self.by, self.value)

    @cached_property
    def responses(self) -> pd.DataFrame:
        return self.everyone[self.domain]

    @property
    def n(self) -> int:
        return len(self.responses)

    @property
    def suppressed(self) -> bool:
        return self.n < settings.MIN_CELL_N

    @property
    def area(self) -> str:
        return area_name(self.by, self.value)

    @property
    def simulated(self) -> bool:
        return status.is_simulated(self.provenance)


def area_name(by: str | None, value: str | None) -> str:
    """ "Deutschland", or the subgroup as a reader would say it."""
    if by is None:
        return "Deutschland"
    if by == "size":
        return f"Kommunen mit {value} Einwohnern"
    if by == "type":
        return f"Kommunentyp „{value}“"
    return str(value)


def load(processed_dir: Path = config.PROCESSED, by: str | None = None, value: str | None = None) -> Deck:
    """The deck of all of Germany (`by` None) or of one subgroup, from a pipeline run's outputs."""
    if by is not None and by not in plan.SUBGROUPS:
        raise ValueError(f"unknown subgroup {by!r}: one of {', '.join(plan.SUBGROUPS)}")
    processed_dir = Path(processed_dir)
    responses, audit_table, provenance = clean.load_processed(processed_dir)
    margins = clean.load_margins(processed_dir)
    return Deck(
        processed_dir, responses, audit_table, provenance, margins, weighting.load(responses, margins), by, value
    )


def in_subgroup(responses: pd.DataFrame, members: pd.Series, by: str, value: str) -> pd.Series:
    """True for the responses in subgroup `by` == `value`."""
    column = plan.SUBGROUPS[by][0]
    values = members.reindex(responses.index) if by == "type" else responses[column]
    return (values.astype(object) == value).fillna(False).astype(bool)


def subgroup_values(by: str, members: pd.Series) -> list[str]:
    """Every value of a subgroup, in reading order: all 16 Länder, all size classes, all types."""
    cb = codebook.load()
    if by == "land":
        return list(cb.scales["land"].codes.values())
    if by == "size":
        return list(cb.size_class["labels"])
    found = set(members.astype(object))
    return [t for t in typology.SIGNATURES if t in found] + sorted(found - set(typology.SIGNATURES))


def deck_margins(d: Deck) -> pd.DataFrame:
    """The register margins of the deck's area (a Land's or a size class's rows; all otherwise)."""
    m = d.margins
    if d.by == "land":
        code = {v: k for k, v in codebook.load().scales["land"].codes.items()}[d.value]
        return m[m["land_code"].astype(str).str.zfill(2) == code]
    if d.by == "size":
        return m[m["size_class"] == d.value]
    return m


def headline_shares(d: Deck) -> pd.DataFrame:
    """Headline shares of the deck's area: unweighted, of municipalities, of residents."""
    if d.by is None:
        return weighting.headline_shares(d.everyone, d.weighting)
    totals = None if d.by == "type" else weighting.residents_totals(d.weighting, deck_margins(d))
    return weighting.headline_shares(d.everyone, d.weighting, domain=d.domain, totals=totals)
