"""The lesson notebooks (notebooks/, one per step of the tour): each runs top to bottom in a fresh kernel on tiny
budgets without an error, in Japanese and in English, and is kept in the repository without outputs."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_is_a_notebook_per_step_of_the_tour_and_none_holds_outputs():
    assert [p.name.split("-")[0] for p in NOTEBOOKS] == ["1", "2", "3", "4", "5", "6"]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), f"{path.name} holds outputs"
        assert "import subprocess" not in str(notebook) and "!gandojo" not in str(notebook)  # the library, not a shell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_notebook_runs_without_an_error(path, tmp_path, gandojo_cache, monkeypatch):
    monkeypatch.setenv("GANDOJO_NOTEBOOK_QUICK", "1")
    monkeypatch.setenv("GANDOJO_CACHE_DIR", str(gandojo_cache))
    monkeypatch.setenv("GANDOJO_LANG", "en" if path.name.startswith(("2", "4")) else "ja")  # both languages
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                   ).execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not [o for o in outputs if o.output_type == "error"]
    assert (tmp_path / "runs" / "notebooks").is_dir() or path.name.startswith(("4", "5"))  # runs where it was run
