"""Command line: `python -m analysis {simulate,clean,register,match,test,validate,run,codebook,export,keep-outputs} ...`; bad input ends with exit code 2."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import config
from .errors import InputError


def _simulate(args: argparse.Namespace) -> None:
    from . import simulate

    register_path = args.register or simulate.default_register()
    export, truth_rows, truth = simulate.simulate(args.n, args.seed, args.format, register_path)
    for path in simulate.write_export(export, truth_rows, truth, args.out):
        print(f"geschrieben: {path}")


def _clean(args: argparse.Namespace) -> None:
    from . import audit, clean

    result = clean.clean(args.raw, args.register)
    for path in clean.save(result, args.out):
        print(f"geschrieben: {path}")
    print(f"{result.provenance['n_raw']} Antworten gelesen, {result.provenance['n_clean']} nach der Bereinigung")
    print(audit.summary(result.audit).to_string(index=False))


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
    from . import match

    table = match.match_file(args.gv, args.names)
    from . import files

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
    summary = validation.study(args.reps, args.n, args.seed, args.workers)
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
    from . import codebook_document, files

    print(f"geschrieben: {files.write_text(args.out, codebook_document.markdown())}")


def _export(args: argparse.Namespace) -> None:
    from . import exports

    for path in exports.write_all(args.data):
        print(f"geschrieben: {path}")


def _keep_outputs(args: argparse.Namespace) -> None:
    from . import pipeline

    changed = pipeline.refresh_kept_outputs()
    print("\n".join(f"geändert: {p}" for p in changed) or "keine gespeicherte Ausgabe hat sich geändert")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("simulate", help="write a simulated export with known planted effects")
    s.add_argument("--n", type=int, required=True, help="number of exported rows")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--out", type=Path, required=True, help="export file (.csv for LimeSurvey, .xlsx for Forms)")
    s.add_argument("--format", choices=["limesurvey", "forms"], default="limesurvey")
    s.add_argument("--register", type=Path, help="Destatis Auszug GV workbook (default: the shared one, if present)")
    s.set_defaults(func=_simulate)

    c = sub.add_parser("clean", help="clean a raw export into data/processed")
    c.add_argument("--raw", type=Path, required=True, help="LimeSurvey CSV or Forms xlsx export")
    c.add_argument("--out", type=Path, default=config.PROCESSED)
    c.add_argument("--register", type=Path, help="Destatis Auszug GV workbook: match names and weight to it")
    c.set_defaults(func=_clean)

    g = sub.add_parser("register", help="read a Destatis Auszug GV workbook into tidy tables")
    g.add_argument("--gv", type=Path, required=True, help="Destatis Auszug GV workbook (.xlsx), any vintage")
    g.add_argument("--out", type=Path, required=True, help="folder for register_*.parquet/.csv")
    g.add_argument("--margins", type=Path, help="also write the Land x size-class margins table here")
    g.set_defaults(func=_register)

    m = sub.add_parser("match", help="match municipality names to register keys (AGS, Kreis, Verband)")
    m.add_argument("--gv", type=Path, required=True, help="Destatis Auszug GV workbook (.xlsx)")
    m.add_argument("--names", type=Path, required=True, help="';'-separated CSV with header name;land")
    m.add_argument("--out", type=Path, required=True, help="result CSV: name;land;ags;official_name;score;status")
    m.set_defaults(func=_match)

    t = sub.add_parser("test", help="test the pre-registered hypotheses on processed data")
    t.add_argument("--data", type=Path, default=config.PROCESSED, help="processed data folder (responses.parquet)")
    t.add_argument("--out", type=Path, default=config.PROCESSED, help="folder for hypotheses.parquet/.csv")
    t.add_argument("--hypotheses", type=Path, default=config.HYPOTHESES, help="hypothesis registry (YAML)")
    t.set_defaults(func=_test)

    v = sub.add_parser("validate", help="simulation study: coverage and false positives of the hypothesis tests")
    v.add_argument("--reps", type=int, default=500)
    v.add_argument("--n", type=int, default=400, help="exported rows per simulated survey")
    v.add_argument("--seed", type=int, default=20261122)
    v.add_argument("--workers", type=int, default=2)
    v.add_argument("--out", type=Path, default=config.REPORTS / "validation")
    v.set_defaults(func=_validate)

    r = sub.add_parser("run", help="run the notebooks in order and write the briefing")
    r.add_argument("--raw", type=Path, default=config.EXAMPLE_RAW)
    r.add_argument("--out", type=Path, default=config.PROCESSED, help="processed data folder")
    r.add_argument("--reports", type=Path, default=config.REPORTS, help="folder of the briefing")
    r.add_argument("--register", type=Path, help="Destatis Auszug GV workbook (default: the committed margins)")
    r.add_argument(
        "--by",
        action="append",
        choices=["land", "size", "type"],
        help="also one deck per Land, size class or Kommunentyp, and reports/index.html (repeatable)",
    )
    r.add_argument("--jobs", type=int, help="decks rendered in parallel (default: one per core)")
    r.set_defaults(func=_run)

    d = sub.add_parser("codebook", help="write the codebook document (Markdown)")
    d.add_argument("--out", type=Path, default=config.CODEBOOK_DOC)
    d.set_defaults(func=_codebook)

    e = sub.add_parser("export", help="write Parquet, CSV, German-Excel CSV, SPSS and Excel exports of processed data")
    e.add_argument("--data", type=Path, default=config.PROCESSED, help="processed data folder (after the pipeline)")
    e.set_defaults(func=_export)

    k = sub.add_parser("keep-outputs", help="re-run the notebooks and store the outputs of cells tagged keep_output")
    k.set_defaults(func=_keep_outputs)
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
