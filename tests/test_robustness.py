"""What careless input and attackers did to the pipeline before (issue 19), each checked:
formulas in files people open in Excel, long answers, and a few hundred seeded mutations of an
export, each ending in output (exit 0) or one line (exit 2) with nothing written."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from analysis import clean, codebook, config, readers, settings
from analysis.__main__ import main
from analysis.audit import Audit
from analysis.errors import InputError
from tests.bad_exports import make_corpus
from tests.budget import examples

FILES = make_corpus.FILES


def test_formulas_typed_into_fields_are_inert_in_audit_and_contacts(tmp_path):
    clean.save(clean.clean(FILES / "formula_in_fields.csv"), tmp_path / "processed")
    audit = (tmp_path / "processed" / config.AUDIT_CSV).read_text(encoding="utf-8-sig")
    contacts = (clean.personal_folder(tmp_path / "processed") / config.CONTACTS_FILE).read_text(encoding="utf-8-sig")
    assert "'=1+2" in audit and ";=1+2" not in audit and '"=1+2' not in audit
    assert "'=HYPERLINK(" in contacts and ";=HYPERLINK(" not in contacts and '"=HYPERLINK(' not in contacts
    parquet = pd.read_parquet(tmp_path / "processed" / config.AUDIT_FILE)
    assert "=1+2" in set(parquet["old_value"])  # the data keep the value as typed


def test_long_values_are_cut_before_they_are_logged(tmp_path):
    table = pd.read_csv(FILES / "formula_in_fields.csv", sep=";", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")  # fmt: skip
    table["B01"] = "Stellen " * 20_000  # 160,000 characters in a number field
    table["G02"] = "Portal " * 20_000
    path = tmp_path / "long.csv"
    table.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    result = clean.clean(path)
    longest = result.audit["old_value"].str.len().max()
    assert longest <= settings.MAX_LOGGED_CHARS + 30
    staff = result.audit[(result.audit["column"] == "it_staff_fte") & (result.audit["rule"] == "unparseable")]
    assert staff["old_value"].str.contains(r"… \(1[56]\d{4} Zeichen\)$").all() and len(staff)


def _mutations(base: bytes, seed: int) -> bytes:
    """One seeded mutation of an export, of the kinds real files break in."""
    rng = random.Random(seed)
    text = base.decode("utf-8-sig")
    lines = text.split("\r\n")
    kind = seed % 9
    if kind == 0:  # bytes
        data = bytearray(base)
        for _ in range(rng.randint(1, 12)):
            at = rng.randrange(len(data))
            data[at : at + rng.randint(0, 30)] = bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
        return bytes(data)
    if kind == 1:  # lines dropped, doubled or swapped
        for _ in range(rng.randint(1, 4)):
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            how = rng.randrange(3)
            if how == 0:
                lines.pop(i)
            elif how == 1:
                lines.insert(i, lines[j])
            else:
                lines[i] = lines[j]
        return "\r\n".join(lines).encode()
    if kind == 2:  # quotes inserted or removed
        chars = list(text)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(chars))
            if chars[at] == '"':
                chars.pop(at)
            else:
                chars.insert(at, '"')
        return "".join(chars).encode()
    if kind == 3:  # another delimiter in some lines or everywhere
        new = rng.choice([",", "\t", "|", ";;"])
        return "\r\n".join(line.replace('";"', f'"{new}"') if rng.random() < 0.5 or seed % 2 else line
                           for line in lines).encode()  # fmt: skip
    if kind == 4:  # Unicode: combining marks, right-to-left, emoji, zero width, surrogates escaped
        junk = rng.choice(["\u0301", "\u202e", "\U0001f4a9", "\u200b", "\ufeff", "ß\u0308", "\x85", "\u2028"])
        return text.replace('";"', f'{junk}";"', rng.randint(1, 40)).encode("utf-8", "surrogatepass")
    if kind == 5:  # a huge field
        i = rng.randrange(1, len(lines) - 1)
        fields = lines[i].split('";"')
        fields[rng.randrange(len(fields))] = "x" * rng.choice([10_000, 200_000])
        lines[i] = '";"'.join(fields)
        return "\r\n".join(lines).encode()
    if kind == 6:  # columns in another order (whole columns)
        table = pd.read_csv(pd.io.common.StringIO(text), sep=";", dtype=str, keep_default_na=False)
        columns = list(table.columns)
        rng.shuffle(columns)
        return table[columns].to_csv(sep=";", index=False).encode()
    if kind == 7:  # cut anywhere
        return base[: rng.randrange(len(base))]
    fields = lines[0].split('";"')  # a header renamed
    fields[rng.randrange(len(fields))] = rng.choice(["", "X", "id", "A01", "B01[SQ001]", "=1+1", "A04 "])
    lines[0] = '";"'.join(fields)
    return "\r\n".join(lines).encode()


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(0, 270, 3))
def test_mutated_exports_end_in_output_or_one_line(seed, tmp_path, capsys):
    """Each of 3 seeds per case runs `clean` on a mutated export (90 cases, 270 mutations)."""
    base = (FILES / "formula_in_fields.csv").read_bytes()
    for s in range(seed, seed + 3):
        raw, out = tmp_path / f"m{s}.csv", tmp_path / f"out{s}" / "processed"
        raw.write_bytes(_mutations(base, s))
        code = main(["clean", "--raw", str(raw), "--out", str(out)])
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if code == 0:
            assert (out / config.RESPONSES_FILE).is_file() and (out / config.AUDIT_CSV).is_file()
        else:
            assert code == 2 and err.count("\n") == 1 and err.startswith(f"Fehler: {raw}"), err
            assert not out.parent.exists()


# --- every cell is read by a known rule or logged --------------------------------------------------------
TRICKY = ["Y", "y", "Yes", "ja", "Ja ", "No", "nein", "N/A", "n/a", "k. A.", "1", "2", "01", "1.0", "3,0", "-9", "-8",
          "0", "9", "99", "beschlossen", "Beschlossen", "in Betrieb", "sehr hoch", "keine Angabe", "weiß nicht", "=1+2",
          "1e3", "٣", "Ⅲ", "３", " ", "\t", "ca. 3,5", "2-3", "0,5 Mio. €", "-", "null", "None", "NaN", "true"]  # fmt: skip
VALUES = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
#: LimeSurvey's full answer for a multiple-choice option that was not shown (`readers.limesurvey`).
NOT_SHOWN_TEXTS = {"n/a", "k. a.", "k.a.", "keine antwort"}
CELLS = {"B03": "strategy_status", "C01": "digital_importance", "G03[SQ001]": "helps_funding", "B01": "it_staff_fte"}


@pytest.fixture(scope="module")
def tiny_export() -> tuple[pd.DataFrame, str]:
    """The corpus's base export and the id of a complete response that cleaning keeps."""
    table = pd.read_csv(FILES / "formula_in_fields.csv", sep=";", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")  # fmt: skip
    kept = clean.clean(FILES / "formula_in_fields.csv").responses.query("is_complete")["response_id"]
    return table, str(kept.iloc[0])


def read_cell(tmp_path, table: pd.DataFrame, rid: str, column: str, value: str):
    """The value-level cleaning of one changed cell: (value after cleaning, audit rows of that
    response and variable)."""
    changed = table.copy()
    changed.loc[changed["id"] == rid, column] = value
    path = tmp_path / "cell.csv"
    changed.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    audit = Audit()
    df = readers.read_export(path, audit)
    for step in (clean.recode_coded, clean.parse_numbers, clean.decode):
        df = step(df, audit)
    log = audit.frame()
    name = CELLS[column]
    return df.set_index("response_id").at[rid, name], log[(log["response_id"] == rid) & (log["column"] == name)]


def forms_of(code: str, label: str) -> set[str]:
    """The documented ways to write a coded answer: its code, the code as another number
    ("03", "3.0"), its label; case and surrounding blanks aside."""
    out = {code.casefold(), label.casefold()}
    if code.isdigit():
        out |= {str(int(code)), f"{int(code)}.0", f"0{int(code)}"}
    return out


@hypothesis_settings(
    max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=VALUES, column=st.sampled_from(list(CELLS)))
def test_no_value_becomes_a_valid_answer_unless_a_rule_says_so(value, column, tiny_export, tmp_path):
    table, rid = tiny_export
    try:
        got, logged = read_cell(tmp_path, table, rid, column, value)
    except InputError as exc:  # refused in one line (a NUL character, a line break that breaks the record)
        assert "\n" not in str(exc)
        return
    text = value.strip().casefold()
    cb = codebook.load()
    v = cb.by_name[CELLS[column]]
    if pd.isna(got):  # missing: blank, LimeSurvey's "not shown", or logged with its reason
        assert text == "" or (v.type == "multi" and text in NOT_SHOWN_TEXTS) or len(logged), (value, column)
    elif v.type == "multi":
        assert (text in {"y", "yes", "ja"}) if got else (text in {"", "no", "nein"}) or len(logged), (value, got)
    elif v.type == "number":
        plain = text.replace(",", ".").lstrip("+")
        assert len(logged) or float(plain) == got, (value, got)  # a number as typed, or the rule that read it
    else:
        code = str(int(got)) if v.type == "likert" else {lab: c for c, lab in cb.scales[v.scale].codes.items()}[got]
        label = cb.scales[v.scale].codes[code]
        assert text in forms_of(code, label) or len(logged), (value, got)
