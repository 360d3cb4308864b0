"""Clean a raw export: drop what is not a valid response, recode values, log every change.

Load (ingest) -> Process (the steps in `STEPS`, each `step(frame, audit) -> frame`) -> Save.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.errors

from . import codebook, config, files, ingest, names, privacy, register, simulate
from .audit import WHOLE_RECORD, Audit
from .errors import InputError
from .parse import parse_number

Step = Callable[[pd.DataFrame, Audit], pd.DataFrame]


# --- record-level steps ------------------------------------------------------------------------
def drop_test_responses(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Responses whose municipality name marks a test ("Test", "asdf", "bitte löschen")."""
    words = df["municipality_name"].map(lambda s: set(names.fold(s or "").replace("-", " ").split()))
    is_test = words.map(lambda w: bool(w & config.TEST_NAME_WORDS))
    audit.drop(df[is_test], "test_response", "Testeingabe (Name der Kommune)")
    return df[~is_test]


def drop_speeders(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Complete responses much faster than the median complete response."""
    complete = df["submitted_at"].notna() & df["interview_time_s"].notna()
    limit = config.SPEEDER_FRACTION_OF_MEDIAN * df.loc[complete, "interview_time_s"].median()
    fast = complete & (df["interview_time_s"] < limit)
    audit.drop(df[fast], "speeder", f"Bearbeitungszeit unter {limit:.0f} s ({config.SPEEDER_FRACTION_OF_MEDIAN:.0%} des Medians)")
    return df[~fast]


def drop_straightliners(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Responses that gave one and the same answer to every item of every grid."""
    cb = codebook.load()
    cols = [v.name for q in config.STRAIGHTLINING_GRIDS for v in cb.question(q)]
    grid = df[cols]
    flat = grid.notna().all(axis=1) & grid.nunique(axis=1).eq(1)
    audit.drop(df[flat], "straightliner", f"gleiche Antwort auf alle {len(cols)} Aussagen ({', '.join(config.STRAIGHTLINING_GRIDS)})")
    return df[~flat]


def drop_empty(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Responses with no answer beyond section A (the municipality)."""
    cols = [v.name for v in codebook.load().analysis_variables if v.page > 1]
    answered = df[cols].notna() & df[cols].ne("")
    empty = ~answered.any(axis=1)
    audit.drop(df[empty], "empty", "keine Antworten über Abschnitt A hinaus (abgebrochen)")
    return df[~empty]


def resolve_duplicates(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Several responses of one municipality: keep the most complete, then the latest."""
    cols = [v.name for v in codebook.load().analysis_variables]
    key = df["land_code"].fillna("") + "|" + df["unit_type"].fillna("") + "|" + df["municipality_name"].map(names.municipality_key)
    ranked = df.assign(
        _key=key,
        _filled=(df[cols].notna() & df[cols].ne("")).sum(axis=1),
        _time=df["submitted_at"].fillna(df["started_at"]),
    ).sort_values(["_key", "_filled", "_time"], ascending=[True, False, False], kind="stable")
    named = ~ranked["_key"].str.endswith("|")
    dup = named & ranked.duplicated("_key")
    kept = ranked[named & ~dup].set_index("_key")["response_id"]
    for _, row in ranked[dup].iterrows():
        audit.change(
            row["response_id"], WHOLE_RECORD, "", "entfernt", "duplicate",
            f"weitere Antwort derselben Kommune; behalten: Antwort {kept[row['_key']]} (vollständiger oder später)",
        )  # fmt: skip
    return df[~df.index.isin(ranked[dup].index)]


# --- value-level steps ---------------------------------------------------------------------------
def recode_coded(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Coded answers: missing codes and codes outside the scale become missing."""
    cb = codebook.load()
    df = df.copy()
    for v in cb.of_type("single", "likert", "personal"):
        if not v.scale:
            continue
        valid = cb.scales[v.scale].codes
        bad = df[v.name].notna() & ~df[v.name].isin(list(valid))
        for idx, old in df.loc[bad, v.name].items():
            rule, reason = (
                ("missing_code", f"Fehlcode: {cb.missing_codes[old]}")
                if old in cb.missing_codes
                else ("invalid_code", "Code nicht in der Antwortskala")
            )
            audit.change(df.at[idx, "response_id"], v.name, old, "", rule, reason)
        df.loc[bad, v.name] = None
    return df


def parse_numbers(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Numbers typed as text ("ca. 3,5", "0,5 Mio. €") to floats; out-of-range values to missing."""
    cb = codebook.load()
    df = df.copy()
    for v in cb.of_type("number"):
        values = []
        for idx, raw in df[v.name].items():
            parsed = parse_number(raw, cb.missing_codes)
            rid = df.at[idx, "response_id"]
            value = parsed.value
            if parsed.rule:
                audit.change(rid, v.name, raw, "" if value is None else _num(value), parsed.rule, parsed.reason)
            if value is not None and not (v.min <= value <= v.max):
                audit.change(rid, v.name, _num(value), "", "out_of_range", f"außerhalb von {v.min:g} bis {v.max:g} {v.unit}")
                value = None
            values.append(value)
        df[v.name] = pd.array(values, dtype="Float64")
    return df


def scrub_free_text(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Personal data inside free text (e-mail, phone, names) replaced by placeholders."""
    df = df.copy()
    for v in codebook.load().of_type("free_text"):
        for idx, text in df[v.name].dropna().items():
            clean, found = privacy.scrub(text)
            if found:
                df.at[idx, v.name] = clean
                audit.change(
                    df.at[idx, "response_id"], v.name, "(enthielt personenbezogene Daten)", clean,
                    "personal_data_removed", f"entfernt: {', '.join(found)}",
                )  # fmt: skip
    return df


def decode(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Codes to labelled dtypes; multiple choice to booleans; derived columns added."""
    cb = codebook.load()
    df = df.copy()
    for v in cb.analysis_variables:
        if v.type == "single":
            df[v.name] = df[v.name].map(cb.value_labels(v.name)).astype(cb.dtype(v.name))
        elif v.type == "likert":
            df[v.name] = pd.to_numeric(df[v.name]).astype("Int8")
        elif v.type == "multi":
            reached = df["last_page"].fillna(cb.pages) >= v.page
            ticked = df[v.name].fillna("").str.strip().ne("")
            df[v.name] = pd.array(ticked.where(reached, None), dtype="boolean")
        elif v.type == "free_text":
            df[v.name] = df[v.name].astype("string")
    df["size_class"] = register.size_class(df["population"])
    df["is_complete"] = df["submitted_at"].notna().astype("boolean")
    df["last_page"] = df["last_page"].astype("Int8")
    df["interview_time_s"] = df["interview_time_s"].astype("Float64")
    df["response_id"] = df["response_id"].astype("string")
    return df


STEPS: list[Step] = [
    drop_test_responses,
    drop_speeders,
    drop_straightliners,
    drop_empty,
    resolve_duplicates,
    recode_coded,
    parse_numbers,
    scrub_free_text,
    decode,
]


@dataclass
class CleanResult:
    responses: pd.DataFrame
    audit: pd.DataFrame
    contacts: pd.DataFrame
    provenance: dict


def clean(raw_path: Path) -> CleanResult:
    """Run ingest and every cleaning step on one export; writes nothing."""
    raw_path = Path(raw_path)
    audit = Audit()
    df = ingest.read_export(raw_path, audit)
    n_raw = len(df)
    for step in STEPS:
        df = step(df, audit)
    cb = codebook.load()
    contacts = _contacts(df, cb)
    responses = df[cb.processed_columns()].sort_values("response_id", key=_id_order, kind="stable").reset_index(drop=True)
    try:
        responses = cb.schema().validate(responses, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        first = exc.failure_cases.iloc[0]
        raise InputError(raw_path, f"Prüfung fehlgeschlagen: Spalte {first['column']}, Wert {first['failure_case']!r} ({first['check']})") from None
    provenance = _provenance(raw_path, df.attrs.get("format", ""), n_raw, len(responses))
    responses.attrs = {
        "simulated": provenance["simulated"],
        "variable_labels": {c: cb.label(c) for c in responses.columns},
    }
    return CleanResult(responses, audit.frame(), contacts, provenance)


def _id_order(ids: pd.Series) -> pd.Series:
    return pd.to_numeric(ids, errors="coerce").fillna(float("inf"))


def _contacts(df: pd.DataFrame, cb: codebook.Codebook) -> pd.DataFrame:
    cols = ["response_id", "municipality_name"] + [v.name for v in cb.personal_variables]
    out = df[cols].copy()
    out["consent_named"] = out["consent_named"].map(cb.value_labels("consent_named"))
    return out.reset_index(drop=True)


def _provenance(raw_path: Path, fmt: str, n_raw: int, n_clean: int) -> dict:
    sidecar = simulate.provenance_path(raw_path)
    source = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else {}
    return {
        "raw_file": raw_path.name,
        "raw_sha256": files.sha256(raw_path),
        "format": fmt,
        "simulated": bool(source.get("simulated", False)),
        "source": source,
        "n_raw": n_raw,
        "n_clean": n_clean,
    }


def _num(value: float) -> str:
    return f"{value:.15g}"


def save(result: CleanResult, out_dir: Path, personal_dir: Path | None = None) -> list[Path]:
    """Write processed data, audit table and provenance to `out_dir`, contacts apart from them."""
    out_dir = Path(out_dir)
    personal_dir = Path(personal_dir) if personal_dir else out_dir.parent / "personal"
    written = [
        files.write_parquet(result.responses, out_dir / config.RESPONSES_FILE),
        files.write_parquet(result.audit, out_dir / config.AUDIT_FILE),
        files.write_csv(result.audit, out_dir / config.AUDIT_CSV, sep=";", encoding="utf-8-sig"),
        files.write_text(out_dir / "provenance.json", json.dumps(result.provenance, ensure_ascii=False, indent=2) + "\n"),
        files.write_csv(result.contacts, personal_dir / config.CONTACTS_FILE, sep=";", encoding="utf-8-sig"),
    ]
    return written


def load_processed(out_dir: Path = config.PROCESSED) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The processed responses, audit table and provenance of a cleaning run."""
    out_dir = Path(out_dir)
    responses = pd.read_parquet(out_dir / config.RESPONSES_FILE)
    audit_table = pd.read_parquet(out_dir / config.AUDIT_FILE)
    provenance = json.loads((out_dir / "provenance.json").read_text(encoding="utf-8"))
    return responses, audit_table, provenance
