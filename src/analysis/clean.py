"""Clean a raw export: drop what is not a valid response, recode values, log every change.

Load (ingest) -> Process (the steps in `STEPS`, each `step(frame, audit) -> frame`) -> Save.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
import pandera.errors

from . import codebook, config, files, match, names, privacy, readers, register, settings, weighting
from .audit import WHOLE_RECORD, Audit
from .errors import InputError
from .parse import parse_number
from .readers.base import NOT_TICKED, TICKED

Step = Callable[[pd.DataFrame, Audit], pd.DataFrame]


# --- record-level steps ------------------------------------------------------------------------
def drop_test_responses(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Responses whose municipality name marks a test ("Test", "asdf", "bitte löschen")."""
    words = df["municipality_name"].map(lambda s: set(names.fold(s or "").replace("-", " ").split()))
    is_test = words.map(lambda w: bool(w & settings.TEST_NAME_WORDS))
    audit.drop(df[is_test], "test_response", "Testeingabe (Name der Kommune)")
    return df[~is_test]


def drop_speeders(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Complete responses much faster than the median complete response. Without times in the
    export (LimeSurvey without timings) the rule is off, and the audit table says so."""
    if df["interview_time_s"].isna().all():
        audit.file_note("interviewtime", "rule_off", "keine Bearbeitungszeiten im Export: zu schnelle Antworten "
                        "werden nicht erkannt (in LimeSurvey „Zeiten speichern“ einschalten)")  # fmt: skip
        return df
    complete = df["is_complete"].astype(bool) & df["interview_time_s"].notna()
    limit = settings.SPEEDER_FRACTION_OF_MEDIAN * df.loc[complete, "interview_time_s"].median()
    fast = complete & (df["interview_time_s"] < limit)
    audit.drop(
        df[fast],
        "speeder",
        f"Bearbeitungszeit unter {limit:.0f} s ({settings.SPEEDER_FRACTION_OF_MEDIAN:.0%} des Medians)",
    )
    return df[~fast]


def drop_straightliners(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Responses that gave one and the same answer to every item of every grid."""
    cb = codebook.load()
    cols = [v.name for q in settings.STRAIGHTLINING_GRIDS for v in cb.question(q)]
    grid = df[cols]
    flat = grid.notna().all(axis=1) & grid.eq(grid.iloc[:, 0], axis=0).all(axis=1)
    audit.drop(
        df[flat],
        "straightliner",
        f"gleiche Antwort auf alle {len(cols)} Aussagen ({', '.join(settings.STRAIGHTLINING_GRIDS)})",
    )
    return df[~flat]


def drop_empty(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Responses with no answer beyond section A (the municipality)."""
    cols = [v.name for v in codebook.load().analysis_variables if v.page > 1]
    answered = df[cols].notna() & df[cols].ne("")
    empty = ~answered.any(axis=1)
    audit.drop(df[empty], "empty", "keine Antworten über Abschnitt A hinaus (abgebrochen)")
    return df[~empty]


def resolve_duplicates(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Several responses of one municipality (same Land, type and name): keep the most complete,
    then the latest."""
    key = (
        df["land_code"].fillna("")
        + "|"
        + df["unit_type"].fillna("")
        + "|"
        + df["municipality_name"].map(names.municipality_key)
    )
    return _keep_best(
        df, audit, key.where(~key.str.endswith("|")), "duplicate",
        lambda _, kept: f"weitere Antwort derselben Kommune; behalten: Antwort {kept} (vollständiger oder später)",
    )  # fmt: skip


def _keep_best(
    df: pd.DataFrame, audit: Audit, key: pd.Series, rule: str, reason, verbatim: bool = False
) -> pd.DataFrame:
    """Of the responses sharing a `key` (missing: no key), keep the most complete, then the
    latest; log the others as dropped with `reason(key, kept response id)` (`verbatim`: the
    reason holds no respondent's text, see `Audit.change`)."""
    cols = [v.name for v in codebook.load().analysis_variables]
    answers = df[cols].astype(object)
    if key.notna().any() and df["submitted_at"].isna().all() and df["started_at"].isna().all():
        audit.file_note("submitdate", "rule_off", "keine Zeitstempel im Export: bei mehreren Antworten einer Kommune "
                        f"entscheidet die Vollständigkeit, dann die höhere (spätere) Antwort-ID ({rule})")  # fmt: skip
    ranked = df.assign(
        _key=key,
        _filled=(answers.notna() & answers.ne("")).sum(axis=1),
        _time=df["submitted_at"].fillna(df["started_at"]),
        _id=pd.to_numeric(df["response_id"], errors="coerce"),  # survey tools number responses as they come
    )
    ranked = ranked[ranked["_key"].notna()].sort_values(
        ["_key", "_filled", "_time", "_id"], ascending=[True, False, False, False], kind="stable"
    )
    dup = ranked.duplicated("_key")
    kept = ranked[~dup].set_index("_key")["response_id"]
    for _, row in ranked[dup].iterrows():
        why = reason(row["_key"], kept[row["_key"]])
        audit.change(row["response_id"], WHOLE_RECORD, "", "entfernt", rule, why, verbatim=verbatim)
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
    ids = df["response_id"].tolist()
    for v in cb.of_type("number"):
        values, parsed_of = [], {}
        for rid, raw in zip(ids, df[v.name].tolist()):
            key = raw if isinstance(raw, str) else repr(raw)  # exports repeat few distinct values
            parsed = parsed_of.get(key) or parsed_of.setdefault(key, parse_number(raw, cb.missing_codes))
            value = parsed.value
            if parsed.rule:
                audit.change(rid, v.name, raw, "" if value is None else _num(value), parsed.rule, parsed.reason)
            if value is not None and not (v.min <= value <= v.max):
                audit.change(
                    rid, v.name, _num(value), "", "out_of_range", f"außerhalb von {v.min:g} bis {v.max:g} {v.unit}"
                )
                value = None
            values.append(value)
        df[v.name] = pd.array(values, dtype="Float64")
    return df


def scrub_free_text(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Personal data inside free text (e-mail, phone, names) replaced by placeholders; text
    longer than `settings.MAX_FREE_TEXT_CHARS` cut."""
    df = df.copy()
    limit = settings.MAX_FREE_TEXT_CHARS
    for v in codebook.load().of_type("free_text"):
        for idx, text in df[v.name].dropna().items():
            if len(text) > limit:
                audit.change(df.at[idx, "response_id"], v.name, f"({len(text)} Zeichen)", f"({limit} Zeichen)",
                             "text_truncated", f"Text länger als {limit} Zeichen: gekürzt")  # fmt: skip
                text = df.at[idx, v.name] = text[: limit - 1] + "…"
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
        elif v.type == "multi":  # ticked "Y", not ticked "N", not shown None, "" by the page reached
            reached = df["last_page"].fillna(cb.pages) >= v.page
            cell = df[v.name].astype(object)
            state = cell.map({TICKED: True, NOT_TICKED: False, "": False}).where(cell.ne("") | reached)
            df[v.name] = pd.array(state.where(cell.notna(), None), dtype="boolean")
        elif v.type == "free_text":
            df[v.name] = df[v.name].astype("string")
    df["size_class"] = register.size_class(df["population"])
    df["is_complete"] = df["is_complete"].astype(bool).astype("boolean")
    df["last_page"] = df["last_page"].astype("Int8")
    df["interview_time_s"] = df["interview_time_s"].astype("Float64")
    df["response_id"] = df["response_id"].astype("string")
    return df


# --- register steps (bound to a register or to the committed margins in `clean`) -----------------
_STATUS_DE = {match.MATCHED: "zugeordnet", match.AMBIGUOUS: "mehrdeutig", match.NONE: "nicht gefunden"}
_REGISTER_COLUMNS = ["register_key", "register_name", "register_population", "kreis", "urbanisation", "match_score"]
#: Working column of `match_register`: candidates of names left open (not a processed column).
CANDIDATES = "register_candidates"


def match_register(
    df: pd.DataFrame, audit: Audit, matcher: match.Matcher | None, overrides: dict | None = None
) -> pd.DataFrame:
    """Names to register keys (`overrides`, see `match.read_overrides`, settle names first);
    inhabitants, Kreis and urbanisation from the register; the size class from the register's
    inhabitants. Every response's match (register name, score, rule) is logged, names left
    open with their candidates (column `CANDIDATES`, for `unresolved_names`)."""
    df = df.copy()
    cb = codebook.load()
    for col in _REGISTER_COLUMNS:
        df[col] = pd.array([None] * len(df), dtype=cb.dtype(col))
    if matcher is None:
        df["match_status"] = pd.Categorical(["ohne Verzeichnis"] * len(df), dtype=cb.dtype("match_status"))
        return df
    land_codes = {label: code for code, label in cb.scales["land"].codes.items()}
    found = matcher.match_frame(
        pd.DataFrame(
            {
                "name": df["municipality_name"].astype(object),
                "land_code": df["land_code"].astype(object).map(land_codes),
                "unit_type": df["unit_type"].astype(object),
                "population": df["population"].astype(object),
            },
            index=df.index,
        ),
        overrides,
    )
    units = matcher.units.set_index("key")
    hit = found["status"] == match.MATCHED
    keys = found.loc[hit, "key"]
    df.loc[hit, "register_key"] = keys
    df.loc[hit, "register_name"] = keys.map(units["official_name"])
    df.loc[hit, "register_population"] = keys.map(units["population"]).astype("Int64")
    df.loc[hit, "kreis"] = keys.map(units["kreis"])
    df.loc[hit, "urbanisation"] = keys.map(units["urbanisation"])
    df["match_score"] = pd.array(found["score"].where(found["status"] != match.NONE), dtype="Float64")
    df["match_status"] = pd.Categorical(found["status"].map(_STATUS_DE), dtype=cb.dtype("match_status"))
    lands = cb.scales["land"].codes
    details = {
        key: {"key": key, "official_name": u["official_name"], "unit_type": u["unit_type"],
              "land_of_key": lands.get(u["land_code"], u["land_code"]), "kreis": u["kreis"] if pd.notna(u["kreis"]) else "",
              "population": int(u["population"])}
        for key, u in units.loc[sorted({k for c in found["candidates"] for k in c.split()})].iterrows()
    }  # fmt: skip
    df[CANDIDATES] = [tuple(details[k] for k in c.split()) for c in found["candidates"]]
    for idx, row in found.iterrows():
        rid, name = df.at[idx, "response_id"], df.at[idx, "municipality_name"]
        if row["status"] == match.MATCHED:
            rule = "override" if row["rule"] == match.OVERRIDE else "register_matched"
            reason = f"{row['official_name']} (Regel: {row['rule']}; Übereinstimmung {row['score']:g})"
            audit.change(rid, "register_key", name, row["key"], rule, reason, verbatim=True)
        elif row["status"] == match.AMBIGUOUS:
            reason = f"Name passt zu mehreren Einträgen ({row['candidates']}); nicht geraten"
            audit.change(rid, "register_key", name, "", "register_ambiguous", reason, verbatim=True)
        else:
            near = f"; ähnliche Namen: {row['candidates']}" if row["candidates"] else ""
            reason = f"Name nicht im Gemeindeverzeichnis gefunden{near}"
            audit.change(rid, "register_key", name, "", "register_unmatched", reason, verbatim=True)
    register_class = register.size_class(df["register_population"]).astype(object)
    changed = hit & register_class.notna() & (register_class != df["size_class"].astype(object))
    for idx in df.index[changed]:
        old = df.at[idx, "size_class"]
        audit.change(
            df.at[idx, "response_id"], "size_class", "" if pd.isna(old) else str(old), register_class[idx],
            "size_class_from_register", "Größenklasse aus den Einwohnern laut Gemeindeverzeichnis",
        )  # fmt: skip
    df["size_class"] = pd.Categorical(
        register_class.where(hit, df["size_class"].astype(object)), dtype=cb.dtype("size_class")
    )
    return df


def unresolved_names(df: pd.DataFrame) -> pd.DataFrame:
    """The names `match_register` left ambiguous or unmatched, one row per name as written
    (with Land and type) and candidate, for a researcher to settle: copy `name;land;key` of the
    right candidate to the overrides file beside the export (`match.overrides_path`)."""
    open_ = df[df["match_status"].isin([_STATUS_DE[match.AMBIGUOUS], _STATUS_DE[match.NONE]])]
    rows = []
    by = [open_[c].astype(str) for c in ("municipality_name", "land_code", "unit_type")]
    for (name, land, kind), group in open_.groupby(by, sort=True):
        head = {"name": name, "land": land, "type": kind, "status": str(group["match_status"].iloc[0]),
                "responses": " ".join(group["response_id"].astype(str))}  # fmt: skip
        rows.extend({**head, **candidate} for candidate in group[CANDIDATES].iloc[0] or ({},))
    columns = ["name", "land", "type", "status", "responses", "key", "official_name", "unit_type", "land_of_key",
               "kreis", "population"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns).astype({"population": "Int64"})


def resolve_duplicate_keys(df: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Several responses matched to one register key: keep the most complete, then the latest."""
    return _keep_best(
        df, audit, df["register_key"].astype(object), "duplicate_key",
        lambda key, kept: f"weitere Antwort derselben Kommune laut Gemeindeverzeichnis ({key}); behalten: Antwort {kept}",
        verbatim=True,
    )  # fmt: skip


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


def register_steps(
    register_path: Path | None, overrides_path: Path | None = None
) -> tuple[list[Step], pd.DataFrame, dict]:
    """The steps that need the register (matching, duplicates by key, weights), the margins
    they weight to, and where these come from. Overrides (`name;land;ags`, see
    `match.read_overrides`) at `overrides_path` are applied if the file is there."""
    overrides = None
    if register_path:
        reg = register.read_register(register_path)
        units = register.units(reg)
        matcher, margins = match.Matcher(units), register.margins(units)
        source = {"register_file": Path(register_path).name, "vintage": reg.vintage.isoformat(), "source": reg.source}
        if overrides_path and Path(overrides_path).is_file():
            overrides = match.read_overrides(overrides_path, units)
            source["overrides_file"] = Path(overrides_path).name
    else:
        matcher, margins = None, register.read_margins()
        meta = register.read_margins_meta()
        source = {"register_file": None, "vintage": meta["vintage"], "source": meta["source"]}
    steps = [
        partial(match_register, matcher=matcher, overrides=overrides),
        resolve_duplicate_keys,
        partial(weighting.add_weights, margins=margins),
    ]
    return steps, margins, source


@dataclass
class CleanResult:
    responses: pd.DataFrame
    audit: pd.DataFrame
    contacts: pd.DataFrame
    provenance: dict
    margins: pd.DataFrame
    #: Names left ambiguous or unmatched with their candidates (`unresolved_names`); None without a register.
    unresolved: pd.DataFrame | None = None


def clean(raw_path: Path, register_path: Path | None = None) -> CleanResult:
    """Run ingest and every cleaning step on one export; writes nothing.

    With `register_path` (a Destatis Auszug GV workbook) names are matched to the register,
    with the names a researcher settled in `<export>.overrides.csv` beside the export, and
    weights raked to it; without, weights use the committed register margins.
    """
    raw_path = Path(raw_path)
    audit = Audit()
    df = readers.read_export(raw_path, audit)
    n_raw = len(df)
    extra, margins, source = register_steps(register_path, match.overrides_path(raw_path))
    for step in [*STEPS, *extra]:
        try:
            df = step(df, audit)
        except weighting.NotWeightable as exc:
            raise InputError(raw_path, str(exc)) from None
        if df.empty:
            dropped = audit.frame().query("column == @WHOLE_RECORD")["rule"].value_counts()
            raise InputError(raw_path, f"keine Antwort übrig: alle {n_raw} Antworten bei der Bereinigung entfernt ("
                             + ", ".join(f"{rule}: {k}" for rule, k in dropped.items()) + ")")  # fmt: skip
    cb = codebook.load()
    contacts = _contacts(df, cb)
    responses = (
        df[cb.processed_columns()].sort_values("response_id", key=_id_order, kind="stable").reset_index(drop=True)
    )
    try:
        responses = cb.schema().validate(responses, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        first = exc.failure_cases.iloc[0]
        row = None
        if pd.notna(first["index"]):
            rid = responses.at[first["index"], "response_id"]
            row = int(df.loc[df["response_id"] == rid, "source_row"].iloc[0])
        column = first["column"]
        source = cb.by_name[column].column(df.attrs.get("format", "limesurvey")) if column in cb.by_name else None
        problem = ("Pflichtangabe fehlt oder ist ungültig" if first["check"] == "not_nullable"
                   else f"Prüfung fehlgeschlagen: Wert {first['failure_case']!r} ({first['check']})")  # fmt: skip
        raise InputError(raw_path, problem, row=row, column=f"{source} ({column})" if source else column) from None
    provenance = _provenance(raw_path, df.attrs.get("format", ""), n_raw, len(responses))
    provenance["register"] = source
    responses.attrs = {
        "simulated": provenance["simulated"],
        "variable_labels": {c: cb.label(c) for c in responses.columns},
    }
    unresolved = unresolved_names(df) if register_path else None
    return CleanResult(responses, audit.frame(), contacts, provenance, margins, unresolved)


def _id_order(ids: pd.Series) -> pd.Series:
    """Response ids in the order of their numbers; ids that are not numbers ("R-17a") after
    them, by their text."""
    number = pd.to_numeric(ids, errors="coerce").astype(float)
    return pd.Series(list(zip(number.isna(), number.fillna(0.0), ids.astype(str))), index=ids.index)


def _contacts(df: pd.DataFrame, cb: codebook.Codebook) -> pd.DataFrame:
    cols = ["response_id", "municipality_name"] + [v.name for v in cb.personal_variables]
    out = df[cols].copy()
    out["consent_named"] = out["consent_named"].map(cb.value_labels("consent_named"))
    return out.reset_index(drop=True)


def _provenance(raw_path: Path, fmt: str, n_raw: int, n_clean: int) -> dict:
    sidecar = config.provenance_path(raw_path)
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


def save(result: CleanResult, out_dir: Path | None, personal_dir: Path | None = None) -> list[Path]:
    """Write processed data, audit table and provenance to `out_dir`, contacts apart from them;
    with a register, also the names left open (`config.UNRESOLVED_NAMES_FILE`).
    `None` (a notebook run in the lab, `config.lab_output`): nothing is written."""
    if out_dir is None:
        return []
    out_dir = Path(out_dir)
    personal = Path(personal_dir) if personal_dir else personal_folder(out_dir)
    written = [
        files.write_parquet(result.responses, out_dir / config.RESPONSES_FILE),
        files.write_parquet(result.audit, out_dir / config.AUDIT_FILE),
        files.write_parquet(result.margins, out_dir / config.MARGINS_FILE),
        files.write_csv(result.audit, out_dir / config.AUDIT_CSV, sep=";", encoding="utf-8-sig"),
        files.write_text(
            out_dir / "provenance.json", json.dumps(result.provenance, ensure_ascii=False, indent=2) + "\n"
        ),
        files.write_csv(result.contacts, personal / config.CONTACTS_FILE, sep=";", encoding="utf-8-sig"),
    ]
    if result.unresolved is not None:
        sheets = {"offene Namen": result.unresolved}
        written.append(
            files.write_workbook(sheets, out_dir / config.UNRESOLVED_NAMES_FILE, files.data_time(result.responses))
        )
    return written


def load_margins(out_dir: Path = config.PROCESSED) -> pd.DataFrame:
    """The register margins the cleaning run weighted to."""
    return pd.read_parquet(Path(out_dir) / config.MARGINS_FILE)


def personal_folder(out_dir: Path = config.PROCESSED) -> Path:
    """Where `save` keeps the contacts and consent of the processed data in `out_dir`: beside
    them, never in them, and of these data only (a folder per processed folder, so that two
    runs never read each other's consent). For the pipeline's processed folder, a link into its
    run, the personal folder of that run."""
    out_dir = Path(out_dir).resolve()
    return out_dir.parent / "personal" / out_dir.name


def personal_link(processed: Path) -> Path:
    """Where people find the current run's personal folder: `data/personal` beside
    `data/processed`, `<name>-personal` beside any other processed folder."""
    processed = Path(processed)
    return processed.parent / ("personal" if processed.name == "processed" else f"{processed.name}-personal")


def load_consent(out_dir: Path = config.PROCESSED) -> frozenset:
    """Response ids whose respondent agreed to be named with the example (none if the
    contacts file is missing: nobody is named without a recorded yes)."""
    path = personal_folder(out_dir) / config.CONTACTS_FILE
    if not path.is_file():
        return frozenset()
    contacts = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig")
    return frozenset(contacts.loc[contacts["consent_named"] == "ja", "response_id"])


def load_processed(out_dir: Path = config.PROCESSED) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The processed responses, audit table and provenance of a cleaning run."""
    out_dir = Path(out_dir)
    responses = pd.read_parquet(out_dir / config.RESPONSES_FILE)
    responses.attrs = {}  # the file's labels are the codebook's; pandas would deep-copy them on every operation
    audit_table = pd.read_parquet(out_dir / config.AUDIT_FILE)
    provenance = json.loads((out_dir / "provenance.json").read_text(encoding="utf-8"))
    return responses, audit_table, provenance
