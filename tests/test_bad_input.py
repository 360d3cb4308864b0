"""Bad input ends with a one-line error naming the file, exit code 2, and nothing written."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from analysis.__main__ import main


def write(path: Path, content) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def lime_header(columns=("id", "submitdate", "lastpage", "A01", "A02", "A03")) -> str:
    return ";".join(f'"{c}"' for c in columns) + "\r\n"


def broken_xlsx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return path


BAD_INPUTS = [
    pytest.param("missing.csv", None, "nicht gefunden", id="missing-file"),
    pytest.param("empty.csv", "", "leer", id="empty-file"),
    pytest.param("blank.csv", "\n\n  \n", "leer", id="only-whitespace"),
    pytest.param("header.csv", lime_header(), "nur eine Kopfzeile", id="header-only"),
    pytest.param("junk.csv", bytes(range(256)) * 20, "Binärdaten", id="binary-junk"),
    pytest.param("other.csv", "Artikel;Preis\r\nApfel;1,20\r\n", "keine Umfrage-Exportdatei", id="not-a-survey"),
    pytest.param(
        "noreq.csv",
        lime_header(("id", "submitdate", "A01", "A02")) + '"1";"";"X";"09"\r\n',
        "Pflichtspalte fehlt: A03",
        id="missing-required-column",
    ),  # fmt: skip
    pytest.param(
        "dupcol.csv",
        lime_header(("id", "submitdate", "A01", "A01", "A02", "A03")) + '"1";"";"X";"Y";"09";"2"\r\n',
        "mehrfach",
        id="duplicate-column",
    ),  # fmt: skip
    pytest.param(
        "undecodable.csv",
        lime_header().encode() + b'"1";"";"1";"M\x81nchen";"09";"2"\r\n',
        "Zeichenkodierung",
        id="undecodable-text",
    ),  # fmt: skip
    pytest.param(
        "dupid.csv",
        lime_header() + '"1";"";"1";"A";"09";"2"\r\n"1";"";"1";"B";"09";"2"\r\n',
        "Antwort-ID 1 doppelt",
        id="duplicate-response-id",
    ),  # fmt: skip
    pytest.param("nodelim.csv", "eine Zeile ohne Trennzeichen\nnoch eine\n", "Trennzeichen", id="no-delimiter"),
    pytest.param("broken.xlsx", "zip", "Excel-Datei nicht lesbar", id="broken-xlsx"),
    pytest.param(
        "nometa.csv", '"A01";"A02";"A03"\r\n"X";"09";"2"\r\n', "Metadatenspalten", id="limesurvey-without-meta"
    ),
]


@pytest.mark.parametrize("name, content, message", BAD_INPUTS)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, name, content, message):
    raw = tmp_path / name
    if content == "zip":
        broken_xlsx(raw)
    elif content is not None:
        write(raw, content)
    out = tmp_path / "processed"
    code = main(["clean", "--raw", str(raw), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and str(raw) in err and message in err, err
    assert "Traceback" not in err
    assert not out.exists() and not (tmp_path / "personal").exists()


def test_bad_input_through_the_real_command_line(tmp_path):
    raw = write(tmp_path / "empty.csv", "")
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "clean", "--raw", str(raw), "--out", str(tmp_path / "out")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"Fehler: {raw}: Datei ist leer"
    assert not (tmp_path / "out").exists()


def test_run_with_bad_input_writes_no_briefing(tmp_path, capsys):
    raw = write(tmp_path / "other.csv", "Artikel;Preis\r\nApfel;1,20\r\n")
    code = main(["run", "--raw", str(raw), "--out", str(tmp_path / "p"), "--reports", str(tmp_path / "r")])
    assert code == 2
    assert "keine Umfrage-Exportdatei" in capsys.readouterr().err
    assert not (tmp_path / "r").exists() and not (tmp_path / "p").exists()
