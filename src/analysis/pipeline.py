"""Run the notebooks in order with papermill and export the briefing as HTML slides."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.manager import KernelManager
from nbconvert import SlidesExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from . import config, files
from .errors import InputError

#: Cells carrying these tags never reach the slides.
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove_cell"}


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


def run(
    raw: Path = config.EXAMPLE_RAW,
    processed: Path = config.PROCESSED,
    reports: Path = config.REPORTS,
    register: Path | None = None,
) -> Path:
    """Execute every pipeline notebook and write `reports/briefing.html`; returns its path.

    `register`: a Destatis Auszug GV workbook to match names and weight to; without it the
    weights use the committed register margins.
    """
    raw, processed, reports = Path(raw).resolve(), Path(processed).resolve(), Path(reports).resolve()
    if not raw.is_file():
        raise InputError(raw, "Datei nicht gefunden")
    if register is not None and not Path(register).is_file():
        raise InputError(Path(register), "Gemeindeverzeichnis nicht gefunden")
    params = {
        "raw_path": str(raw),
        "processed_dir": str(processed),
        "register_path": str(Path(register).resolve()) if register else None,
    }
    total = len(config.PIPELINE_NOTEBOOKS)
    with tempfile.TemporaryDirectory(prefix="analysis-run-") as tmp:
        executed = []
        for i, name in enumerate(config.PIPELINE_NOTEBOOKS, 1):
            started = time.perf_counter()
            print(f"[{i}/{total}] {name} ...", flush=True)
            out = Path(tmp) / name
            _execute(config.NOTEBOOKS / name, out, {k: v for k, v in params.items() if k in _parameters(name)}, raw)
            print(f"[{i}/{total}] {name} fertig in {time.perf_counter() - started:.1f} s", flush=True)
            executed.append(out)
        html = export_slides(executed[-1], reports / config.BRIEFING_HTML)
        target = reports / "executed"
        target.mkdir(parents=True, exist_ok=True)
        for nb in executed:
            files.write_with(target / nb.name, lambda t, nb=nb: shutil.copyfile(nb, t))
    return html


def _parameters(name: str) -> set[str]:
    """Names assigned in the notebook's `parameters` cell."""
    nb = nbformat.read(config.NOTEBOOKS / name, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {line.split("=")[0].strip() for line in cell.source.splitlines() if "=" in line and not line.startswith("#")}


def _execute(notebook: Path, out: Path, params: dict, raw: Path) -> None:
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
        raise


def export_slides(notebook: Path, html_path: Path) -> Path:
    """Export an executed notebook as reveal.js slides with all code and parameter cells hidden."""
    nb = nbformat.read(notebook, as_version=4)
    exporter = SlidesExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, language_code="de"
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS, enabled=True), enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    return files.write_text(html_path, body)
