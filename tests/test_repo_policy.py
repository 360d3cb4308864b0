"""The repository's own rules: one list of pins for pip, conda and pre-commit; notebooks in git
without outputs except the cells nbval compares; ruff-clean code."""

from __future__ import annotations

import copy
import subprocess
import sys
import tomllib

import nbformat
import pytest
import yaml
from nbstripout import strip_output
from packaging.specifiers import SpecifierSet

from analysis import config

ROOT = config.ROOT
NOTEBOOKS = sorted(config.NOTEBOOKS.glob("*.ipynb"))


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _pins(requirements: list[str]) -> dict[str, str]:
    return {r.split("==")[0].strip().lower(): r.split("==")[1].split()[0] for r in requirements if "==" in r}


def test_environment_yml_has_the_pins_of_pyproject():
    project = _project()
    wanted = (
        project["dependencies"] + project["optional-dependencies"]["test"] + project["optional-dependencies"]["lab"]
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip) == _pins(wanted)
    assert all("==" in r for r in wanted), "every dependency is pinned"
    assert [r for r in pip if "==" not in r] == ["-e ."]
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert python.split("=")[1] + ".0" in SpecifierSet(project["requires-python"])


def test_pre_commit_hooks_use_the_pinned_tools():
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    used = {dep for repo in hooks["repos"] for hook in repo["hooks"] for dep in hook.get("additional_dependencies", [])}
    pinned = _pins(_project()["optional-dependencies"]["test"])
    assert used and _pins(sorted(used)).items() <= pinned.items()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_as_the_output_policy_says(path):
    """Stored as nbstripout leaves it: no outputs or execution counts, except in cells tagged
    `keep_output`, which are exactly the cells nbval compares (`nbval-check-output`)."""
    nb = nbformat.read(path, as_version=4)
    stripped = strip_output(copy.deepcopy(nb), keep_output=False, keep_count=True, keep_id=True)
    assert nb == stripped, f"{path.name}: run `nbstripout --keep-id --keep-count {path}` (or the pre-commit hook)"
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        assert ("keep_output" in tags) == ("nbval-check-output" in tags), f"{path.name}: {cell.get('id')}"
        if "keep_output" in tags:
            assert cell.outputs, f"{path.name}: cell {cell.id} is compared by nbval but has no stored output"


def test_code_passes_ruff():
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run([sys.executable, "-m", "ruff", *command, "."], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
