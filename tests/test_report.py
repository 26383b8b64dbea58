"""report.html: one self-contained page per run and per comparison, written at the end of a run and after a
failure, and checked in a real headless Chromium where one is installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from gandojo import objectives
from gandojo.cli import main
from gandojo.config import Config, apply_overrides
from gandojo.report import run_report
from gandojo.runs.runner import train_run
from gandojo.train import NonFiniteError

TINY = ["model.hidden=16", "model.depth=2", "train.batch_size=32", "train.log_every=5", "train.eval_every=10",
        "train.eval_samples=200", "train.sample_every=5", "train.checkpoint_every=10",
        "train.checkpoint_seconds=1000000"]
ARTIFACTS = Path(os.environ.get("GANDOJO_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / ".artifacts"))


def tiny_run(tmp_path: Path, *extra: str, objective: str = "wgan-gp") -> Path:
    run = tmp_path / "run"
    config = apply_overrides(Config(), [f"objective.name={objective}", "train.steps=30", *TINY, *extra])
    train_run(config, run, progress=False, report=run_report)  # as the command line does
    return run


def assert_self_contained(page: str) -> None:
    """No script, and nothing fetched from anywhere: every image is a data: URI."""
    assert "<script" not in page.lower()
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/") for s in sources)
    assert not re.search(r'(src|href)="(https?:)?//', page), "the page reaches for the network"
    assert not re.search(r"url\(", page)


def test_a_finished_run_writes_a_self_contained_report(tmp_path):
    run = tiny_run(tmp_path)
    page = (run / "report.html").read_text()
    assert_self_contained(page)
    summary = json.loads((run / "summary.json").read_text())
    assert f"{summary['steps']} generator steps" in page and "Finished" in page
    assert "modes covered" in page  # the final per-mode table
    assert "<details><summary>config.yaml" in page and "gp_lambda" in page  # the resolved config, collapsed
    assert page.count("<tr>") >= 3 + 9  # evaluations at steps 10, 20, 30 plus the summary rows
    assert "critic estimate" in page  # a Wasserstein objective: its estimate beside the exact W1
    gif = Image.open(run / "samples" / "evolution.gif")
    assert gif.n_frames >= 6  # six snapshots (steps 5..30), played forward and back
    assert page.count("<figure>") == len(list((run / "samples").glob("step_*.png")))


def test_a_failed_run_says_so_at_the_top(tmp_path, monkeypatch):
    spec = objectives.OBJECTIVES["gan"]
    calls = {"n": 0}

    def poisoned(d_real, d_fake):
        calls["n"] += 1
        loss = spec.d_loss(d_real, d_fake)
        return loss * float("nan") if calls["n"] == 13 else loss

    monkeypatch.setitem(objectives.OBJECTIVES, "gan", replace(spec, d_loss=poisoned))
    with pytest.raises(NonFiniteError):
        tiny_run(tmp_path, objective="gan")
    page = (tmp_path / "run" / "report.html").read_text()
    banner = page.index('class="alert"')
    assert banner < page.index("<h2>Summary") and "Training failed at step 13" in page


def test_report_command_rewrites_a_run_and_refuses_other_folders(tmp_path, capsys):
    run = tiny_run(tmp_path, objective="gan")
    (run / "report.html").unlink()
    assert main(["report", str(run)]) == 0
    assert (run / "report.html").is_file() and "report.html" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_compare_writes_a_report_linking_each_run(tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", "--data", "ring8", "--objectives", "gan,wgan-gp", "--seeds", "1", "--budget", "4steps",
                 "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert_self_contained(page)
    links = re.findall(r'<a href="([^"]+)">', page)
    assert len(links) == 2 and all((out / link).is_file() for link in links)
    assert "reverse KL" in page


def _chromium() -> str | None:
    return next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)


PROBE = """<script>
window.addEventListener("load", () => {
  const images = [...document.images].map(i => [i.alt, i.naturalWidth, i.naturalHeight]);
  const out = document.createElement("pre"); out.id = "probe"; out.textContent = JSON.stringify(images);
  document.body.appendChild(out);
});
</script>"""


@pytest.mark.skipif(_chromium() is None, reason="no headless Chromium here (Debian: apt-get install chromium; "
                                                "`make test` installs it where apt-get runs as root)")
def test_the_report_renders_in_a_real_browser(tmp_path):
    """Loaded in headless Chromium: no console error, every image decodes to a natural size > 0, and a
    screenshot is kept in .artifacts/ to look at. The page has no script of its own, so the image probe is
    added to a copy of it."""
    browser = _chromium()
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--allow-file-access-from-files", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"]
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><p id=alive>alive</p>")
    try:
        alive = subprocess.run([*flags, "--dump-dom", blank.as_uri()], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.skip(f"{browser} is installed but did not answer within 60 s on an empty page")
    if "alive" not in alive.stdout:
        pytest.skip(f"{browser} is installed but cannot render here: {alive.stderr.strip()[-300:]}")
    run = tiny_run(tmp_path)
    probed = run / "probed.html"
    probed.write_text((run / "report.html").read_text().replace("</body>", PROBE + "</body>"))
    dom = subprocess.run([*flags, "--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, f"the page did not load: {dom.stderr[-2000:]}"
    images = json.loads(found.group(1).replace("&quot;", '"'))
    assert images and all(width > 0 and height > 0 for _, width, height in images), images
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    page = subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1200,2400",
                           (run / "report.html").as_uri()], capture_output=True, text=True, timeout=120)
    errors = [line for line in page.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line.upper()]
    assert not errors, errors
    assert shot.is_file() and Image.open(shot).size == (1200, 2400)
