"""Command line: `python -m analysis {simulate,clean,run} ...`; bad input ends with exit code 2."""

from __future__ import annotations

import argparse
import sys
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

    result = clean.clean(args.raw)
    for path in clean.save(result, args.out):
        print(f"geschrieben: {path}")
    print(f"{result.provenance['n_raw']} Antworten gelesen, {result.provenance['n_clean']} nach der Bereinigung")
    print(audit.summary(result.audit).to_string(index=False))


def _run(args: argparse.Namespace) -> None:
    from . import pipeline

    html = pipeline.run(args.raw, args.out, args.reports)
    print(f"Briefing: {html}")


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
    c.set_defaults(func=_clean)

    r = sub.add_parser("run", help="run the notebooks in order and write the briefing")
    r.add_argument("--raw", type=Path, default=config.EXAMPLE_RAW)
    r.add_argument("--out", type=Path, default=config.PROCESSED, help="processed data folder")
    r.add_argument("--reports", type=Path, default=config.REPORTS, help="folder of the briefing")
    r.set_defaults(func=_run)
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
