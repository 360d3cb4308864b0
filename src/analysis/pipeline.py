"""Run the analysis notebooks in order with papermill, then the briefing decks in parallel
kernels: one for Germany and, with `by`, one per Land, size class or Kommunentyp, plus an index."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.manager import KernelManager

from . import codebook, config, deck, files, names
from .errors import InputError


class IPCKernelManager(KernelManager):
    """Kernel over IPC sockets in a private temp folder: no TCP port races between parallel
    kernels (papermill #511) and no "running over TCP without encryption" warning."""

    def __init__(self, *args, **kwargs):
        self._socket_dir = tempfile.mkdtemp(prefix="analysis-kernel-")
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(Path(self._socket_dir) / "kernel"))
        super().__init__(*args, **kwargs)

    def cleanup_resources(self, restart: bool = False) -> None:
        super().cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._socket_dir, ignore_errors=True)


@dataclass(frozen=True)
class DeckJob:
    """One briefing deck to render: Germany (`by` None) or one subgroup."""

    by: str | None
    value: str | None
    area: str
    href: str  # relative to the reports folder
    n: int
    suppressed: bool


def run(
    raw: Path = config.EXAMPLE_RAW,
    processed: Path = config.PROCESSED,
    reports: Path = config.REPORTS,
    register: Path | None = None,
    by: tuple[str, ...] = (),
    jobs: int | None = None,
) -> Path:
    """Execute the analysis notebooks, then write `reports/briefing.html` and, per subgroup
    kind in `by` ("land", "size", "type"), one deck per subgroup and `reports/index.html`.
    Decks render in `jobs` parallel kernels (default: one per core). Returns the national deck.

    `register`: a Destatis Auszug GV workbook to match names and weight to; without it the
    weights use the committed register margins.
    """
    raw, processed, reports = Path(raw).resolve(), Path(processed).resolve(), Path(reports).resolve()
    if not raw.is_file():
        raise InputError(raw, "Datei nicht gefunden")
    if register is not None and not Path(register).is_file():
        raise InputError(Path(register), "Gemeindeverzeichnis nicht gefunden")
    unknown = [b for b in by if b not in SUBGROUP_KINDS]
    if unknown:
        raise ValueError(f"unbekannte Gruppierung {unknown[0]!r}: möglich sind {', '.join(SUBGROUP_KINDS)}")
    params = {
        "raw_path": str(raw),
        "processed_dir": str(processed),
        "register_path": str(Path(register).resolve()) if register else None,
    }
    steps = len(config.ANALYSIS_NOTEBOOKS) + 1
    with tempfile.TemporaryDirectory(prefix="analysis-run-") as tmp:
        executed = []
        for i, name in enumerate(config.ANALYSIS_NOTEBOOKS, 1):
            started = time.perf_counter()
            print(f"[{i}/{steps}] {name} ...", flush=True)
            out = Path(tmp) / name
            execute(config.NOTEBOOKS / name, out, {k: v for k, v in params.items() if k in _parameters(name)}, raw)
            print(f"[{i}/{steps}] {name} fertig in {time.perf_counter() - started:.1f} s", flush=True)
            executed.append(out)
        decks = plan(processed, by)
        started = time.perf_counter()
        workers = max(1, min(jobs or os.cpu_count() or 1, len(decks)))
        print(f"[{steps}/{steps}] {config.BRIEFING_NOTEBOOK}: {len(decks)} Foliensatz/-sätze in {workers} Kernel(n) ...", flush=True)
        national = render(decks, processed, raw, reports, Path(tmp), workers)
        print(f"[{steps}/{steps}] Foliensätze fertig in {time.perf_counter() - started:.1f} s", flush=True)
        target = reports / "executed"
        target.mkdir(parents=True, exist_ok=True)
        for nb in [*executed, national]:
            files.write_with(target / nb.name, lambda t, nb=nb: shutil.copyfile(nb, t))
    if by:
        write_index(decks, processed, reports)
        _remove_stale(decks, reports, by)
    return reports / config.BRIEFING_HTML


# --- decks ---------------------------------------------------------------------------------------
SUBGROUP_KINDS = {"land": "Länder", "size": "Größenklassen", "type": "Kommunentypen"}


def slug(text: str) -> str:
    """"Baden-Württemberg" -> "baden-wuerttemberg"; file names of subgroup decks."""
    return re.sub(r"[^a-z0-9]+", "-", names.fold(text)).strip("-")


def plan(processed: Path, by: tuple[str, ...]) -> list[DeckJob]:
    """The national deck and one deck per subgroup value, with each subgroup's n."""
    from . import briefing, clean, typology  # heavy imports only where decks are planned

    responses, _, _ = clean.load_processed(processed)
    members, _ = typology.load(responses, processed)
    jobs = [DeckJob(None, None, "Deutschland", config.BRIEFING_HTML, len(responses), len(responses) < config.MIN_CELL_N)]
    land_codes = {v: k for k, v in codebook.load().scales["land"].codes.items()}
    for kind in by:
        for i, value in enumerate(briefing.subgroup_values(kind, members), 1):
            n = int(briefing.in_subgroup(responses, members, kind, value).sum())
            prefix = land_codes[value] if kind == "land" else f"{i:02d}"
            area = briefing.area_name(kind, value)
            jobs.append(DeckJob(kind, value, area, f"{kind}/{prefix}-{slug(value)}.html", n, n < config.MIN_CELL_N))
    return jobs


def render(decks: list[DeckJob], processed: Path, raw: Path, reports: Path, tmp: Path, workers: int) -> Path:
    """Render every deck, `workers` at a time in separate processes; returns the executed
    national notebook."""
    national = None
    if workers == 1:
        for job in decks:
            national = _report(job, _render_one(job, processed, raw, reports, tmp), national)
        return national
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_render_one, job, processed, raw, reports, tmp): job for job in decks}
        for future in as_completed(futures):
            national = _report(futures[future], future.result(), national)
    return national


def _report(job: DeckJob, result: tuple[Path, float], national: Path | None) -> Path | None:
    executed, seconds = result
    note = " (unterdrückt: weniger als 3 Kommunen)" if job.suppressed else ""
    print(f"    {job.area}: n = {job.n}{note}, {seconds:.1f} s", flush=True)
    return executed if job.by is None else national


def _render_one(job: DeckJob, processed: Path, raw: Path, reports: Path, tmp: Path) -> tuple[Path, float]:
    """Execute the briefing notebook for one deck and export it as self-contained HTML."""
    started = time.perf_counter()
    name = "national" if job.by is None else Path(job.href).stem
    out = tmp / (config.BRIEFING_NOTEBOOK if job.by is None else f"{job.by}-{name}.ipynb")
    params = {"raw_path": str(raw), "processed_dir": str(processed), "subgroup_by": job.by, "subgroup_value": job.value}
    execute(config.NOTEBOOKS / config.BRIEFING_NOTEBOOK, out, params, raw)
    simulated = _simulated(processed)
    footer = " · ".join(["SIMULIERTE DATEN"] * simulated + [job.area])
    deck.export(out, reports / job.href, title=f"{codebook.load().title_de} – {job.area}", footer=footer,
                suppressed=job.suppressed)  # fmt: skip
    return out, time.perf_counter() - started


def _simulated(processed: Path) -> bool:
    return bool(json.loads((processed / "provenance.json").read_text(encoding="utf-8")).get("simulated"))


def write_index(decks: list[DeckJob], processed: Path, reports: Path) -> Path:
    """`reports/index.html`: every deck of this run, grouped, with n and suppression."""
    entries = [
        deck.Entry("Deutschland" if j.by is None else SUBGROUP_KINDS[j.by], j.area, j.href, j.n, j.suppressed)
        for j in decks
    ]
    status = ("SIMULIERTE DATEN – keine echten Antworten von Kommunen." if _simulated(processed)
              else "Datenstand: echte Antworten der Umfrage.")  # fmt: skip
    return deck.write_index(entries, reports / "index.html", title=codebook.load().title_de, status=status)


def _remove_stale(decks: list[DeckJob], reports: Path, by: tuple[str, ...]) -> None:
    """Decks of an earlier run in the same subgroup folders that this run did not write."""
    current = {reports / j.href for j in decks}
    for kind in by:
        for old in (reports / kind).glob("*.html"):
            if old not in current:
                old.unlink()


# --- notebooks -----------------------------------------------------------------------------------
def _parameters(name: str) -> set[str]:
    """Names assigned in the notebook's `parameters` cell."""
    nb = nbformat.read(config.NOTEBOOKS / name, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {line.split("=")[0].strip() for line in cell.source.splitlines() if "=" in line and not line.startswith("#")}


def execute(notebook: Path, out: Path, params: dict, raw: Path) -> None:
    """Run one notebook with papermill in an IPC kernel; bad input found inside it ends as an
    `InputError` naming the raw file."""
    try:
        pm.execute_notebook(
            notebook,
            out,
            parameters=params,
            kernel_name="python3",
            kernel_manager_class="analysis.pipeline.IPCKernelManager",
            progress_bar=False,
            cwd=str(config.NOTEBOOKS),
            record_timing=False,
        )
    except pm.PapermillExecutionError as exc:
        if exc.ename == "InputError":  # bad input found inside the notebook: one line, exit 2
            raise InputError(raw, exc.evalue.split(": ", 1)[-1]) from None
        raise RuntimeError(f"{notebook.name} ist fehlgeschlagen ({exc.ename}: {exc.evalue}); "
                           f"das ausgeführte Notebook zeigt die Zelle") from None  # fmt: skip

