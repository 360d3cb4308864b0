"""Official municipal register (Destatis "Auszug GV"): units and Land x size-class margins."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import codebook, config, files
from .errors import InputError

SOURCE_LINE = (
    "Statistisches Bundesamt (Destatis), Gemeindeverzeichnis-Informationssystem GV-ISys, "
    "Auszug GV 4. Quartal 2024 (Gebietsstand 31.12.2024); © Statistisches Bundesamt (Destatis), "
    "2025; Vervielfältigung und Verbreitung, auch auszugsweise, mit Quellenangabe gestattet."
)

# Textkennzeichen of the record types used here
_KREISFREI = {"41", "42"}  # Satzart 40: kreisfreie Stadt, Stadtkreis
_LANDKREIS = {"43", "44", "45"}  # Kreis, Landkreis, Regionalverband
_GEMEINDEVERBAND = {"51", "52", "53", "54", "55", "56", "57"}  # Amt, Samtgemeinde, ...
_GEMEINDE_KREISFREI = {"61", "62"}

#: Codebook code of `unit_type` for each kind of unit in the register.
UNIT_TYPE_CODE = {
    "kreisfreie Stadt": "1",
    "kreisangehörige Stadt oder Gemeinde": "2",
    "Landkreis": "3",
    "Gemeindeverband": "4",
}


def read_units(path: Path) -> pd.DataFrame:
    """All units a respondent can speak for: Gemeinden, Landkreise and Gemeindeverbände.

    Columns: key (AGS for Gemeinden, Kreis key, or Verband key), official_name, land_code,
    unit_type (codebook label), population.
    """
    raw = _read_sheet(Path(path))
    sa, tk = raw[0], raw[1]
    pop = pd.to_numeric(raw[9], errors="coerce").fillna(0)

    gem = raw[sa == "60"].assign(population=pop)
    gem = pd.DataFrame(
        {
            "key": gem[2] + gem[3] + gem[4] + gem[6],
            "official_name": gem[7],
            "land_code": gem[2],
            "unit_type": np.where(
                gem[1].isin(_GEMEINDE_KREISFREI), "kreisfreie Stadt", "kreisangehörige Stadt oder Gemeinde"
            ),
            "population": gem["population"].astype("int64"),
            "_kreis": gem[2] + gem[3] + gem[4],
            "_verband": gem[2] + gem[3] + gem[4] + gem[5],
        }
    )
    kreise = raw[(sa == "40") & tk.isin(_LANDKREIS)]
    kreise = pd.DataFrame(
        {
            "key": kreise[2] + kreise[3] + kreise[4],
            "official_name": kreise[7],
            "land_code": kreise[2],
            "unit_type": "Landkreis",
        }
    ).merge(gem.groupby("_kreis")["population"].sum().rename("population"), left_on="key", right_index=True)
    verb = raw[(sa == "50") & tk.isin(_GEMEINDEVERBAND)]
    verb = pd.DataFrame(
        {
            "key": verb[2] + verb[3] + verb[4] + verb[5],
            "official_name": verb[7],
            "land_code": verb[2],
            "unit_type": "Gemeindeverband",
        }
    ).merge(gem.groupby("_verband")["population"].sum().rename("population"), left_on="key", right_index=True)
    units = pd.concat([gem.drop(columns=["_kreis", "_verband"]), kreise, verb], ignore_index=True)
    return units.sort_values("key", kind="stable").reset_index(drop=True)


def _read_sheet(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "Gemeindeverzeichnis nicht gefunden")
    try:
        book = pd.ExcelFile(path)
    except Exception as exc:  # any reader failure means: not a workbook we can read
        raise InputError(path, f"keine lesbare Excel-Datei ({type(exc).__name__})") from None
    sheets = [s for s in book.sheet_names if s.startswith("Onlineprodukt")] or book.sheet_names[-1:]
    raw = pd.read_excel(book, sheet_name=sheets[0], header=None, dtype=str)
    header = raw.head(10).fillna("").astype(str).agg(" ".join, axis=1).str.cat(sep=" ")
    if "Satz" not in header or "Regionalschlüssel" not in header:
        raise InputError(path, "kein Gemeindeverzeichnis (Auszug GV): Kopfzeile mit Satzart und ARS fehlt")
    raw = raw[raw[0].isin(["10", "20", "30", "40", "50", "60"])]
    return raw.fillna("").reset_index(drop=True)


def size_class(population: pd.Series) -> pd.Series:
    """Official size class (ordered categorical) of inhabitant counts."""
    sc = codebook.load().size_class
    bins = [*sc["bins"], np.inf]
    return pd.cut(population.astype("Float64"), bins=bins, labels=sc["labels"], right=False)


def margins(units: pd.DataFrame) -> pd.DataFrame:
    """Counts and population by Land x unit type x size class (the committed aggregate)."""
    out = (
        units.assign(size_class=size_class(units["population"]).astype(str))
        .groupby(["land_code", "unit_type", "size_class"], observed=True)
        .agg(n_units=("key", "size"), population=("population", "sum"))
        .reset_index()
    )
    return out


def write_margins(register_path: Path, out: Path = config.REGISTER_MARGINS) -> Path:
    """Derive the margins table from a register workbook and write it with its source line."""
    table = margins(read_units(register_path))
    files.write_csv(table, out)
    meta = {"source": SOURCE_LINE, "derived_from": Path(register_path).name, "sha256": files.sha256(out)}
    files.write_text(out.with_suffix(".json"), json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    return out


def read_margins(path: Path = config.REGISTER_MARGINS) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"land_code": str})
