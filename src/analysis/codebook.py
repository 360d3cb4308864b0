"""The codebook: questions, variables, scales and labels, and everything generated from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pandas as pd
import pandera.pandas as pa
import yaml

from . import config


@dataclass(frozen=True)
class Variable:
    """One analysis column: a scalar question or one item of an array question."""

    name: str
    question_id: str
    type: str
    label_de: str
    label_en: str
    page: int
    #: export format -> the column that holds this variable (`formats` in the codebook)
    columns: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    scale: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    required: bool = False
    item_key: str | None = None
    item_label_de: str | None = None
    question_label_de: str | None = None
    question_text_de: str | None = None

    @property
    def is_personal(self) -> bool:
        return self.type == "personal"

    def column(self, fmt: str) -> str:
        """The column of this variable in an export of format `fmt` ("limesurvey", "forms", ...)."""
        return self.columns[fmt]


@dataclass(frozen=True)
class Scale:
    key: str
    codes: dict[str, str]
    ordered: bool

    @property
    def labels(self) -> list[str]:
        return list(self.codes.values())


@dataclass(frozen=True)
class Headline:
    """A headline indicator: whether `column` is one of `values`, or at least `min`."""

    key: str
    column: str
    label_de: str
    values: tuple[str, ...] = ()
    min: float | None = None

    def holds(self, values: pd.Series) -> pd.Series:
        """True or False per (non-missing) answer."""
        if self.min is not None:
            return values >= self.min
        return values.astype(object).isin(self.values)


class Codebook:
    """Read-only view of `codebook.yaml`."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.title_de: str = raw["survey"]["title_de"]
        self.pages: int = raw["survey"]["pages"]
        #: page -> section title ("A. Die Kommune")
        self.sections: dict[int, str] = {int(k): v for k, v in raw["survey"]["sections"].items()}
        #: export format -> its name and column patterns (see `formats` in codebook.yaml)
        self.formats: dict[str, dict] = raw["formats"]
        #: meta column -> dtype and labels; every processed response carries these
        self.meta: dict[str, dict] = raw["meta"]
        self.missing_codes: dict[str, str] = {str(k): v for k, v in raw["missing_codes"].items()}
        self.scales = {
            key: Scale(key, {str(c): lab for c, lab in s["codes"].items()}, bool(s["ordered"]))
            for key, s in raw["scales"].items()
        }
        self.size_class = raw["derived"]["size_class"]
        self.register_columns: dict[str, dict] = raw["derived"]["register"]
        self.maturity: dict = raw["derived"]["maturity"]
        self.kommunentyp: dict = raw["derived"]["kommunentyp"]
        self.headlines: list[Headline] = [
            Headline(h["key"], h["column"], h["label_de"], tuple(h.get("values", ())), h.get("min"))
            for h in raw["derived"]["headlines"]
        ]
        #: The dictionary for coding the good examples (see `analysis.examples`).
        self.example_categories: dict = raw["example_categories"]
        #: How cleaning derives each kind of variable (German prose, for the codebook document).
        self.cleaning: dict = raw["cleaning"]
        self.variables: list[Variable] = [v for q in raw["questions"] for v in _expand(q, self.formats)]
        self.by_name = {v.name: v for v in self.variables}
        if len(self.by_name) != len(self.variables):
            raise ValueError("codebook: duplicate variable names")

    # --- selections -------------------------------------------------------------------
    def of_type(self, *types: str) -> list[Variable]:
        return [v for v in self.variables if v.type in types]

    def question(self, question_id: str) -> list[Variable]:
        """The variables of one question (one for scalars, one per item for arrays)."""
        return [v for v in self.variables if v.question_id == question_id]

    @property
    def analysis_variables(self) -> list[Variable]:
        return [v for v in self.variables if not v.is_personal]

    @property
    def personal_variables(self) -> list[Variable]:
        return [v for v in self.variables if v.is_personal]

    # --- labels -------------------------------------------------------------------------
    def label(self, name: str, lang: str = "de") -> str:
        """Plot or table label of a column (items: the item's own label)."""
        if name in self.meta:
            return self.meta[name][f"label_{lang}"]
        if name == "size_class":
            return self.size_class[f"label_{lang}"]
        if name in self.register_columns:
            return self.register_columns[name][f"label_{lang}"]
        v = self.by_name[name]
        if v.item_key and lang == "de":
            return v.item_label_de
        return v.label_de if lang == "de" else v.label_en

    def variable_label(self, name: str) -> str:
        """Full German label of any column of the processed data or the exports (items: with
        their question), e.g. for SPSS variable labels and table headers."""
        derived = {"maturity_index": self.maturity["label_de"], "kommunentyp": self.kommunentyp["label_de"]}
        if name in derived:
            return derived[name]
        return self.by_name[name].label_de if name in self.by_name else self.label(name)

    def value_labels(self, name: str) -> dict[str, str]:
        """Code -> German label for a coded variable."""
        v = self.by_name[name]
        return dict(self.scales[v.scale].codes) if v.scale else {}

    def dtype(self, name: str):
        """The pandas dtype a variable has in the processed data."""
        if name == "size_class":
            return pd.CategoricalDtype(self.size_class["labels"], ordered=True)
        if name in self.meta:
            return self.meta[name]["dtype"]
        if name in self.register_columns:
            spec = self.register_columns[name]
            return pd.CategoricalDtype(spec["categories"]) if spec["dtype"] == "category" else spec["dtype"]
        v = self.by_name[name]
        if v.type == "single":
            s = self.scales[v.scale]
            return pd.CategoricalDtype(s.labels, ordered=s.ordered)
        return {
            "likert": "Int8",
            "number": "Float64",
            "multi": "boolean",
            "free_text": "string",
            "personal": "string",
        }[v.type]

    def processed_columns(self) -> list[str]:
        """Column order of the processed responses table."""
        names = [v.name for v in self.analysis_variables]
        names.insert(names.index("population") + 1, "size_class")
        return list(self.meta) + names + list(self.register_columns)

    # --- validation -----------------------------------------------------------------------
    def schema(self) -> pa.DataFrameSchema:
        """pandera schema of the processed responses, generated from the codebook."""
        meta_checks = {
            "response_id": dict(unique=True, nullable=False),
            "interview_time_s": dict(checks=pa.Check.ge(0)),
            "last_page": dict(checks=pa.Check.in_range(0, self.pages)),
            "is_complete": dict(nullable=False),
        }
        cols = {
            **{
                name: pa.Column(self.dtype(name), **{"nullable": True, **meta_checks.get(name, {})})
                for name in self.meta
            },  # fmt: skip
            "size_class": pa.Column(self.dtype("size_class"), nullable=True),
            **{name: pa.Column(self.dtype(name), nullable=True) for name in self.register_columns},
        }
        for v in self.analysis_variables:
            checks = []
            if v.type == "likert":
                codes = [int(c) for c in self.scales[v.scale].codes]
                checks.append(pa.Check.isin(codes))
            elif v.type == "number":
                checks.append(pa.Check.in_range(v.min, v.max))
            elif v.type == "single":
                checks.append(pa.Check.isin(self.scales[v.scale].labels))
            cols[v.name] = pa.Column(self.dtype(v.name), checks=checks, nullable=not v.required)
        ordered = {name: cols[name] for name in self.processed_columns()}
        return pa.DataFrameSchema(ordered, strict=True, ordered=True, name="responses")


def _columns(formats: dict[str, dict], q: dict, item: dict | None = None, n: int = 0) -> dict[str, str]:
    """The column of a question (or of its `n`-th item, from 1) in every export format."""
    fields = {"id": q["id"], "text_de": q.get("text_de", q["label_de"])}
    if item is not None:
        fields |= {"sq": item["sq"], "item_label_de": item["label_de"], "n": n}
    out = {}
    for fmt, spec in formats.items():
        tool_id = q.get("ids", {}).get(fmt) or spec.get("id", "{id}").format(**fields)
        if item is not None:
            kind = "multi" if q["type"] == "multi" and "multi" in spec else "item"
        else:
            single = q["type"] == "single" or (q["type"] == "personal" and q.get("scale"))
            kind = "single" if single and "single" in spec else "question"
        out[fmt] = spec[kind].format(tool_id=tool_id, **fields)
    return out


def _expand(q: dict, formats: dict[str, dict]) -> list[Variable]:
    common = dict(
        question_id=q["id"],
        type=q["type"],
        page=int(q["page"]),
        scale=q.get("scale"),
        unit=q.get("unit"),
        min=q.get("min"),
        max=q.get("max"),
        required=bool(q.get("required", False)),
        question_label_de=q["label_de"],
        question_text_de=q.get("text_de"),
    )
    if "items" not in q:
        return [
            Variable(
                name=q["name"],
                label_de=q["label_de"],
                label_en=q["label_en"],
                columns=_columns(formats, q),
                **common,
            )
        ]
    return [
        Variable(
            name=f"{q['name']}_{it['key']}",
            label_de=f"{q['label_de']}: {it['label_de']}",
            label_en=f"{q['label_en']}: {it['label_en']}",
            columns=_columns(formats, q, it, n),
            item_key=it["key"],
            item_label_de=it["label_de"],
            **common,
        )
        for n, it in enumerate(q["items"], 1)
    ]


@cache
def load() -> Codebook:
    """The project's codebook, `config.CODEBOOK` (cached)."""
    return Codebook(yaml.safe_load(config.CODEBOOK.read_text(encoding="utf-8")))
