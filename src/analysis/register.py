"""Official municipal register (Destatis "Auszug GV", any vintage): tidy tables and margins.

The workbook has a title row, a multi-row header and one row per record: Satzart 10 Land,
20 Regierungsbezirk, 30 Region, 40 Kreis, 50 Gemeindeverband, 60 Gemeinde. Columns are found by
their header text, so that vintages with other column orders read the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import codebook, config, files
from .errors import InputError

#: Textkennzeichen (record subtype) labels of the register.
TEXTKENNZEICHEN = {
    "41": "Kreisfreie Stadt", "42": "Stadtkreis", "43": "Kreis", "44": "Landkreis", "45": "Regionalverband",
    "50": "Verbandsfreie Gemeinde", "51": "Amt", "52": "Samtgemeinde", "53": "Verbandsgemeinde",
    "54": "Verwaltungsgemeinschaft", "55": "Kirchspielslandgemeinde", "56": "Verwaltungsverband",
    "57": "Verwaltungsgemeinschaft (Trägermodell)", "58": "Erfüllende Gemeinde",
    "60": "Markt", "61": "Kreisfreie Stadt", "62": "Stadtkreis", "63": "Stadt", "64": "Kreisangehörige Gemeinde",
    "65": "Gemeindefreies Gebiet, bewohnt", "66": "Gemeindefreies Gebiet, unbewohnt", "67": "Große Kreisstadt",
}  # fmt: skip
_LANDKREIS = {"43", "44", "45"}
_GEMEINDEVERBAND = {"51", "52", "53", "54", "55", "56", "57"}
_GEMEINDE_KREISFREI = {"61", "62"}
_GEMEINDEFREI = {"65", "66"}

#: Codebook code of `unit_type` for each kind of unit in the register.
UNIT_TYPE_CODE = {
    "kreisfreie Stadt": "1",
    "kreisangehörige Stadt oder Gemeinde": "2",
    "Landkreis": "3",
    "Gemeindeverband": "4",
}

_LICENCE = (
    "© Statistisches Bundesamt (Destatis), {year}; Vervielfältigung und Verbreitung, auch auszugsweise, "
    "mit Quellenangabe gestattet."
)


def source_line(vintage: date) -> str:
    """Source line to print under every figure derived from the register of `vintage`."""
    quarter = (vintage.month - 1) // 3 + 1
    return (
        "Statistisches Bundesamt (Destatis), Gemeindeverzeichnis-Informationssystem GV-ISys, "
        f"Auszug GV {quarter}. Quartal {vintage.year} (Gebietsstand {vintage:%d.%m.%Y}); "
        + _LICENCE.format(year=vintage.year + 1)
    )


SOURCE_LINE = source_line(date(2024, 12, 31))


@dataclass(frozen=True)
class Register:
    """The register as tidy tables; `vintage` is its Gebietsstand."""

    vintage: date
    gemeinden: pd.DataFrame
    kreise: pd.DataFrame
    verbaende: pd.DataFrame
    n_gemeindefrei: int

    @property
    def source(self) -> str:
        return source_line(self.vintage)


# --- reading -----------------------------------------------------------------------------------
_FIELDS = {  # output name: words that must all occur in the column's header text
    "official_name": ("name",),
    "area_km2": ("fläche",),
    "population": ("bevölkerung", "insgesamt"),
    "postcode": ("postleit",),
    "urbanisation_code": ("verstädterung", "schlüssel"),
    "urbanisation": ("verstädterung", "bezeichnung"),
}
_REQUIRED = ("official_name", "population")


def read_register(path: Path) -> Register:
    """Read a Destatis "Auszug GV" workbook into tidy tables of Gemeinden, Kreise and Verbände."""
    path = Path(path)
    sheet, raw = _read_sheet(path)
    head_at = _header_row(raw)
    is_record = raw[0].astype(str).str.strip().isin(["10", "20", "30", "40", "50", "60"]).to_numpy()
    records = np.flatnonzero(is_record[head_at:])
    if not len(records):
        raise InputError(path, "kein Gemeindeverzeichnis (Auszug GV): keine Datensätze mit Satzart 10–60")
    header = raw.iloc[head_at : head_at + records[0]]
    body = raw.iloc[head_at:][is_record[head_at:]]
    cols = _columns(header, path)
    body = body.fillna("").astype(str).apply(lambda s: s.str.strip())
    vintage = _vintage(sheet, raw, path)

    sa, tk = body[0], body[1]
    land, rb, kreis, vb, gem = (body[cols[k]] for k in ("land", "rb", "kreis", "vb", "gem"))
    land_names = dict(zip(land[sa == "10"], body.loc[sa == "10", cols["official_name"]]))
    kreis_names = dict(zip((land + rb + kreis)[sa == "40"], body.loc[sa == "40", cols["official_name"]]))
    vb_key = land + rb + kreis + vb
    verband_names = dict(zip(vb_key[sa == "50"], body.loc[sa == "50", cols["official_name"]]))
    verband_tk = dict(zip(vb_key[sa == "50"], tk[sa == "50"]))

    g = (sa == "60") & ~tk.isin(_GEMEINDEFREI)
    gb = body[g]
    kreis_key = (land + rb + kreis)[g]
    verband_key = vb_key[g]

    def field(name: str, rows: pd.DataFrame) -> pd.Series:
        return rows[cols[name]] if name in cols else pd.Series("", index=rows.index)

    gemeinden = pd.DataFrame(
        {
            "ags": (land + rb + kreis + gem)[g],
            "ars": (vb_key + gem)[g],
            "official_name": gb[cols["official_name"]],
            "textkennzeichen": tk[g].map(TEXTKENNZEICHEN),
            "unit_type": np.where(
                tk[g].isin(_GEMEINDE_KREISFREI), "kreisfreie Stadt", "kreisangehörige Stadt oder Gemeinde"
            ),
            "land_code": land[g],
            "land": land[g].map(land_names),
            "kreis_key": kreis_key,
            "kreis": kreis_key.map(kreis_names),
            "verband_key": verband_key,
            "verband": [verband_names.get(k) if verband_tk.get(k) in _GEMEINDEVERBAND else None for k in verband_key],
            "population": _number(field("population", gb), path, "Bevölkerung").astype("Int64"),
            "area_km2": _number(field("area_km2", gb), path, "Fläche"),
            "postcode": field("postcode", gb).replace("", None),
            "urbanisation_code": field("urbanisation_code", gb).replace("", None),
            "urbanisation": field("urbanisation", gb).replace("", None),
        }
    ).reset_index(drop=True)
    gemeinden["size_class"] = size_class(gemeinden["population"])
    if gemeinden["ags"].str.len().ne(8).any():
        raise InputError(path, "Amtlicher Gemeindeschlüssel nicht achtstellig: Spalten des Regionalschlüssels prüfen")

    by_kreis = gemeinden.groupby("kreis_key").agg(
        population=("population", "sum"), area_km2=("area_km2", "sum"), n_gemeinden=("ags", "size")
    )
    k = sa == "40"
    kreise = pd.DataFrame(
        {
            "kreis_key": (land + rb + kreis)[k],
            "official_name": body.loc[k, cols["official_name"]],
            "textkennzeichen": tk[k].map(TEXTKENNZEICHEN),
            "unit_type": np.where(tk[k].isin(_LANDKREIS), "Landkreis", "kreisfreie Stadt"),
            "land_code": land[k],
            "land": land[k].map(land_names),
        }
    ).merge(by_kreis, left_on="kreis_key", right_index=True, how="left")
    by_verband = gemeinden.groupby("verband_key").agg(population=("population", "sum"), n_gemeinden=("ags", "size"))
    v = (sa == "50") & tk.isin(_GEMEINDEVERBAND)
    verbaende = pd.DataFrame(
        {
            "verband_key": vb_key[v],
            "official_name": body.loc[v, cols["official_name"]],
            "textkennzeichen": tk[v].map(TEXTKENNZEICHEN),
            "unit_type": "Gemeindeverband",
            "land_code": land[v],
            "land": land[v].map(land_names),
        }
    ).merge(by_verband, left_on="verband_key", right_index=True, how="left")
    for t in (kreise, verbaende):
        t["population"] = t["population"].fillna(0).astype("Int64")
        t["n_gemeinden"] = t["n_gemeinden"].fillna(0).astype("Int64")
    return Register(
        vintage=vintage,
        gemeinden=gemeinden,
        kreise=kreise.reset_index(drop=True),
        verbaende=verbaende.reset_index(drop=True),
        n_gemeindefrei=int(((sa == "60") & tk.isin(_GEMEINDEFREI)).sum()),
    )


def _read_sheet(path: Path) -> tuple[str, pd.DataFrame]:
    if not path.is_file():
        raise InputError(path, "Gemeindeverzeichnis nicht gefunden")
    try:
        book = pd.ExcelFile(path, engine="calamine")  # the same cells as openpyxl, 8x faster
        sheets = {name: pd.read_excel(book, sheet_name=name, header=None, dtype=str) for name in book.sheet_names}
    except Exception as exc:  # any reader failure means: not a workbook we can read
        raise InputError(path, f"keine lesbare Excel-Datei ({type(exc).__name__})") from None
    for name, raw in sheets.items():
        if raw.shape[1] >= 10 and raw.head(15)[0].astype(str).str.startswith("Satz").any():
            return name, raw
    raise InputError(path, "kein Gemeindeverzeichnis (Auszug GV): kein Blatt mit der Kopfzeile „Satzart“")


def _header_row(raw: pd.DataFrame) -> int:
    starts = raw.head(15)[0].astype(str).str.startswith("Satz")
    return int(np.flatnonzero(starts.to_numpy())[0])


def _columns(header: pd.DataFrame, path: Path) -> dict[str, int]:
    """Column positions by header text; merged header cells are filled to the right."""
    top = header.iloc[0].ffill()
    text = [
        " ".join(str(v) for v in [top.iloc[i], *header.iloc[1:, i].tolist()] if isinstance(v, str)).lower()
        for i in range(header.shape[1])
    ]
    text = [re.sub(r"-\s*", "", t) for t in text]  # "Satz-art", "Postleit-zahl"
    sub = [str(v).strip().lower() for v in header.iloc[1].tolist()] if len(header) > 1 else []
    cols: dict[str, int] = {}
    for key, word in (("land", "land"), ("rb", "rb"), ("kreis", "kreis"), ("vb", "vb"), ("gem", "gem")):
        hits = [i for i, s in enumerate(sub) if s == word]
        if not hits:
            raise InputError(path, f"kein Gemeindeverzeichnis (Auszug GV): Teil „{word}“ des Regionalschlüssels fehlt")
        cols[key] = hits[0]
    for key, words in _FIELDS.items():
        hits = [i for i, t in enumerate(text) if all(w in t for w in words) and i not in cols.values()]
        if hits:
            cols[key] = hits[0]
    missing = [k for k in _REQUIRED if k not in cols]
    if missing:
        raise InputError(path, f"kein Gemeindeverzeichnis (Auszug GV): Spalte(n) {', '.join(missing)} fehlen")
    return cols


def _vintage(sheet: str, raw: pd.DataFrame, path: Path) -> date:
    for text in [sheet, *raw.head(6).fillna("").astype(str).agg(" ".join, axis=1)]:
        m = re.search(r"(\d{2})\.?(\d{2})\.?(\d{4})", text)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
    raise InputError(path, "Gebietsstand (Datum) weder im Blattnamen noch im Titel gefunden")


def _number(values: pd.Series, path: Path, what: str) -> pd.Series:
    text = values.str.replace(" ", "", regex=False)
    out = pd.to_numeric(text.replace("", None), errors="coerce")
    bad = out.isna() & text.ne("")
    if bad.any():
        raise InputError(path, f"{what} nicht numerisch in {int(bad.sum())} Zeilen (z. B. „{text[bad].iloc[0]}“)")
    return out


# --- derived tables ------------------------------------------------------------------------------
def units(reg: Register) -> pd.DataFrame:
    """All units a respondent can speak for: Gemeinden, Landkreise and Gemeindeverbände.

    Columns: key (AGS, Kreis key or Verband key), official_name, land_code, unit_type
    (codebook label), population, kreis_key, kreis (name), urbanisation.
    """
    cols = ["key", "official_name", "land_code", "unit_type", "population", "kreis_key", "kreis", "urbanisation"]
    gem = reg.gemeinden.rename(columns={"ags": "key"})[cols]
    lk = reg.kreise[reg.kreise["unit_type"] == "Landkreis"]
    kreise = lk.assign(key=lk["kreis_key"], kreis=lk["official_name"], urbanisation=None)[cols]
    kreis_names = dict(zip(reg.kreise["kreis_key"], reg.kreise["official_name"]))
    vb = reg.verbaende
    verb = vb.assign(
        key=vb["verband_key"], kreis_key=vb["verband_key"].str[:5], urbanisation=None,
        kreis=vb["verband_key"].str[:5].map(kreis_names),
    )[cols]  # fmt: skip
    out = pd.concat([gem, kreise, verb], ignore_index=True)
    out["population"] = out["population"].astype("int64")
    return out.sort_values("key", kind="stable").reset_index(drop=True)


def read_units(path: Path) -> pd.DataFrame:
    """`units` of the register workbook at `path`."""
    return units(read_register(path))


def inhabitants(responses: pd.DataFrame) -> pd.Series:
    """Inhabitants of each responding unit: the register's count where the name was matched,
    else the respondent's own figure."""
    return responses["register_population"].astype("Float64").fillna(responses["population"]).astype(float)


def size_class(population: pd.Series) -> pd.Series:
    """Official size class (ordered categorical) of inhabitant counts."""
    sc = codebook.load().size_class
    bins = [*sc["bins"], np.inf]
    return pd.cut(population.astype("Float64"), bins=bins, labels=sc["labels"], right=False)


def margins(unit_table: pd.DataFrame) -> pd.DataFrame:
    """Counts and population by Land x unit type x size class (the committed aggregate)."""
    return (
        unit_table.assign(size_class=size_class(unit_table["population"]).astype(str))
        .groupby(["land_code", "unit_type", "size_class"], observed=True)
        .agg(n_units=("key", "size"), population=("population", "sum"))
        .reset_index()
    )


def write_margins(register_path: Path, out: Path = config.REGISTER_MARGINS) -> Path:
    """Derive the margins table from a register workbook and write it with its source line."""
    reg = read_register(register_path)
    table = margins(units(reg))
    files.write_csv(table, out)
    meta = {
        "source": reg.source,
        "vintage": reg.vintage.isoformat(),
        "derived_from": Path(register_path).name,
        "sha256": files.sha256(out),
    }
    files.write_text(out.with_suffix(".json"), json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    return out


def read_margins(path: Path = config.REGISTER_MARGINS) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"land_code": str})


def read_margins_meta(path: Path = config.REGISTER_MARGINS) -> dict:
    """Source line, vintage and checksum of the committed margins."""
    return json.loads(Path(path).with_suffix(".json").read_text(encoding="utf-8"))


def write_register(reg: Register, out_dir: Path) -> list[Path]:
    """Write the tidy tables (Parquet and `;` CSV) and a JSON note with vintage and source."""
    out_dir = Path(out_dir)
    written = []
    for name in ("gemeinden", "kreise", "verbaende"):
        table = getattr(reg, name)
        written.append(files.write_parquet(table, out_dir / f"register_{name}.parquet"))
        written.append(files.write_csv(table, out_dir / f"register_{name}.csv", sep=";"))
    meta = {
        "vintage": reg.vintage.isoformat(),
        "source": reg.source,
        "n_gemeinden": len(reg.gemeinden),
        "n_gemeindefreie_gebiete": reg.n_gemeindefrei,
        "n_kreise": len(reg.kreise),
        "n_gemeindeverbaende": len(reg.verbaende),
    }
    written.append(files.write_text(out_dir / "register.json", json.dumps(meta, ensure_ascii=False, indent=2) + "\n"))
    return written
