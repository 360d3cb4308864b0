"""Run the analysis notebooks in order in one kernel (parameters injected as papermill does),
then the briefing decks in parallel kernels: one for Germany and, with `by`, one per Land,
size class or Kommunentyp, plus an index."""

from __future__ import annotations

import collections
import contextlib
import fcntl
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.util import Finalize
from pathlib import Path

import nbformat
import pandas as pd
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from . import audit, clean, codebook, config, files, names, plan, settings, typology
from .errors import InputError
from .report import deck, reveal, status


class IPCKernelManager(KernelManager):
    """Kernel over IPC sockets in a private temp folder: no TCP port races between parallel
    kernels (papermill #511) and no "running over TCP without encryption" warning."""

    def __init__(self, *args, **kwargs):
        self._socket_dir = tempfile.mkdtemp(prefix="analysis-kernel-")
        self._client = None
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(Path(self._socket_dir) / "kernel"))
        super().__init__(*args, **kwargs)

    def start(self) -> None:
        """Start the kernel in the notebooks folder, single-threaded (`config.SINGLE_THREADED`), with
        matplotlib's Agg backend (no inline figures in the executed notebooks; charts are
        drawn by `plots.png`) and without IPython's input history (an SQLite file that
        parallel kernels would share)."""
        env = {**config.SINGLE_THREADED, **os.environ, "MPLBACKEND": "Agg"}  # a thread count the user set wins
        self.start_kernel(cwd=str(config.NOTEBOOKS), env=env, extra_arguments=["--HistoryManager.enabled=False"])

    def notebook_client(self, nb: nbformat.NotebookNode) -> NotebookClient:
        """A client to execute `nb` here over this kernel's one connection: connecting anew for
        every notebook costs about 0.2 s."""
        if self._client is None:
            self._client = self.client()
            self._client.start_channels()
            self._client.wait_for_ready(timeout=60)
        client = NotebookClient(nb, km=self, record_timing=False)
        client.kc = self._client
        return client

    def cleanup_resources(self, restart: bool = False) -> None:
        if self._client is not None and not restart:
            self._client.stop_channels()
            self._client = None
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
    Decks render in `jobs` parallel kernels (default: one per core); with two or more, `plan.IN_HELPER`
    runs in a second kernel beside the other analysis notebooks. Returns the national deck.

    `register`: a Destatis Auszug GV workbook to match names and weight to; without it the
    weights use the committed register margins, and the run says so first. The command
    line and `make briefing` pass `config.register()` unless told otherwise.
    """
    # the processed and reports folders are links into the current run: absolute, not resolved
    raw, processed, reports = Path(raw).resolve(), Path(processed).absolute(), Path(reports).absolute()
    if not raw.is_file():
        raise InputError(raw, "Datei nicht gefunden")
    if register is not None and not Path(register).is_file():
        raise InputError(Path(register), "Gemeindeverzeichnis nicht gefunden")
    unknown = [b for b in by if b not in plan.SUBGROUPS]
    if unknown:
        raise ValueError(f"unbekannte Gruppierung {unknown[0]!r}: möglich sind {', '.join(plan.SUBGROUPS)}")
    if register is None:
        print(status.NO_REGISTER, flush=True)
    checksum = files.sha256(raw)
    with run_folder(processed) as folder:
        _run_into(raw, folder / "processed", folder / "reports", register, by, jobs)
        if files.sha256(raw) != checksum:
            raise InputError(
                raw, "Rohdatei hat sich während des Laufs geändert: Ergebnisse verworfen, bitte erneut starten"
            )
        commit(folder, processed, reports)  # stale decks of an earlier run are gone with its folder
    return reports / plan.BRIEFING_HTML


def _say(line: str) -> None:
    """One line of progress, written at once: notebooks in two kernels report side by side."""
    print(line + "\n", end="", flush=True)


def _run_into(raw: Path, processed: Path, reports: Path, register: Path | None, by: tuple[str, ...],
              jobs: int | None) -> list[DeckJob]:  # fmt: skip
    """The run itself, writing to (staged) `processed` and `reports`; returns the decks."""
    params = {
        "raw_path": str(raw),
        "processed_dir": str(processed),
        "reports_dir": str(reports),
        "register_path": str(Path(register).resolve()) if register else "",  # "": none (None: the default)
    }
    steps = len(plan.ANALYSIS_NOTEBOOKS) + 1
    helpers = max(0, (jobs or os.cpu_count() or 1) - 1)  # kernels besides the main one: decks, `plan.IN_HELPER`
    helpers = helpers if by else min(helpers, 1)  # one deck: one helper is enough
    with tempfile.TemporaryDirectory(prefix="analysis-run-") as tmp, kernel() as km, _deck_pool(helpers) as pool:
        executed = []

        def analyse(step: int, name: str, helper: bool = False) -> None:
            started = time.perf_counter()
            _say(f"[{step}/{steps}] {name} ...")
            out = Path(tmp) / name
            args = (config.NOTEBOOKS / name, out, {k: v for k, v in params.items() if k in _parameters(name)}, raw)
            if helper:
                pool.submit(_execute_share, *args).result()
            else:
                execute_in(km, *args)
            _say(f"[{step}/{steps}] {name} fertig in {time.perf_counter() - started:.1f} s")
            if name == plan.ANALYSIS_NOTEBOOKS[0]:  # the cleaning: say which rules this export switched off
                for reason in audit.rules_off(pd.read_parquet(processed / config.AUDIT_FILE)):
                    _say(f"    Hinweis: {reason}")
            executed.append(out)

        first = [n for n in plan.ANALYSIS_NOTEBOOKS if n not in plan.NOT_READ_BY_DECKS]
        helped = pool is not None and plan.IN_HELPER in first[1:]
        order = [first[0], plan.IN_HELPER, *(n for n in first[1:] if n != plan.IN_HELPER)] if helped else first
        with ThreadPoolExecutor(max_workers=1) as side:  # the helper's notebook beside the others
            elsewhere = None
            for name in order:
                if helped and name == plan.IN_HELPER:
                    elsewhere = side.submit(analyse, first.index(name) + 1, name, True)
                else:
                    analyse(first.index(name) + 1, name)
            if elsewhere is not None:
                elsewhere.result()
        executed.sort(key=lambda p: first.index(p.name))
        decks = deck_jobs(processed, by)
        started = time.perf_counter()
        _say(
            f"[{steps}/{steps}] {plan.BRIEFING_NOTEBOOK}: {len(decks)} Foliensatz/-sätze in {helpers + 1} Kernel(n) ..."
        )
        rest = [n for n in plan.ANALYSIS_NOTEBOOKS if n in plan.NOT_READ_BY_DECKS]
        national = render(decks, processed, raw, reports, Path(tmp), km, pool, helpers,
                          before=lambda: [analyse(i, name) for i, name in enumerate(rest, len(first) + 1)])  # fmt: skip
        _say(f"[{steps}/{steps}] Foliensätze fertig in {time.perf_counter() - started:.1f} s")
        target = reports / "executed"
        target.mkdir(parents=True, exist_ok=True)
        for nb in [*executed, national]:
            files.write_with(target / nb.name, lambda t, nb=nb: shutil.copyfile(nb, t))
    if by:
        write_index(decks, processed, reports)
    return decks


# --- all or nothing -------------------------------------------------------------------------------
#: Every run writes into a folder of its own in `runs_folder(processed)` beside the processed
#: folder: `processed/`, `personal/` (contacts and consent) and `reports/`. The processed folder,
#: the reports folder and the personal folder are links into the run named by `CURRENT`, which
#: one rename switches: a run's outputs appear together or not at all, and a killed run leaves
#: the previous ones as they were.
CURRENT = "current"
LOCK = ".lock"
#: Committed runs kept besides the current one (to look back at; older ones are removed).
KEEP_PREVIOUS = 1


def runs_folder(processed: Path) -> Path:
    """The runs of one processed folder: `data/.processed-runs` for `data/processed`."""
    processed = Path(processed)
    return processed.parent / f".{processed.name}-runs"


@contextlib.contextmanager
def run_folder(processed: Path) -> Iterator[Path]:
    """A new run's folder under `runs_folder(processed)`, held under a lock: a second run on the
    same folder at the same time is refused in one line. The folder is removed if the run fails;
    folders of runs that died (their process is gone) are removed first."""
    root = runs_folder(processed)
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK).open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            raise InputError(Path(processed), f"ein anderer Lauf schreibt gerade hierhin (Prozess {lock.read().strip() or '?'}): "
                             "bitte warten, bis er fertig ist") from None  # fmt: skip
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        _remove_uncommitted(root)
        folder = Path(tempfile.mkdtemp(prefix=f"{time.strftime('%Y%m%d-%H%M%S')}-", suffix=f"-{os.getpid()}", dir=root))
        mask = os.umask(0)
        os.umask(mask)
        folder.chmod(0o777 & ~mask)  # mkdtemp makes it private; outputs get the usual mode
        try:
            yield folder
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise


def commit(folder: Path, processed: Path, reports: Path) -> None:
    """Make `folder` the current run with one atomic rename, after linking the processed, reports
    and personal folders to the current run (once; a real folder from an older version is moved
    into the runs folder first). Older runs beyond `KEEP_PREVIOUS` are removed."""
    root = folder.parent
    (folder / "personal").mkdir(exist_ok=True)
    current = root / CURRENT
    for path, part in ((processed, "processed"), (reports, "reports"), (clean.personal_link(processed), "personal")):
        _link(path, current / part, root)
    pointer = root / f".{CURRENT}-{os.getpid()}"
    pointer.unlink(missing_ok=True)
    os.symlink(folder.name, pointer)
    os.replace(pointer, current)  # the commit
    committed = sorted((p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and p != folder),
                       key=lambda p: p.name)  # fmt: skip
    for old in committed[: max(0, len(committed) - KEEP_PREVIOUS)]:
        shutil.rmtree(old, ignore_errors=True)


def _link(path: Path, target: Path, root: Path) -> None:
    """`path` as a relative link to `target`; a real folder or file there is moved to the runs
    folder first (outputs of a version before run folders), never deleted."""
    relative = os.path.relpath(target, path.parent)
    if path.is_symlink():
        if os.readlink(path) == relative:
            return
        path.unlink()
    elif path.is_dir() and not any(path.iterdir()):
        path.rmdir()
    elif path.exists():
        os.replace(path, root / f"earlier-{path.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(relative, path)


def _remove_uncommitted(root: Path) -> None:
    """Folders of runs that never committed and whose process is gone."""
    current = (root / CURRENT).resolve() if (root / CURRENT).is_symlink() else None
    for folder in root.iterdir():
        if not folder.is_dir() or folder.is_symlink() or folder.name.startswith("earlier-") or folder == current:
            continue
        pid = folder.name.rsplit("-", 1)[-1]
        newer = current is None or folder.name > current.name
        if pid.isdigit() and newer and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- decks ---------------------------------------------------------------------------------------
def slug(text: str) -> str:
    """ "Baden-Württemberg" -> "baden-wuerttemberg"; file names of subgroup decks."""
    return re.sub(r"[^a-z0-9]+", "-", names.fold(text)).strip("-")


def deck_jobs(processed: Path, by: tuple[str, ...]) -> list[DeckJob]:
    """The national deck and one deck per subgroup value, with each subgroup's n."""
    responses, _, _ = clean.load_processed(processed)
    members, _ = typology.load(responses, processed)
    jobs = [
        DeckJob(None, None, "Deutschland", plan.BRIEFING_HTML, len(responses), len(responses) < settings.MIN_CELL_N)
    ]
    land_codes = {v: k for k, v in codebook.load().scales["land"].codes.items()}
    for kind in by:
        for i, value in enumerate(deck.subgroup_values(kind, members), 1):
            n = int(deck.in_subgroup(responses, members, kind, value).sum())
            prefix = land_codes[value] if kind == "land" else f"{i:02d}"
            area = deck.area_name(kind, value)
            jobs.append(DeckJob(kind, value, area, f"{kind}/{prefix}-{slug(value)}.html", n, n < settings.MIN_CELL_N))
    return jobs


def render(decks: list[DeckJob], processed: Path, raw: Path, reports: Path, tmp: Path, km: KernelManager,
           pool: ProcessPoolExecutor | None = None, helpers: int = 0, before=None) -> Path:  # fmt: skip
    """Render every deck in 1 + `helpers` kernels that take the decks from one queue (imports
    paid once per kernel, not per deck; a kernel that finishes early takes the next deck):
    the running kernel `km` here, the others in `pool`'s worker processes, whose kernels were
    started while the analysis notebooks ran. `before()`, if given, runs first in `km` while
    the helpers already render. Returns the executed national notebook."""
    # national deck first, then the largest subgroups: the kernels finish close together
    queue = collections.deque(sorted(decks, key=lambda j: (j.by is not None, j.suppressed, -j.n)))
    done: list[tuple[DeckJob, Path]] = []

    def take(render_one) -> None:
        try:
            while queue:
                try:
                    job = queue.popleft()
                except IndexError:  # another kernel took the last deck
                    return
                done.extend(render_one(job))
        except BaseException:
            queue.clear()  # the other kernels stop after their current deck
            raise

    def in_helper(job: DeckJob) -> list[tuple[DeckJob, Path]]:
        return pool.submit(_render_share, [job], processed, raw, reports, tmp).result()

    def here(job: DeckJob) -> list[tuple[DeckJob, Path]]:
        return _render_share([job], processed, raw, reports, tmp, km)

    with ThreadPoolExecutor(max_workers=max(1, helpers)) as threads:
        others = [threads.submit(take, in_helper) for _ in range(helpers)] if pool else []
        try:
            if before is not None:
                before()
            take(here)
        except BaseException:
            queue.clear()
            raise
        finally:
            for f in others:
                f.result()
    return next(out for job, out in done if job.by is None)


#: A deck worker process's own kernel, started by `_warm_worker`.
_WORKER_KERNEL: KernelManager | None = None


@contextlib.contextmanager
def _deck_pool(helpers: int) -> Iterator[ProcessPoolExecutor | None]:
    """`helpers` worker processes for decks (the first also runs `plan.IN_HELPER`), started now so
    that their kernels warm up (start, import the briefing code) while the cleaning runs; None for
    no helpers."""
    if not helpers:
        yield None
        return
    with ProcessPoolExecutor(max_workers=helpers, mp_context=get_context("spawn"), initializer=_warm_worker) as pool:
        for _ in range(helpers):
            pool.submit(int)  # spawns the workers
        yield pool


def _warm_worker() -> None:
    """Pool initializer: start this worker's kernel, import the briefing code in it and draw
    one chart; the kernel is shut down when the worker exits."""
    global _WORKER_KERNEL
    _WORKER_KERNEL = IPCKernelManager(kernel_name="python3")
    _WORKER_KERNEL.start()
    Finalize(None, _WORKER_KERNEL.shutdown_kernel, kwargs={"now": True}, exitpriority=10)
    warm = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("from analysis.report import plots, slides\nplots.warm_up()")]
    )
    _WORKER_KERNEL.notebook_client(warm).execute()


def _execute_share(notebook: Path, out: Path, params: dict, raw: Path) -> None:
    """`execute_in` this worker's kernel."""
    execute_in(_WORKER_KERNEL, notebook, out, params, raw)


def _render_share(jobs: list[DeckJob], processed: Path, raw: Path, reports: Path, tmp: Path,
                  km: KernelManager | None = None) -> list[tuple[DeckJob, Path]]:  # fmt: skip
    """Execute the briefing notebook once per deck in one kernel and export each deck."""
    out = []
    km = km or _WORKER_KERNEL
    with contextlib.nullcontext(km) if km is not None else kernel() as km:
        for job in jobs:
            started = time.perf_counter()
            executed = tmp / (plan.BRIEFING_NOTEBOOK if job.by is None else f"{job.by}-{Path(job.href).stem}.ipynb")
            params = {
                "raw_path": str(raw),
                "processed_dir": str(processed),
                "subgroup_by": job.by,
                "subgroup_value": job.value,
            }
            execute_in(km, config.NOTEBOOKS / plan.BRIEFING_NOTEBOOK, executed, params, raw)
            footer = " · ".join([status.FOOTER_SIMULATED] * _simulated(processed) + [job.area])
            reveal.export(executed, reports / job.href, title=f"{codebook.load().title_de} – {job.area}", footer=footer,
                        suppressed=job.suppressed)  # fmt: skip
            n = "n < 3 (unterdrückt)" if job.suppressed else f"n = {job.n}"
            _say(f"    {job.area}: {n}, {time.perf_counter() - started:.1f} s")
            out.append((job, executed))
    return out


def _simulated(processed: Path) -> bool:
    return bool(json.loads((processed / "provenance.json").read_text(encoding="utf-8")).get("simulated"))


def write_index(decks: list[DeckJob], processed: Path, reports: Path) -> Path:
    """`reports/index.html`: every deck of this run, grouped, with n and suppression."""
    entries = [
        reveal.Entry("Deutschland" if j.by is None else plan.SUBGROUPS[j.by][2], j.area, j.href, j.n, j.suppressed)
        for j in decks
    ]
    text = status.status_text({"simulated": _simulated(processed)})
    return reveal.write_index(entries, reports / "index.html", title=codebook.load().title_de, status=text)


# --- notebooks -----------------------------------------------------------------------------------
def _parameters(name: str) -> set[str]:
    """Names assigned in the notebook's `parameters` cell."""
    nb = nbformat.read(config.NOTEBOOKS / name, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {line.split("=")[0].strip() for line in cell.source.splitlines() if "=" in line and not line.startswith("#")}


@contextlib.contextmanager
def kernel() -> Iterator[KernelManager]:
    """A Python kernel over IPC, started in the notebooks folder, shut down afterwards."""
    km = IPCKernelManager(kernel_name="python3")
    km.start()
    try:
        yield km
    finally:
        km.shutdown_kernel(now=True)


def execute_in(km: IPCKernelManager, notebook: Path, out: Path, params: dict, raw: Path) -> None:
    """Run one notebook with papermill's parameters in the running kernel `km` (imports are
    paid once per kernel) and write it once, also when a cell fails; bad input found inside
    it ends as an `InputError` naming the raw file."""
    nb = parameterize_notebook(load_notebook_node(str(notebook)), params, kernel_name="python3", language="python")
    try:
        km.notebook_client(nb).execute()
    except CellExecutionError as exc:
        if exc.ename == "InputError":  # bad input found inside the notebook: one line, exit 2
            raise InputError(raw, exc.evalue.split(": ", 1)[-1]) from None
        raise RuntimeError(f"{notebook.name} ist fehlgeschlagen ({exc.ename}: {exc.evalue})") from None
    finally:
        files.write_with(out, lambda tmp: nbformat.write(nb, tmp))


#: Tag of the cells whose outputs are committed (and compared by nbval: tag nbval-check-output too).
KEEP_OUTPUT = "keep_output"


def refresh_kept_outputs() -> list[Path]:
    """Re-run the notebooks in file order with their default parameters, as nbval does (the
    bundled example, no register), in a temporary processed folder, and store the outputs of
    the cells tagged `keep_output` in the committed notebooks; all other outputs stay stripped.
    Returns the notebooks that changed."""
    from nbstripout import strip_output

    names = sorted(p.name for p in config.NOTEBOOKS.glob("*.ipynb"))
    kept = {n for n in names if any(KEEP_OUTPUT in c.metadata.get("tags", []) for c in _read(n).cells)}
    if not kept:
        return []
    names = names[: max(names.index(n) for n in kept) + 1]
    changed = []
    with tempfile.TemporaryDirectory(prefix="analysis-outputs-") as tmp, kernel() as km:
        for name in names:
            print(f"{name} ...", flush=True)
            out = Path(tmp) / name
            folders = {"processed_dir": str(Path(tmp) / "processed"), "reports_dir": str(Path(tmp) / "reports"),
                       "register_path": ""}  # as nbval runs them: no register (conftest.py)  # fmt: skip
            params = {k: v for k, v in folders.items() if k in _parameters(name)}
            execute_in(km, config.NOTEBOOKS / name, out, params, config.EXAMPLE_RAW)
            if name not in kept:
                continue
            source, executed = _read(name), nbformat.read(out, as_version=4)
            by_id = {c.get("id"): c for c in executed.cells}
            code = [c for c in source.cells if c.cell_type == "code"]
            for count, cell in enumerate(code, 1):
                if KEEP_OUTPUT in cell.metadata.get("tags", []):
                    cell.outputs = by_id[cell.get("id")].outputs
                    cell.execution_count = count  # nbval compares only cells that ran; counts as in a fresh kernel
                    for output in cell.outputs:
                        if "execution_count" in output:
                            output.execution_count = count
            source = strip_output(source, keep_output=False, keep_count=True, keep_id=True)
            if source != _read(name):
                files.write_with(config.NOTEBOOKS / name, lambda t, nb=source: nbformat.write(nb, t))
                changed.append(config.NOTEBOOKS / name)
    return changed


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(config.NOTEBOOKS / name, as_version=4)
