"""Command line: `python -m analysis {simulate,clean,register,match,test,validate,run,codebook,export,keep-outputs} ...`;
help in German for every command and option (`GermanHelp`, `_command`); bad input ends with exit code 2.
With the project's venv activated (`source .venv/bin/activate`) `python -m analysis` and
`kommunen-analysis` are the same command."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import config
from .errors import InputError


def _simulate(args: argparse.Namespace) -> None:
    from . import simulate

    options = dict(o.split("=", 1) for o in args.option or [])
    export, truth_rows, truth = simulate.simulate(args.n, args.seed, args.format, args.register, options)
    for path in simulate.write_export(export, truth_rows, truth, args.out):
        print(f"geschrieben: {path}")


def _clean(args: argparse.Namespace) -> None:
    from . import audit, clean
    from .report import status, tables

    if args.register is None:
        print(status.NO_REGISTER)
    result = clean.clean(args.raw, args.register)
    for path in clean.save(result, args.out):
        print(f"geschrieben: {path}")
    print(f"{result.provenance['n_raw']} Antworten gelesen, {result.provenance['n_clean']} nach der Bereinigung")
    print(tables.cleaning_summary(result.audit).to_string(index=False))
    for reason in audit.rules_off(result.audit):
        print(f"Hinweis: {reason}")


def _register(args: argparse.Namespace) -> None:
    from . import register

    reg = register.read_register(args.gv)
    for path in register.write_register(reg, args.out):
        print(f"geschrieben: {path}")
    print(f"Gebietsstand {reg.vintage:%d.%m.%Y}: {len(reg.gemeinden)} Gemeinden, {len(reg.kreise)} Kreise und "
          f"kreisfreie Städte, {len(reg.verbaende)} Gemeindeverbände, {reg.n_gemeindefrei} gemeindefreie Gebiete")  # fmt: skip
    if args.margins:
        print(f"geschrieben: {register.write_margins(args.gv, args.margins)}")


def _match(args: argparse.Namespace) -> None:
    from . import files, match

    table = match.match_file(args.gv, args.names)
    files.write_csv(table, args.out, sep=";", encoding="utf-8-sig")
    counts = table["status"].value_counts()
    print(f"geschrieben: {args.out}")
    print(", ".join(f"{status}: {counts.get(status, 0)}" for status in (match.MATCHED, match.AMBIGUOUS, match.NONE)))


def _test(args: argparse.Namespace) -> None:
    from . import clean, hypotheses

    responses, _, _ = clean.load_processed(args.data)
    results = hypotheses.run(responses, args.hypotheses, margins=clean.load_margins(args.data))
    for path in hypotheses.save(results, args.out):
        print(f"geschrieben: {path}")
    print(
        results.table[["hypothesis_id", "estimate", "ci_low", "ci_high", "p_holm", "n", "verdict_de"]].to_string(
            index=False
        )
    )


def _validate(args: argparse.Namespace) -> None:
    from . import validation

    start = time.perf_counter()
    summary = validation.study(args.reps, args.n, args.seed, args.workers, checkpoint=args.checkpoint)
    for path in validation.write_report(summary, args.out, time.perf_counter() - start):
        print(f"geschrieben: {path}")
    print(summary.to_string(index=False))


def _run(args: argparse.Namespace) -> None:
    from . import pipeline

    by = tuple(dict.fromkeys(args.by or ()))
    html = pipeline.run(args.raw, args.out, args.reports, args.register, by=by, jobs=args.jobs)
    print(f"Briefing: {html}")
    if by:
        print(f"Übersicht aller Foliensätze: {html.parent / 'index.html'}")


def _codebook(args: argparse.Namespace) -> None:
    from . import files
    from .readers import structure
    from .report import codebook_document

    if args.from_lss or args.from_sosci:
        found = (structure.read_lss(args.from_lss, args.language) if args.from_lss
                 else structure.read_sosci_variables(args.from_sosci, args.values))  # fmt: skip
        print("\n".join(structure.diff(found)))
        if args.draft:
            print(f"geschrieben: {files.write_text(args.draft, structure.draft(found))}")
        return
    print(f"geschrieben: {files.write_text(args.out, codebook_document.markdown())}")


def _export(args: argparse.Namespace) -> None:
    from .report import exports

    for path in exports.write_all(args.data):
        print(f"geschrieben: {path}")


def _keep_outputs(args: argparse.Namespace) -> None:
    from . import pipeline

    changed = pipeline.refresh_kept_outputs()
    print("\n".join(f"geändert: {p}" for p in changed) or "keine gespeicherte Ausgabe hat sich geändert")


#: argparse's own words in German (usage line, section titles, -h, the usual errors); words
#: not listed stay as argparse writes them.
ARGPARSE_GERMAN = {
    "usage: ": "Aufruf: ",
    "positional arguments": "Argumente",
    "options": "Optionen",
    "show this help message and exit": "diese Hilfe zeigen und beenden",
    "the following arguments are required: %s": "diese Angaben fehlen: %s",
    "unrecognized arguments: %s": "unbekannte Angaben: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ungültige Wahl: %(value)r (möglich: %(choices)s)",
    "invalid %(type)s value: %(value)r": "ungültiger Wert (%(type)s): %(value)r",
    "expected one argument": "erwartet einen Wert",
    "argument %(argument_name)s: %(message)s": "Angabe %(argument_name)s: %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: Fehler: %(message)s\n",
}


class GermanHelp(argparse.RawDescriptionHelpFormatter):
    """Help in German: every option with a default says it, "(Standard: …)"."""

    def _get_default_metavar_for_optional(self, action: argparse.Action) -> str:
        return {Path: "PFAD", int: "ZAHL"}.get(action.type, action.dest.upper())

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            action.option_strings
            and action.default not in (None, False, argparse.SUPPRESS)
            and "%(default)" not in text
        ):
            text += " (Standard: %(default)s)"
        return text


def _command(sub, name: str, help: str, func) -> argparse.ArgumentParser:
    """A subcommand with German help (`help`, also its description) run by `func`. New
    subcommands and options are added the same way: German `help=` texts, defaults appear by
    themselves."""
    command = sub.add_parser(name, help=help, description=help, formatter_class=GermanHelp)
    command.set_defaults(func=func)
    return command


def _register_options(command: argparse.ArgumentParser, what: str) -> None:
    """--register and --no-register: the one register setting of every entry point."""
    group = command.add_mutually_exclusive_group()
    group.add_argument("--register", type=Path, default=config.register(),
                       help=f"Gemeindeverzeichnis (Destatis Auszug GV, .xlsx): {what}; ohne Angabe ANALYSIS_REGISTER "
                       "oder das Verzeichnis in ../shared, falls vorhanden")  # fmt: skip
    group.add_argument("--no-register", dest="register", action="store_const", const=None,
                       help="ohne Gemeindeverzeichnis: Namen bleiben unabgeglichen, Gewichte aus den Eckwerten im "
                       "Projekt")  # fmt: skip


def parser() -> argparse.ArgumentParser:
    argparse._ = lambda text: ARGPARSE_GERMAN.get(text, text)  # argparse's own words, see ARGPARSE_GERMAN
    p = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Auswertung der Umfrage „Wie macht digitale Verwaltung Kommunen lebenswerter?“. "
        "Jeder Befehl hat eine eigene Hilfe: python -m analysis BEFEHL -h",
        formatter_class=GermanHelp,
    )
    sub = p.add_subparsers(dest="command", required=True, title="Befehle", metavar="BEFEHL")

    s = _command(sub, "simulate", "simulierten Export mit bekannten, eingepflanzten Effekten schreiben", _simulate)
    s.add_argument("--n", type=int, required=True, help="Zahl der exportierten Zeilen")
    s.add_argument(
        "--seed", type=int, required=True, help="Startwert des Zufallsgenerators (gleicher Wert, gleicher Export)"
    )
    s.add_argument("--out", type=Path, required=True, help="Exportdatei (.csv, .xlsx, .sav oder .dta, je nach Format)")
    s.add_argument("--format", choices=["limesurvey", "forms", "sosci", "limesurvey-sav", "sosci-sav", "stata"],
                   default="limesurvey", help="Umfragewerkzeug und Dateiart des Exports")  # fmt: skip
    s.add_argument("--option", action="append", metavar="NAME=WERT",
                   help="LimeSurvey-Exportoption, z. B. headings=full, answers=full, convert=1/2, timings=no, "
                   "datestamp=no, participants=yes, separator=, (mehrfach möglich)")  # fmt: skip
    _register_options(s, "Kommunen daraus ziehen (ohne: aus den Eckwerten im Projekt)")

    c = _command(sub, "clean", "Rohexport bereinigen, abgleichen und gewichten (nach data/processed)", _clean)
    c.add_argument("--raw", type=Path, required=True,
                   help="Export aus LimeSurvey, SoSci Survey (CSV, SPSS), Microsoft Forms (xlsx) oder Stata")  # fmt: skip
    c.add_argument("--out", type=Path, default=config.PROCESSED, help="Ordner für die bereinigten Daten")
    _register_options(c, "Namen abgleichen und darauf gewichten")

    g = _command(sub, "register", "Gemeindeverzeichnis (Destatis Auszug GV) in Tabellen lesen", _register)
    g.add_argument("--gv", type=Path, required=True, help="Gemeindeverzeichnis (.xlsx), beliebiger Gebietsstand")
    g.add_argument("--out", type=Path, required=True, help="Ordner für register_*.parquet/.csv")
    g.add_argument("--margins", type=Path, help="auch die Eckwerte Land × Größenklasse hierhin schreiben")

    m = _command(sub, "match", "Namen von Kommunen den Schlüsseln des Verzeichnisses zuordnen (AGS, Kreis, Verband)",
                 _match)  # fmt: skip
    m.add_argument("--gv", type=Path, required=True, help="Gemeindeverzeichnis (.xlsx)")
    m.add_argument("--names", type=Path, required=True,
                   help="CSV mit ';' und Kopfzeile name;land[;type] (Korrekturen: <names>.overrides.csv daneben)")  # fmt: skip
    m.add_argument("--out", type=Path, required=True,
                   help="Ergebnis-CSV: name;land;ags;official_name;score;status;rule")  # fmt: skip

    t = _command(sub, "test", "die vorab festgelegten Hypothesen an bereinigten Daten prüfen", _test)
    t.add_argument(
        "--data", type=Path, default=config.PROCESSED, help="Ordner der bereinigten Daten (responses.parquet)"
    )
    t.add_argument("--out", type=Path, default=config.PROCESSED, help="Ordner für hypotheses.parquet/.csv")
    t.add_argument("--hypotheses", type=Path, default=config.HYPOTHESES, help="Hypothesenregister (YAML)")

    v = _command(sub, "validate", "Simulationsstudie: Überdeckung und Fehlalarme der Hypothesentests", _validate)
    v.add_argument("--reps", type=int, default=500, help="Zahl der simulierten Umfragen")
    v.add_argument("--n", type=int, default=400, help="exportierte Zeilen je simulierter Umfrage")
    v.add_argument("--seed", type=int, default=20261122, help="Startwert des Zufallsgenerators")
    v.add_argument("--workers", type=int, default=2, help="parallele Prozesse")
    v.add_argument("--out", type=Path, default=config.REPORTS / "validation", help="Ordner für Bericht und Abbildung")
    v.add_argument("--checkpoint", type=Path, default=None,
                   help="Ordner, der jede fertige Umfrage sofort sichert; ein abgebrochener Lauf setzt dort fort")  # fmt: skip

    r = _command(sub, "run", "alle Notebooks der Reihe nach ausführen und das Briefing schreiben", _run)
    r.add_argument("--raw", type=Path, default=config.EXAMPLE_RAW,
                   help="Export (LimeSurvey, SoSci Survey, Microsoft Forms, SPSS oder Stata)")  # fmt: skip
    r.add_argument("--out", type=Path, default=config.PROCESSED, help="Ordner für die bereinigten Daten")
    r.add_argument("--reports", type=Path, default=config.REPORTS, help="Ordner für Briefing und Foliensätze")
    _register_options(r, "Namen abgleichen und darauf gewichten")
    r.add_argument("--by", action="append", choices=["land", "size", "type"],
                   help="zusätzlich je ein Foliensatz pro Land, Größenklasse oder Kommunentyp und reports/index.html "
                   "(mehrfach möglich)")  # fmt: skip
    r.add_argument(
        "--jobs",
        type=int,
        help="so viele Kernels parallel: Foliensätze und 03_hypotheses neben den anderen Notebooks (Standard: einer je Prozessorkern; 1: alles nacheinander)",
    )

    d = _command(sub, "codebook", "das Codebuch als Dokument schreiben (Markdown), oder einen Fragebogen mit ihm "
                 "vergleichen", _codebook)  # fmt: skip
    d.add_argument("--out", type=Path, default=config.CODEBOOK_DOC, help="Zieldatei")
    d.add_argument("--from-lss", type=Path, metavar="DATEI",
                   help="LimeSurvey-Umfragestruktur (.lss): Unterschiede zum Codebuch zeigen")  # fmt: skip
    d.add_argument("--from-sosci", type=Path, metavar="DATEI",
                   help="SoSci-Survey-Variablenliste (variables_*.csv): Unterschiede zum Codebuch zeigen")  # fmt: skip
    d.add_argument("--values", type=Path, metavar="DATEI", help="mit --from-sosci: die Werteliste (values_*.csv)")
    d.add_argument("--language", help="mit --from-lss: Sprache der Texte (ohne Angabe: Basissprache der Umfrage)")
    d.add_argument("--draft", type=Path, metavar="DATEI", help="mit --from-…: Entwurf eines Codebuchs (YAML) schreiben")

    e = _command(sub, "export", "Exporte der bereinigten Daten schreiben (Parquet, CSV, Excel-CSV, SPSS, Stata, Excel)",
                 _export)  # fmt: skip
    e.add_argument("--data", type=Path, default=config.PROCESSED, help="Ordner der bereinigten Daten (nach einem Lauf)")

    _command(sub, "keep-outputs", "Notebooks neu ausführen und die Ausgaben der Zellen mit dem Tag keep_output speichern",
             _keep_outputs)  # fmt: skip
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except InputError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
