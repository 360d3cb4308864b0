"""Writes the sample files in this folder from the toy survey described in ../SPEC.md.

This is NOT the project's simulator. It is a literal transcription of the rules cited in
SPEC.md (LimeSurvey Writer.php / SurveyObj.php / CsvWriter.php, SoSci SPSS syntax, MS Forms
readers), applied to three hand-chosen responses. Every rule used here carries the SPEC.md
section number it implements, so a reviewer can check each output cell against the spec.

Run:  python3 make_samples.py      (needs `pip install openpyxl` for the MS Forms .xlsx;
      the .lss and SoSci .sps samples were written separately, see SPEC.md)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------
# Toy survey (SPEC.md section 0). Survey 123456, base language de, additional language en.
# --------------------------------------------------------------------------------------
TEXT = {
    "en": {
        "Q01": "Which type of local authority do you represent?",
        "Q04": "What share of applications is submitted online (in %)?",
        "Q02": "Which digital services already exist?",
        "Q03": "<p><strong>How much</strong> do you agree?</p>",
        "Q05": "Which good examples would you like to share?",
        "Q02.SQ001": "Online appointment booking",
        "Q02.SQ002": "Electronic files",
        "Q02.SQ003": "Citizen portal",
        "Q03.SQ001": "The administration is easy to reach.",
        "Q03.SQ002": "Digital services are used.",
        "L": {"A1": "Municipality", "A2": "City", "A3": "District"},
        "F": {"1": "Strongly disagree", "2": "Disagree", "3": "Neither", "4": "Agree", "5": "Strongly agree"},
    },
}

# Response table rows exactly as LimeSurvey stores them (None = SQL NULL).  SPEC 1.9
RESPONSES = [
    {
        "id": 1,
        "submitdate": "2026-02-10 09:15:42",
        "lastpage": 2,
        "startlanguage": "de",
        "seed": "1416583710",
        "startdate": "2026-02-10 09:02:11",
        "datestamp": "2026-02-10 09:15:42",
        "Q01": "A2",
        "Q04": "37.5000000000",
        "Q02[SQ001]": "Y",
        "Q02[SQ002]": "",
        "Q02[SQ003]": "Y",
        "Q03[SQ001]": "4",
        "Q03[SQ002]": "2",
        "Q05": 'Online-Terminvergabe im Bürgerbüro; sehr "beliebt"\nE-Akte seit 2024',
    },
    {
        "id": 2,
        "submitdate": "2026-02-11 14:40:03",
        "lastpage": 2,
        "startlanguage": "de",
        "seed": "902174455",
        "startdate": "2026-02-11 14:31:50",
        "datestamp": "2026-02-11 14:40:03",
        "Q01": "A1",
        "Q04": "5.0000000000",
        "Q02[SQ001]": "",
        "Q02[SQ002]": "",
        "Q02[SQ003]": "",
        "Q03[SQ001]": "5",
        "Q03[SQ002]": "",
        "Q05": "",
    },
    {
        "id": 3,
        "submitdate": None,
        "lastpage": 1,
        "startlanguage": "en",
        "seed": "38820911",
        "startdate": "2026-02-12 08:05:27",
        "datestamp": "2026-02-12 08:07:02",
        "Q01": "A3",
        "Q04": "12.0000000000",
        "Q02[SQ001]": None,
        "Q02[SQ002]": None,
        "Q02[SQ003]": None,
        "Q03[SQ001]": None,
        "Q03[SQ002]": None,
        "Q05": None,
    },
]
TIMINGS = [  # survey_123456_timings, joined on id (SPEC 1.7)
    {
        "interviewtime": "811.42",
        "groupTime10": "301.07",
        "Q01Time": None,
        "Q04Time": None,
        "groupTime11": "510.35",
        "Q02Time": None,
        "Q03Time": None,
        "Q05Time": None,
    },
    {
        "interviewtime": "493.8",
        "groupTime10": "120.2",
        "Q01Time": None,
        "Q04Time": None,
        "groupTime11": "373.6",
        "Q02Time": None,
        "Q03Time": None,
        "Q05Time": None,
    },
    {
        "interviewtime": "95.4",
        "groupTime10": "95.4",
        "Q01Time": None,
        "Q04Time": None,
        "groupTime11": None,
        "Q02Time": None,
        "Q03Time": None,
        "Q05Time": None,
    },
]

# Columns in fieldmap order (SPEC 1.3): meta, then group_order/question_order.
# (key, type, code-parts (title, aid), question-key, subquestion-key)
COLUMNS = [
    ("id", "id", ("", ""), None, None),
    ("submitdate", "submitdate", ("", ""), None, None),
    ("lastpage", "lastpage", ("", ""), None, None),
    ("startlanguage", "startlanguage", ("", ""), None, None),
    ("seed", "seed", ("", ""), None, None),
    ("startdate", "startdate", ("", ""), None, None),
    ("datestamp", "datestamp", ("", ""), None, None),
    ("Q01", "L", ("Q01", ""), "Q01", None),
    ("Q04", "N", ("Q04", ""), "Q04", None),
    ("Q02[SQ001]", "M", ("Q02", "SQ001"), "Q02", "Q02.SQ001"),
    ("Q02[SQ002]", "M", ("Q02", "SQ002"), "Q02", "Q02.SQ002"),
    ("Q02[SQ003]", "M", ("Q02", "SQ003"), "Q02", "Q02.SQ003"),
    ("Q03[SQ001]", "F", ("Q03", "SQ001"), "Q03", "Q03.SQ001"),
    ("Q03[SQ002]", "F", ("Q03", "SQ002"), "Q03", "Q03.SQ002"),
    ("Q05", "T", ("Q05", ""), "Q05", None),
]
# English msgids used by createFieldMap for meta columns (SPEC 1.6)
META_TEXT = {
    "id": "Response ID",
    "submitdate": "Date submitted",
    "lastpage": "Last page",
    "startlanguage": "Start language",
    "seed": "Seed",
    "startdate": "Date started",
    "datestamp": "Date last action",
}
TIMING_COLUMNS = [  # (code/title, full text)  SPEC 1.7
    ("interviewtime", "Total time"),
    ("groupTime10", "Group time: About your local authority"),
    ("Q01Time", "Question time: Q01"),
    ("Q04Time", "Question time: Q04"),
    ("groupTime11", "Group time: Digital services"),
    ("Q02Time", "Question time: Q02"),
    ("Q03Time", "Question time: Q03"),
    ("Q05Time", "Question time: Q05"),
]


def flatten(html: str) -> str:
    """flattenText($s, false, true): strip tags, newlines -> space, decode entities, trim. SPEC 1.4"""
    import html as h
    import re

    s = html.replace("</td", " </td").replace("</th", " </th")
    s = re.sub(r"<[^>]*>", "", s)
    s = re.sub(r"\r\n|\r|\n", " ", s)
    s = h.unescape(s.replace("&nbsp;", " "))
    return s.strip()


def ellipsize(s: str, n: int | None, ellipsis: str = ".. ") -> str:
    """Assumed CodeIgniter-style ellipsize(str, n, 1, '.. ') -- see SPEC 1.4 (UNVERIFIED helper)."""
    if not n:
        return s
    s = s.strip()
    return s if len(s) <= n else s[:n] + ellipsis


def heading(col, style: str, lang: str, n_abbrev: int | None = None, em: bool = False, sep: str = ". ") -> str:
    key, typ, (title, aid), qkey, sqkey = col
    # code part: viewHelper::getFieldCode  (SPEC 1.4)
    if title:
        code = title + ((("_" + aid) if em else f"[{aid}]") if aid else "")
    else:
        code = key
    if style == "code":
        return code
    n = n_abbrev if style == "abbreviated" else (None if style == "full" else n_abbrev)
    if qkey is None:
        text = ellipsize(META_TEXT[key], n)  # meta text is ellipsized too (getFullQuestionHeading)
    else:
        text = ellipsize(flatten(TEXT[lang][qkey]), n)
        if sqkey:
            text += " [" + ellipsize(flatten(TEXT[lang][sqkey]), n) + "]"
    if style in ("abbreviated", "full"):
        return text
    return code + sep + text  # codetext


def short_answer(typ: str, v):
    """SurveyObj::getShortAnswer  (SPEC 1.5)"""
    if typ in ("N", "K") and v is not None and v.strip() != "" and "." in v:
        v = v.rstrip("0").rstrip(".")
    return v


def long_answer(typ: str, v, lang: str):
    """SurveyObj::getFullAnswer  (SPEC 1.5)"""
    if typ in ("N", "K"):
        if v is None or v.strip() == "":
            return v
        if v[0] == ".":
            v = "0" + v
        if "." in v:
            v = v.rstrip("0").rstrip(".")
        return v
    if typ == "L":
        if v == "-oth-":
            return "Other"
        return TEXT[lang]["L"].get(v)  # unknown/empty/NULL code -> null
    if typ == "F":
        return TEXT[lang]["F"].get(v, "") if v is not None else ""
    if typ == "M":
        if v == "Y":
            return "Yes"
        if v == "N" or v == "":
            return "No"
        return "N/A"
    # default branch: $fullAnswer .= $answerCode  (NULL becomes "")
    return "" if v is None else str(v)


def transform(v, typ: str, convert_y=None, convert_n=None, mask=True):
    """Writer::transformResponseValue  (SPEC 1.5.3)"""
    if (convert_y is not None or convert_n is not None) and typ in ("M", "P", "Y"):
        if (v == "N" or (v == "" and v is not None)) and convert_n is not None:
            v = convert_n
        elif v == "Y" and convert_y is not None:
            v = convert_y
    if mask and isinstance(v, str) and v[:1] == "=":
        v = "'" + v
    return v


def csv_escape(v) -> str:
    """CsvWriter::csvEscape (5.x/6.x): NULL -> nothing, else always double-quoted. SPEC 1.2"""
    if v is None:
        return ""
    import re

    s = re.sub(r"\r\n|\r|\n", "\n", str(v))
    return '"' + s.replace('"', '""') + '"'


def limesurvey_csv(
    name: str,
    style: str,
    answers: str,
    lang="en",
    sep=",",
    n_abbrev=None,
    em=False,
    conv_y=None,
    conv_n=None,
    timings=False,
    textsep=". ",
):
    head = [heading(c, style, lang, n_abbrev, em, textsep) for c in COLUMNS]
    if timings:
        for code, text in TIMING_COLUMNS:
            head.append(
                {
                    "code": code,
                    "full": text,
                    "abbreviated": ellipsize(text, n_abbrev or 15),
                    "codetext": code + textsep + text,
                }[style]
            )
    lines = [sep.join(csv_escape(h) for h in head)]
    for i, r in enumerate(RESPONSES):
        cells = []
        for key, typ, *_ in COLUMNS:
            v = r[key]
            if typ in ("id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"):
                # meta columns are in the fieldmap too: long format runs them through the
                # default branch of getFullAnswer (NULL -> ""), short format returns them raw.
                v = (None if v is None else str(v)) if answers == "short" else ("" if v is None else str(v))
                cells.append(v)
                continue
            v = short_answer(typ, v) if answers == "short" else long_answer(typ, v, lang)
            cells.append(transform(v, typ, conv_y, conv_n))
        if timings:
            cells += [TIMINGS[i][code] for code, _ in TIMING_COLUMNS]  # raw, never transformed
        lines.append(sep.join(csv_escape(c) for c in cells))
    data = "\ufeff" + "\r\n".join(lines) + "\r\n"  # BOM, CRLF after every record (SPEC 1.2)
    (HERE / "limesurvey").mkdir(exist_ok=True)
    (HERE / "limesurvey" / name).write_bytes(data.encode("utf-8"))


def make_limesurvey():
    for style in ("code", "abbreviated", "full", "codetext"):
        for answers, tag in (("short", "codes"), ("long", "fulltext")):
            limesurvey_csv(
                f"headings-{style}_answers-{tag}.csv", style, answers, n_abbrev=15 if style == "abbreviated" else None
            )
    limesurvey_csv("headings-code_answers-codes_convertY1_convertN2.csv", "code", "short", conv_y="1", conv_n="2")
    limesurvey_csv("headings-code-emcode_answers-codes_semicolon.csv", "code", "short", sep=";", em=True)
    limesurvey_csv("headings-code_answers-codes_timings.csv", "code", "short", timings=True)


# --------------------------------------------------------------------------------------
# SoSci Survey (SPEC section 2)
# --------------------------------------------------------------------------------------
SOSCI_VARS = [
    # (var, label (variables overview / 2nd header row), INPUT)
    ("CASE", "Interview-Nummer (fortlaufend)", ""),
    ("SERIAL", "Seriennummer (sofern verwendet)", ""),
    ("REF", "Referenz (sofern im Link angegeben)", ""),
    ("QUESTNNR", "Fragebogen, der im Interview verwendet wurde", ""),
    ("MODE", "Interview-Modus", ""),
    ("STARTED", "Zeitpunkt zu dem das Interview begonnen hat (Europe/Berlin)", ""),
    ("KO01", "Art der Kommune", "SELECTION"),
    ("KO02_01", "Online-Anteil: Anteil online gestellter Anträge (in %)", "OPEN"),
    ("DA01", "Angebote: Ausweichoption (negativ) oder Anzahl ausgewählter Optionen", "CHECKBOX"),
    ("DA01_01", "Angebote: Online-Terminvergabe", "CHECKBOX"),
    ("DA01_02", "Angebote: E-Akte", "CHECKBOX"),
    ("DA01_03", "Angebote: Bürgerportal", "CHECKBOX"),
    ("DA02_01", "Zustimmung: Die Verwaltung ist gut erreichbar.", "SCALE"),
    ("DA02_02", "Zustimmung: Digitale Angebote werden genutzt.", "SCALE"),
    ("DA03_01", "Gute Beispiele: [01]", "OPEN"),
    ("TIME001", "Verweildauer Seite 1", ""),
    ("TIME002", "Verweildauer Seite 2", ""),
    ("TIME_SUM", "Verweildauer gesamt (ohne Ausreißer)", ""),
    ("MAILSENT", "Versandzeitpunkt der Einladungsmail (nur für nicht-anonyme Adressaten)", ""),
    ("LASTDATA", "Zeitpunkt als der Datensatz das letzte mal geändert wurde", ""),
    ("FINISHED", "Wurde die Befragung abgeschlossen (letzte Seite erreicht)?", ""),
    ("Q_VIEWER", "Hat der Teilnehmer den Fragebogen nur angesehen, ohne die Pflichtfragen zu beantworten?", ""),
    ("LASTPAGE", "Seite, die der Teilnehmer zuletzt bearbeitet hat", ""),
    ("MAXPAGE", "Letzte Seite, die im Fragebogen bearbeitet wurde", ""),
    ("MISSING", "Anteil fehlender Antworten in Prozent", ""),
    ("MISSREL", "Anteil fehlender Antworten (gewichtet nach Relevanz)", ""),
    ("TIME_RSI", "Maluspunkte für schnelles Ausfüllen", ""),
    ("DEG_TIME", "Maluspunkte für schnelles Ausfüllen", ""),
]
# Values (strings as written in the file; "" = empty field). SPEC 2.3/2.4
SOSCI_ROWS = [
    [
        "41",
        "",
        "",
        "base",
        "interview",
        "2026-02-10 09:02:11",
        "2",
        "37.5",
        "2",
        "2",
        "1",
        "2",
        "4",
        "2",
        "Online-Terminvergabe im Bürgerbüro; sehr beliebt",
        "301",
        "510",
        "811",
        "",
        "2026-02-10 09:15:42",
        "1",
        "0",
        "2",
        "2",
        "0",
        "0",
        "1.12",
        "3",
    ],
    [
        "42",
        "",
        "",
        "base",
        "interview",
        "2026-02-11 14:31:50",
        "1",
        "5",
        "0",
        "1",
        "1",
        "1",
        "5",
        "-9",
        "",
        "120",
        "374",
        "494",
        "",
        "2026-02-11 14:40:03",
        "1",
        "0",
        "2",
        "2",
        "29",
        "25",
        "0.97",
        "0",
    ],
    [
        "43",
        "",
        "",
        "base",
        "interview",
        "2026-02-12 08:05:27",
        "3",
        "12",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "95",
        "",
        "95",
        "",
        "2026-02-12 08:07:02",
        "0",
        "0",
        "1",
        "1",
        "0",
        "0",
        "",
        "",
    ],
]


def sosci_field(v: str) -> str:
    # Quote character '"' (SoSci R import script: quote = "\""). Only fields containing TAB,
    # quote or line break need quoting; SPEC 2.2 (quoting rule itself UNVERIFIED).
    if any(ch in v for ch in '\t"\n\r'):
        return '"' + v.replace('"', '""') + '"'
    return v


def make_sosci():
    assert all(len(r) == len(SOSCI_VARS) for r in SOSCI_ROWS)
    out = HERE / "soscisurvey"
    out.mkdir(exist_ok=True)
    names = [v for v, _, _ in SOSCI_VARS]
    labels = [lab for _, lab, _ in SOSCI_VARS]
    body = ["\t".join(names)] + ["\t".join(sosci_field(x) for x in r) for r in SOSCI_ROWS]
    text = "\r\n".join(body) + "\r\n"
    (out / "data_kommunen_2026-02-12_10-00.csv").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    text2 = "\r\n".join([body[0], "\t".join(sosci_field(x) for x in labels)] + body[1:]) + "\r\n"
    (out / "data_kommunen_with-variable-annotation.csv").write_bytes(b"\xff\xfe" + text2.encode("utf-16-le"))
    (out / "data_kommunen_utf8-copy-for-reading.tsv").write_text(text, encoding="utf-8")

    var_lines = ["VAR\tQUESTION\tLABEL\tINPUT"]
    qtext = {
        "KO01": "Art der Kommune",
        "KO02_01": "Online-Anteil",
        "DA01": "Angebote",
        "DA01_01": "Angebote",
        "DA01_02": "Angebote",
        "DA01_03": "Angebote",
        "DA02_01": "Zustimmung",
        "DA02_02": "Zustimmung",
        "DA03_01": "Gute Beispiele",
    }
    for v, lab, inp in SOSCI_VARS:
        if v in qtext:
            var_lines.append("\t".join([v, qtext[v], lab, inp]))
    (out / "variables_kommunen.csv").write_bytes(b"\xff\xfe" + ("\r\n".join(var_lines) + "\r\n").encode("utf-16-le"))

    val_lines = ["VAR\tRESPONSE\tMEANING"]
    for code, lab in (("1", "Gemeinde"), ("2", "Stadt"), ("3", "Landkreis"), ("-9", "nicht beantwortet")):
        val_lines.append(f"KO01\t{code}\t{lab}")
    val_lines.append("DA01\t0\tnicht beantwortet")
    for v in ("DA01_01", "DA01_02", "DA01_03"):
        val_lines += [f"{v}\t1\tnicht gewählt", f"{v}\t2\tausgewählt"]
    for v in ("DA02_01", "DA02_02"):
        val_lines += [f"{v}\t1\tStimme gar nicht zu", f"{v}\t5\tStimme voll zu", f"{v}\t-9\tnicht beantwortet"]
    (out / "values_kommunen.csv").write_bytes(b"\xff\xfe" + ("\r\n".join(val_lines) + "\r\n").encode("utf-16-le"))


# --------------------------------------------------------------------------------------
# Microsoft Forms (SPEC section 3)
# --------------------------------------------------------------------------------------
def make_msforms():
    import openpyxl

    out = HERE / "msforms"
    out.mkdir(exist_ok=True)
    for lang, meta in (
        ("en", ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]),
        ("de", ["ID", "Startzeit", "Fertigstellungszeit", "E-Mail", "Name"]),
    ):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Form1"
        q = [
            "Welche Art von Kommune vertreten Sie?",
            "Wie hoch ist der Anteil online gestellter Anträge (in %)?",
            "Welche digitalen Angebote gibt es bereits?",
            "Die Verwaltung ist gut erreichbar.",
            "Digitale Angebote werden genutzt.",
            "Welche guten Beispiele möchten Sie teilen?",
        ]
        ws.append(meta + q)
        rows = [
            (
                1,
                dt.datetime(2026, 2, 10, 9, 2, 11),
                dt.datetime(2026, 2, 10, 9, 15, 42),
                [
                    "Stadt",
                    "37.5",
                    "Online-Terminvergabe;Bürgerportal;",
                    "Stimme eher zu",
                    "Stimme eher nicht zu",
                    'Online-Terminvergabe im Bürgerbüro; sehr "beliebt"\nE-Akte seit 2024',
                ],
            ),
            (
                2,
                dt.datetime(2026, 2, 11, 14, 31, 50),
                dt.datetime(2026, 2, 11, 14, 40, 3),
                ["Gemeinde", "5", None, "Stimme voll zu", None, None],
            ),
            (
                3,
                dt.datetime(2026, 2, 12, 8, 5, 27),
                dt.datetime(2026, 2, 12, 8, 7, 2),
                ["Landkreis", "12", "E-Akte;", None, None, None],
            ),
        ]
        for rid, start, end, answers in rows:
            metavals = [rid, start, end, "anonymous", None] + ([None] if lang == "en" else [])
            ws.append(metavals + answers)
        wb.save(out / f"msforms_{lang}.xlsx")


if __name__ == "__main__":
    make_limesurvey()
    make_sosci()
    make_msforms()
