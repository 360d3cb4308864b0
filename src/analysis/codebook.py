"""The codebook: questions, variables, scales and labels, and everything generated from them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd
import pandera.pandas as pa
import yaml

#: Columns every processed response carries besides the codebook's variables.
META_COLUMNS = {
    "response_id": ("Antwort-ID", "Response id"),
    "started_at": ("Beginn", "Started at"),
    "submitted_at": ("Abgeschickt am", "Submitted at"),
    "interview_time_s": ("Bearbeitungsdauer (Sekunden)", "Interview time (seconds)"),
    "last_page": ("Letzte besuchte Seite", "Last page reached"),
    "is_complete": ("Vollständig abgeschickt", "Submitted completely"),
}


@dataclass(frozen=True)
class Variable:
    """One analysis column: a scalar question or one item of an array question."""

    name: str
    question_id: str
    type: str
    label_de: str
    label_en: str
    page: int
    limesurvey_column: str
    forms_column: str
    scale: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    required: bool = False
    item_key: str | None = None
    item_label_de: str | None = None
    question_label_de: str | None = None

    @property
    def is_personal(self) -> bool:
        return self.type == "personal"


@dataclass(frozen=True)
class Scale:
    key: str
    codes: dict[str, str]
    ordered: bool

    @property
    def labels(self) -> list[str]:
        return list(self.codes.values())


class Codebook:
    """Read-only view of `codebook.yaml`."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.title_de: str = raw["survey"]["title_de"]
        self.pages: int = raw["survey"]["pages"]
        self.missing_codes: dict[str, str] = {str(k): v for k, v in raw["missing_codes"].items()}
        self.scales = {
            key: Scale(key, {str(c): lab for c, lab in s["codes"].items()}, bool(s["ordered"]))
            for key, s in raw["scales"].items()
        }
        self.size_class = raw["derived"]["size_class"]
        self.register_columns: dict[str, dict] = raw["derived"]["register"]
        self.maturity: dict = raw["derived"]["maturity"]
        self.kommunentyp: dict = raw["derived"]["kommunentyp"]
        #: The dictionary for coding the good examples (see `analysis.examples`).
        self.example_categories: dict = raw["example_categories"]
        #: How cleaning derives each kind of variable (German prose, for the codebook document).
        self.cleaning: dict = raw["cleaning"]
        self.variables: list[Variable] = [v for q in raw["questions"] for v in _expand(q)]
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
        if name in META_COLUMNS:
            return META_COLUMNS[name][0 if lang == "de" else 1]
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
        return list(META_COLUMNS) + names + list(self.register_columns)

    # --- validation -----------------------------------------------------------------------
    def schema(self) -> pa.DataFrameSchema:
        """pandera schema of the processed responses, generated from the codebook."""
        cols = {
            "response_id": pa.Column("string", unique=True),
            "started_at": pa.Column("datetime64[ns]", nullable=True),
            "submitted_at": pa.Column("datetime64[ns]", nullable=True),
            "interview_time_s": pa.Column("Float64", pa.Check.ge(0), nullable=True),
            "last_page": pa.Column("Int8", pa.Check.in_range(0, self.pages), nullable=True),
            "is_complete": pa.Column("boolean"),
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


def _expand(q: dict) -> list[Variable]:
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
    )
    if "items" not in q:
        return [
            Variable(
                name=q["name"],
                label_de=q["label_de"],
                label_en=q["label_en"],
                limesurvey_column=q["id"],
                forms_column=q["forms"],
                **common,
            )
        ]
    return [
        Variable(
            name=f"{q['name']}_{it['key']}",
            label_de=f"{q['label_de']}: {it['label_de']}",
            label_en=f"{q['label_en']}: {it['label_en']}",
            limesurvey_column=f"{q['id']}[{it['sq']}]",
            # Forms puts a multiple-choice question in one column, a Likert grid in one per row
            forms_column=q["forms"] if q["type"] == "multi" else f"{q['forms']}.{it['label_de']}",
            item_key=it["key"],
            item_label_de=it["label_de"],
            **common,
        )
        for it in q["items"]
    ]


@cache
def load() -> Codebook:
    """The project's codebook (cached)."""
    text = resources.files("analysis").joinpath("codebook.yaml").read_text(encoding="utf-8")
    return Codebook(yaml.safe_load(text))
