"""Run the pipeline of two revisions on the bundled example and compare every output byte by byte.

    .venv/bin/python tools/same_outputs.py BASE [OTHER]

BASE and OTHER are git revisions; OTHER defaults to the working tree. Each revision runs
`python -m analysis run --by land --by size --by type` (with the shared register when it lies
beside the project) into its own temporary folders; then processed data, exports, personal
data and reports are compared file by file. Executed notebooks are compared without their
temporary paths. Prints the differing files; exit 1 when any differ. Used to show that a
refactoring leaves every output unchanged.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTER = ROOT.parent / "shared" / "reference" / "destatis" / "AuszugGV4QAktuell_2024.xlsx"


def checkout(rev: str | None, into: Path) -> Path:
    """The source tree of `rev` (None: the working tree itself)."""
    if rev is None:
        return ROOT
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(into), rev], check=True)
    return into


def run(tree: Path, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "ANALYSIS_ROOT": str(tree)}
    cmd = [sys.executable, "-m", "analysis", "run", "--out", str(out / "data" / "processed"),
           "--reports", str(out / "reports"), "--by", "land", "--by", "size", "--by", "type"]  # fmt: skip
    if REGISTER.is_file():
        cmd += ["--register", str(REGISTER)]
    subprocess.run(cmd, check=True, env=env, cwd=tree, stdout=subprocess.DEVNULL)


def normalised(path: Path, roots: tuple[Path, ...]) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".ipynb":
        text = data.decode("utf-8")
        for root in roots:
            text = text.replace(str(root), "<ROOT>")
        text = re.sub(r"\.analysis-run-[\w-]+", "<STAGE>", text)
        # statsmodels summaries print the time of the fit
        text = re.sub(r"\b\d\d:\d\d:\d\d\b|\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d \w{3} \d{4}\b", "<TIME>", text)
        nb = json.loads(text)
        for cell in nb["cells"]:  # papermill gives its parameters cell a new random id every run
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell.pop("id", None)
        data = json.dumps(nb, sort_keys=True).encode("utf-8")
    return data


def compare(a: Path, b: Path, roots_a: tuple[Path, ...], roots_b: tuple[Path, ...]) -> list[str]:
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    diffs = [f"only in base: {p}" for p in sorted(files_a - files_b)]
    diffs += [f"only in other: {p}" for p in sorted(files_b - files_a)]
    for p in sorted(files_a & files_b):
        if filecmp.cmp(a / p, b / p, shallow=False):
            continue
        if normalised(a / p, roots_a) != normalised(b / p, roots_b):
            diffs.append(f"differs: {p}")
    return diffs


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("base")
    p.add_argument("other", nargs="?")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="same-outputs-") as tmp:
        tmp = Path(tmp)
        trees, outs = [], []
        for name, rev in (("base", args.base), ("other", args.other)):
            tree = checkout(rev, tmp / f"{name}-src")
            out = tmp / f"{name}-out"
            print(f"{name}: {rev or 'working tree'} ...", flush=True)
            run(tree, out)
            trees.append(tree)
            outs.append(out)
        try:
            diffs = compare(outs[0], outs[1], (trees[0], outs[0]), (trees[1], outs[1]))
        finally:
            for tree in trees:
                if tree != ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        n = sum(1 for _ in outs[0].rglob("*") if _.is_file())
        print("\n".join(diffs) or f"all {n} output files identical")
        return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
