"""The questionnaire's own structure: a LimeSurvey survey structure file (.lss, XML, in the layout
of LimeSurvey 3 with texts in the question rows or of LimeSurvey 4-6 with `*_l10ns` tables) or
SoSci Survey's variable list (`variables_*.csv`, with `values_*.csv`), read into questions as the
codebook has them; compared with the codebook (`diff`) or written as a draft codebook (`draft`).
"""

from __future__ import annotations

import copy
import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import codebook
from ..errors import InputError
from . import text

#: LimeSurvey question types (letters) and the codebook type they become; others are skipped.
LSS_TYPES = {
    "L": "single", "!": "single", "O": "single", "Y": "single", "G": "single", "5": "likert",
    "F": "single", "H": "single", "A": "likert", "B": "likert", "C": "single", "E": "single",
    "M": "multi", "P": "multi", "N": "number", "K": "number",
    "S": "free_text", "T": "free_text", "U": "free_text", "Q": "free_text", "D": "free_text",
}  # fmt: skip
LSS_NAMES = {"X": "Textanzeige", "*": "Gleichung", "|": "Datei-Upload", "R": "Rangfolge", "1": "Matrix mit zwei Skalen",
             ":": "Zahlenmatrix", ";": "Textmatrix", "I": "Sprachwechsel"}  # fmt: skip
TYPE_NAMES = {"single": "Einfachauswahl", "likert": "Skala", "multi": "Mehrfachauswahl", "number": "Zahl",
              "free_text": "Freitext", "personal": "personenbezogen"}  # fmt: skip
#: Fixed answer options of LimeSurvey types without an answer table.
FIXED_OPTIONS = {"Y": {"Y": "Ja", "N": "Nein"}, "G": {"M": "männlich", "F": "weiblich"},
                 "5": {str(i): str(i) for i in range(1, 6)}, "A": {str(i): str(i) for i in range(1, 6)},
                 "B": {str(i): str(i) for i in range(1, 11)}, "C": {"Y": "Ja", "N": "Nein", "U": "Unsicher"},
                 "E": {"I": "Zunahme", "S": "gleich", "D": "Abnahme"}}  # fmt: skip
SOSCI_TYPES = {"SELECTION": "single", "DROPDOWN": "single", "SCALE": "likert", "CHECKBOX": "multi", "OPEN": "free_text",
               "TEXT": "free_text", "NUMERIC": "number"}  # fmt: skip


@dataclass
class Question:
    """One question of the questionnaire, as the codebook would hold it."""

    id: str
    type: str
    text: str
    page: int
    items: list[tuple[str, str]] = field(default_factory=list)  # (code, text)
    options: dict[str, str] = field(default_factory=dict)  # code -> text
    note: str = ""


@dataclass
class Structure:
    source: str
    tool: str  # key of `formats` in the codebook
    language: str
    questions: list[Question]
    skipped: list[str] = field(default_factory=list)


def flat(value: str | None) -> str:
    """Question text as LimeSurvey's export flattens it: tags removed, entities decoded,
    whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", value or "")).split())


# --- LimeSurvey .lss ---------------------------------------------------------------------------------
def read_lss(path: Path, language: str | None = None) -> Structure:
    """A LimeSurvey survey structure file; texts in `language` (default: the survey's base
    language). Question types without a codebook equivalent are listed in `skipped`."""
    path = Path(path)
    data = text.read_bytes(path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(path, f"keine LimeSurvey-Struktur (.lss): kein gültiges XML ({exc})") from None
    if root.tag != "document" or (root.findtext("LimeSurveyDocType") or "").strip() != "Survey":
        raise InputError(path, "keine LimeSurvey-Umfragestruktur (.lss): <LimeSurveyDocType>Survey</…> fehlt")
    tables = {t.tag: _rows(t) for t in root if t.find("rows") is not None}
    languages = [e.text for e in root.iter("language") if e.text]
    base = (tables.get("surveys") or [{}])[0].get("language") or (languages[-1] if languages else "de")
    lang = language or base
    new_layout = "question_l10ns" in tables

    def texts_of(table: str, key: str, text_col: str) -> dict[str, str]:
        return {r[key]: r.get(text_col, "") for r in tables.get(table, []) if r.get("language", lang) == lang}

    if new_layout:
        q_text = texts_of("question_l10ns", "qid", "question")
        a_text = texts_of("answer_l10ns", "aid", "answer")
        answers = [{**r, "answer": a_text.get(r.get("aid"), "")} for r in tables.get("answers", [])]
        groups = tables.get("groups", [])
    else:
        q_text = texts_of("questions", "qid", "question") | texts_of("subquestions", "qid", "question")
        answers = [r for r in tables.get("answers", []) if r.get("language", lang) == lang]
        groups = [g for g in tables.get("groups", []) if g.get("language", lang) == lang]
    if not tables.get("questions"):
        raise InputError(path, "LimeSurvey-Struktur ohne Fragen (Abschnitt <questions> fehlt oder ist leer)")
    page_of = {g["gid"]: i for i, g in enumerate(sorted(groups, key=lambda g: int(g.get("group_order", 0))), 1)}
    questions = {}
    for r in tables["questions"]:
        if r.get("parent_qid", "0") != "0" or r["qid"] in questions:
            continue
        questions[r["qid"]] = r
    subs: dict[str, list[dict]] = {}
    for r in tables.get("subquestions", []) + [r for r in tables["questions"] if r.get("parent_qid", "0") != "0"]:
        if r.get("scale_id", "0") == "0" and r["qid"] not in {s["qid"] for s in subs.get(r["parent_qid"], [])}:
            subs.setdefault(r["parent_qid"], []).append(r)
    out, skipped = [], []
    ordered = sorted(questions.values(), key=lambda r: (page_of.get(r.get("gid"), 0), int(r.get("question_order", 0))))
    for r in ordered:
        kind = LSS_TYPES.get(r["type"])
        title = r["title"]
        if kind is None:
            skipped.append(f"{title} ({LSS_NAMES.get(r['type'], 'Typ ' + r['type'])})")
            continue
        items = [(s["title"], flat(q_text.get(s["qid"])))
                 for s in sorted(subs.get(r["qid"], []), key=lambda s: int(s.get("question_order", 0)))]  # fmt: skip
        options = {a["code"]: flat(a.get("answer")) for a in sorted(
            (a for a in answers if a["qid"] == r["qid"] and a.get("scale_id", "0") == "0"),
            key=lambda a: int(a.get("sortorder", 0)))}  # fmt: skip
        options = options or FIXED_OPTIONS.get(r["type"], {})
        if kind == "single" and options and all(c.isdigit() for c in options) and len(options) in (5, 7, 10, 11):
            kind = "likert"  # a rating scale
        note = "mit Freitext „Sonstiges“" if r.get("other") == "Y" else ""
        out.append(
            Question(title, kind, flat(q_text.get(r["qid"])), page_of.get(r.get("gid"), 0), items, options, note)
        )
    return Structure(path.name, "limesurvey", lang, out, skipped)


def _rows(table: ET.Element) -> list[dict]:
    return [{c.tag: (c.text or "") for c in row} for row in table.find("rows")]


# --- SoSci Survey variable list ------------------------------------------------------------------------
def read_sosci_variables(path: Path, values: Path | None = None) -> Structure:
    """SoSci Survey's `variables_*.csv` (VAR, QUESTION, LABEL, INPUT) and, if given, its
    `values_*.csv` (VAR, RESPONSE, MEANING); system variables are left out."""
    from ..audit import Audit  # only for the decoder's notes, which are not kept

    path = Path(path)
    table = text.read_csv(text.read_bytes(path), path, Audit())
    table.columns = [c.strip().upper() for c in table.columns]
    if not {"VAR", "INPUT"} <= set(table.columns):
        raise InputError(path, "keine SoSci-Variablenliste: Spalten VAR und INPUT fehlen", row=1)
    meanings: dict[str, dict[str, str]] = {}
    if values is not None:
        v = text.read_csv(text.read_bytes(Path(values)), Path(values), Audit())
        v.columns = [c.strip().upper() for c in v.columns]
        for r in v.itertuples():
            if not str(r.RESPONSE).lstrip().startswith("-"):
                meanings.setdefault(r.VAR.strip(), {})[str(r.RESPONSE).strip()] = str(r.MEANING).strip()
    out: dict[str, Question] = {}
    for r in table.itertuples():
        var, kind = r.VAR.strip(), SOSCI_TYPES.get(str(r.INPUT).strip().upper())
        m = re.fullmatch(r"([A-Za-z0-9]{2}\d{2})(?:_(\d{2}))?", var)
        if kind is None or m is None:
            continue
        qid, item = m.groups()
        label = str(getattr(r, "LABEL", "") or "")
        question_text = str(getattr(r, "QUESTION", "") or label.split(": ", 1)[0]).strip()
        q = out.setdefault(qid, Question(qid, kind, question_text, 0))
        if item is not None and (kind in ("multi", "likert") or q.items or item != "01"):
            q.items.append((item, label.split(": ", 1)[-1].strip()))
        if kind == "single" or (kind == "likert" and not q.options):
            q.options = meanings.get(var, q.options)
    return Structure(path.name, "sosci", "de", list(out.values()))


# --- comparison and draft -----------------------------------------------------------------------------
def _codebook_questions(cb: codebook.Codebook, tool: str) -> dict[str, dict]:
    """The codebook's questions keyed by their code in `tool`."""
    out = {}
    for q in cb.raw["questions"]:
        variables = cb.question(q["id"])
        code = variables[0].column(tool)
        if q.get("items"):
            code = re.sub(r"(\[[^\]]*\]|_\d{2})$", "", code)
        elif tool == "sosci" and q["type"] != "single" and not (q["type"] == "personal" and q.get("scale")):
            code = code.rsplit("_", 1)[0]
        items = [
            (it["sq"] if tool == "limesurvey" else f"{n:02d}", it["label_de"])
            for n, it in enumerate(q.get("items", []), 1)
        ]
        options = dict(cb.scales[q["scale"]].codes) if q.get("scale") and q["type"] != "multi" else {}
        out[code] = {"q": q, "items": items, "options": options}
    return out


def _same(a: str, b: str) -> bool:
    return flat(a).casefold() == flat(b).casefold()


def diff(structure: Structure, cb: codebook.Codebook | None = None) -> list[str]:
    """The differences between the questionnaire and the codebook, one German line each."""
    cb = cb or codebook.load()
    have = _codebook_questions(cb, structure.tool)
    seen = {q.id for q in structure.questions}
    lines, changed, same = [], 0, 0
    for q in structure.questions:
        mine = have.get(q.id)
        if mine is None:
            lines.append(f"+ neu im Fragebogen: {q.id} „{q.text}“ ({TYPE_NAMES[q.type]}"
                         + (f", {len(q.items)} Teilfragen" if q.items else "")
                         + (f", {len(q.options)} Antwortoptionen" if q.options else "") + ")")  # fmt: skip
            continue
        cq, found = mine["q"], []
        kind = "single" if cq["type"] == "personal" and cq.get("scale") else cq["type"]
        kind = "free_text" if kind == "personal" else kind
        if q.type != kind and not (q.type == "free_text" and kind == "number"):
            found.append(f"Typ {TYPE_NAMES.get(kind, kind)} → {TYPE_NAMES[q.type]}")
        if cq.get("text_de") and q.text and not _same(cq["text_de"], q.text):
            found.append(f"Fragetext „{cq['text_de']}“ → „{q.text}“")
        found += _compare("Teilfrage", dict(mine["items"]), dict(q.items))
        if q.options and mine["options"]:
            found += _compare("Antwortoption", mine["options"], q.options)
        if found:
            changed += 1
            lines += [f"~ {q.id}: {f}" for f in found]
        else:
            same += 1
    missing = [code for code in have if code not in seen]
    for code in missing:
        lines.append(f"- fehlt im Fragebogen: {code} „{have[code]['q']['label_de']}“")
    lines += [f"  nicht übernommen (kein Typ im Codebuch): {s}" for s in structure.skipped]
    added = sum(1 for q in structure.questions if q.id not in have)
    summary = (f"{structure.source} ({cb.formats[structure.tool]['label']}, Sprache {structure.language}) gegen das "
               f"Codebuch: {added} neu, {len(missing)} fehlen, {changed} geändert, {same} gleich")  # fmt: skip
    return [summary, *lines]


def _compare(what: str, old: dict[str, str], new: dict[str, str]) -> list[str]:
    out = [f"{what} {c} neu: „{t}“" for c, t in new.items() if c not in old]
    out += [f"{what} {c} fehlt: „{t}“" for c, t in old.items() if c not in new]
    out += [f"{what} {c}: „{old[c]}“ → „{t}“" for c, t in new.items() if c in old and not _same(old[c], t)]
    return out


def draft(structure: Structure, cb: codebook.Codebook | None = None) -> str:
    """A draft codebook (YAML) for the questionnaire: its questions, with the codebook's names,
    labels and scales where a question is already there; scales for new answer options; every
    other section copied from the current codebook. To be checked and completed by hand."""
    cb = cb or codebook.load()
    raw = copy.deepcopy(cb.raw)
    have = _codebook_questions(cb, structure.tool)
    scales = raw["scales"]
    questions = []
    for q in structure.questions:
        old = have.get(q.id, {}).get("q")
        entry = dict(old) if old else {
            "id": q.id, "name": re.sub(r"\W+", "_", q.id.lower()), "type": q.type, "page": q.page,
            "label_de": q.text[:60], "label_en": "TODO", "text_de": q.text,
        }  # fmt: skip
        entry["text_de"] = q.text or entry.get("text_de")
        if structure.tool != "limesurvey" and old:
            entry["ids"] = {**old.get("ids", {}), structure.tool: q.id}
        if q.options and q.type in ("single", "likert"):
            key = next((k for k, s in cb.scales.items() if s.codes == q.options), None)
            if key is None:
                key = f"{entry['name']}_scale"
                scales[key] = {"ordered": q.type == "likert", "codes": dict(q.options)}
            entry["scale"] = key
        if q.type == "multi":
            entry["scale"] = "checked"
        if q.items:
            old_items = {it["sq"]: it for it in (old or {}).get("items", [])}
            entry["items"] = [
                {**old_items.get(code, {"key": re.sub(r"\W+", "_", code.lower()), "label_en": "TODO"}),
                 "sq": code, "label_de": label}
                for code, label in q.items
            ]  # fmt: skip
        questions.append(entry)
    raw["questions"] = questions
    head = (f"# Entwurf des Codebuchs aus {structure.source} ({cb.formats[structure.tool]['label']}); von Hand prüfen:\n"
            "# Namen (name), Beschriftungen (label_de/label_en), Seiten, Pflichtspalten und Skalen.\n")  # fmt: skip
    return head + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=120)
