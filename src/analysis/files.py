"""Writing outputs: every file appears whole or not at all, and every CSV or workbook a person may
open in a spreadsheet has its formula-like text cells made inert."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd

#: First characters that make Excel, LibreOffice or Google Sheets evaluate a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual mode
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_with(path: Path, writer: Callable[[Path], object]) -> Path:
    """Call `writer(tmp_path)` and move the result onto `path` atomically."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def write_text(path: Path, text: str) -> Path:
    return write_with(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    return write_with(path, lambda tmp: df.to_parquet(tmp, index=False))


def write_csv(df: pd.DataFrame, path: Path, **kwargs) -> Path:
    """A CSV file with its cells made inert (`neutralise`): every CSV is one a person may open
    in a spreadsheet."""
    safe = neutralise(df)
    return write_with(path, lambda tmp: safe.to_csv(tmp, index=False, **kwargs))


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that start like a formula prefixed with an apostrophe (OWASP's advice against
    CSV injection); numbers stay numbers."""

    def fix(value):
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.cat.rename_categories([fix(c) for c in s.cat.categories])
        elif pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
            out[col] = s.map(fix, na_action="ignore")
    return out


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path, when: datetime) -> Path:
    """An xlsx workbook, one sheet per table (cells made inert), header row frozen, columns sized
    to their content; every date inside the file is `when`, so equal tables give equal files."""

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, table in sheets.items():
                table = neutralise(table)
                table.to_excel(xl, sheet_name=name[:31], index=False, freeze_panes=(1, 0))
                sheet = xl.sheets[name[:31]]
                for i, col in enumerate(table.columns):
                    width = max([len(str(col)), *table[col].astype(str).str.len().head(200)])
                    sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = min(60, width + 2)
        _stamp_workbook(tmp, when)

    return write_with(path, write)


def _stamp_workbook(path: Path, when: datetime) -> None:
    """Rewrite an xlsx with every zip entry and the document properties dated `when`."""
    with zipfile.ZipFile(path) as z:
        entries = [(info.filename, z.read(info)) for info in z.infolist()]
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", lambda m: m.group(1) + iso, data)
            z.writestr(zipfile.ZipInfo(name, date_time=when.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)


def data_time(df: pd.DataFrame) -> datetime:
    """The time stamp written into the files: the last submission (or start) in the data."""
    last = pd.concat([df["submitted_at"], df["started_at"]]).max()
    return datetime(1980, 1, 1) if pd.isna(last) else last.to_pydatetime().replace(microsecond=0)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
