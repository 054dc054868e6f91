"""The example notebook examples/finance.ipynb runs from top to bottom in a fresh kernel and shows the
same expected-case total as costcalc.estimate."""

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a kernel starts and runs the whole notebook

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (the test extra installs it)")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (the test extra installs it)")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (the test extra installs it)")
pytest.importorskip("matplotlib", reason="matplotlib is not installed (the plot extra)")
pytest.importorskip("openpyxl", reason="openpyxl is not installed (the xlsx extra)")

import costcalc  # noqa: E402
from costcalc.money import cents, exact_sum  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOK = EXAMPLES / "finance.ipynb"


def _outputs_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
    return "".join(parts)


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    work = tmp_path_factory.mktemp("notebook") / "examples"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    shutil.copytree(EXAMPLES / "usage", work / "usage")
    nb = nbformat.read(work / NOTEBOOK.name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, if any cell fails
    return nb, work


def test_notebook_runs_without_errors(executed):
    nb, _ = executed
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None
            assert not [o for o in cell.outputs if o.get("output_type") == "error"]


def test_notebook_total_equals_estimate(executed):
    nb, _ = executed
    df = costcalc.estimate(costcalc.bundled_examples(), months=12)
    total = cents(exact_sum(df.loc[df["case"] == "expected", "cost_usd"]))
    text = "".join(_outputs_text(c) for c in nb.cells if c.cell_type == "code")
    assert f"Expected-case total over 12 months: {total:,.2f} USD" in text


def test_notebook_shows_charts_and_writes_exports(executed):
    nb, work = executed
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "data" in o and "image/png" in o["data"]]
    assert len(images) >= 3
    assert (work / "estimate.csv").stat().st_size > 0
    import openpyxl

    book = openpyxl.load_workbook(work / "estimate.xlsx")
    assert book.sheetnames == ["Plan", "Summary", "Detail", "Notes"]
    text = "".join(_outputs_text(c) for c in nb.cells if c.cell_type == "code")
    assert "price table " + costcalc.load_prices().version in text
    assert "records from 3 files" in text
