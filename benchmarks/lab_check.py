"""05_explore in a real JupyterLab, as a researcher runs it: start JupyterLab headless (as root
too), run the notebook top to bottom through the server's kernel API (every cell, in order,
as "Run All" does), save it through the server, open it in the lab's own page in Debian's
chromium, and count the charts: image outputs of the kernel and images the lab shows.

    .venv/bin/python benchmarks/lab_check.py [--processed data/processed]

Needs `make lab`'s packages (`pip install -e '.[lab]'`) and a run's processed data (`make
briefing`). Prints one line per step and a summary; exit code 1 when no chart came out, a cell
failed or wrote to stderr, or the lab did not show the charts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_explore.ipynb"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, token: str, path: str, method: str = "GET", body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{base}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
    return json.loads(text) if text else {}


async def run_cells(ws_url: str, cells: list) -> None:
    """Execute each code cell over the kernel's websocket and store its outputs in the cell."""
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(ws_url)
    session = uuid.uuid4().hex
    for count, cell in enumerate((c for c in cells if c.cell_type == "code"), 1):
        msg_id = uuid.uuid4().hex
        await ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": "lab-check", "session": session, "msg_type": "execute_request",
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": cell.source, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))  # fmt: skip
        cell.outputs, cell.execution_count = [], count
        while True:
            msg = json.loads(await ws.read_message())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind in ("stream", "display_data", "execute_result", "error"):
                cell.outputs.append(nbformat.v4.output_from_msg(msg))
            if kind == "status" and content["execution_state"] == "idle":
                break
    ws.close()


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--processed", type=Path, default=ROOT / "data" / "processed", help="processed data of a run")
    args.add_argument("--screenshot", type=Path, default=ROOT / "reports" / "browser-test" / "lab-05_explore.png")
    opts = args.parse_args()
    if not (opts.processed / "responses.parquet").is_file():
        print(f"no processed data in {opts.processed}: run `make briefing` first", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="lab-check-"))
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ANALYSIS_PROCESSED": str(opts.processed.resolve())}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--ServerApp.token={token}", f"--ServerApp.root_dir={work}"]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    started = time.perf_counter()
    lab = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                version = api(base, token, "/api/status") and api(base, token, "/api/")["version"]
                break
            except OSError:
                time.sleep(0.5)
        else:
            print("JupyterLab did not start", file=sys.stderr)
            return 1
        print(f"JupyterLab server {version} up in {time.perf_counter() - started:.1f} s (port {port})")
        specs = api(base, token, "/api/kernelspecs")["kernelspecs"]
        name = "kommunen-digital" if "kommunen-digital" in specs else "python3"
        kernel = api(base, token, "/api/kernels", "POST", {"name": name})
        nb = nbformat.read(work / NOTEBOOK.name, as_version=4)
        started = time.perf_counter()
        asyncio.run(run_cells(f"ws://127.0.0.1:{port}/api/kernels/{kernel['id']}/channels?token={token}", nb.cells))
        print(f"05_explore run top to bottom in kernel {name!r} in {time.perf_counter() - started:.1f} s")
        outputs = [o for c in nb.cells for o in c.get("outputs", [])]
        images = sum("image/png" in o.get("data", {}) for o in outputs)
        widgets = sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
        tables = sum("itables" in json.dumps(o.get("data", {})) for o in outputs)
        errors = [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
        print(f"kernel outputs: {images} charts (image/png), {widgets} widget view(s), {tables} itables output(s), "
              f"{len(errors)} error/stderr output(s)")  # fmt: skip
        for e in errors:
            print("  ", e.get("ename", ""), e.get("evalue", e.get("text", ""))[:300])
        nb.metadata["kernelspec"] = {
            "name": name,
            "display_name": specs[name]["spec"]["display_name"],
            "language": "python",
        }
        api(base, token, f"/api/contents/{NOTEBOOK.name}", "PUT", {"type": "notebook", "content": nb})
        shown = lab_page_images(base, token, opts.screenshot)
        print(f"the lab's page shows {shown} chart image(s) in 05_explore (screenshot: {opts.screenshot})")
        api(base, token, f"/api/kernels/{kernel['id']}", "DELETE")
        ok = images >= 3 and not errors and shown >= 3
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        lab.terminate()
        lab.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def lab_page_images(base: str, token: str, screenshot: Path) -> int:
    """Open the saved notebook in JupyterLab's page (chromium) and count the images it shows."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium not installed: the lab's page was not checked")
        return 0
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        page.wait_for_timeout(2000)
        count = page.evaluate("document.querySelectorAll('.jp-OutputArea-output img').length")
        page.locator(".jp-OutputArea-output img").first.scroll_into_view_if_needed()
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot))
        browser.close()
    return count


if __name__ == "__main__":
    sys.exit(main())
