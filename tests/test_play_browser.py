"""The play page in a real browser (Debian's chromium, driven by Playwright), against the real ``gandojo play``
server: the page loads without a console error under its content security policy; Play makes frames arrive and the
step counter advance; D only changes the landscape and not the dots; a drawn distribution restarts training on
it; Save writes a run folder. Screenshots are kept in .artifacts/ (play-*.png). Skipped, with the reason, where
chromium or Playwright is missing."""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ARTIFACTS = Path(os.environ.get("GANDOJO_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / ".artifacts"))
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
TINY = ["model.hidden=32", "model.depth=2", "train.batch_size=64", "train.eval_samples=300"]

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
if CHROMIUM is None:
    pytest.skip("no chromium: make test installs Debian's chromium where apt-get runs as root", allow_module_level=True)


@contextlib.contextmanager
def play_server(out: Path, *, lang: str = "en"):
    """``gandojo play`` itself, on a free port; its address as it printed it."""
    proc = subprocess.Popen([sys.executable, "-m", "gandojo", "play", "--lang", lang, "--no-browser", "--port", "0",
                             "--objective", "gan", "--out", str(out), *TINY], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # waits for the server: it prints its address once it listens
    match = re.search(r"(http://\S+)", line)
    assert match, (line, proc.poll(), proc.stderr.read() if proc.poll() is not None else "")
    try:
        yield match[1]
    finally:
        proc.terminate()  # SIGTERM: uvicorn shuts down cleanly
        proc.communicate(timeout=60)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    out = tmp_path_factory.mktemp("play") / "out"
    with play_server(out) as url:
        yield url, out


def wait(page, expression: str, timeout: float = 60.0):
    """Poll a JavaScript expression from here (the page's policy forbids eval, so no wait_for_function)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {expression}")


def checksum(page, name: str) -> float:
    return page.evaluate(f"Array.from(window.gandojoPlay.lanes[0].frame.arrays.{name}.values)"
                         ".reduce((a, v, i) => a + v * (i % 97 + 1), 0)")


def open_page(p, url: str):
    """Chromium on the play page, its first frame drawn; the console and page errors are collected."""
    browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    wait(page, "window.gandojoPlay.frames > 0")
    return browser, page, errors


def test_the_page_in_a_real_browser(served):
    url, out = served
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser, page, errors = open_page(p, url)

        page.click("#play")
        wait(page, "window.gandojoPlay.step >= 20")
        page.click("#pause")
        wait(page, "!window.gandojoPlay.playing")
        page.screenshot(path=str(ARTIFACTS / "play-playing.png"), full_page=True)
        assert page.inner_text("#status").startswith("step ")

        frames = page.evaluate("window.gandojoPlay.frames")
        heat, dots = checksum(page, "heat"), checksum(page, "fake")
        page.click("#d_only")
        wait(page, f"window.gandojoPlay.frames > {frames}")
        assert checksum(page, "heat") != heat, "D only left D's landscape as it was"
        assert checksum(page, "fake") == dots, "D only moved G's samples"

        page.click("#draw")
        box = page.locator("canvas.plane").first.bounding_box()
        page.mouse.move(box["x"] + 100, box["y"] + 230)
        page.mouse.down()
        for k in range(40):
            page.mouse.move(box["x"] + 100 + 6 * k, box["y"] + 230 - 3 * k)
        page.mouse.up()
        page.screenshot(path=str(ARTIFACTS / "play-drawing.png"))
        page.click("#draw_train")
        wait(page, "window.gandojoPlay.lanes[0].info.config.data.name.includes('drawing')")
        assert page.evaluate("window.gandojoPlay.lanes[0].info.step") == 0
        page.click("#play")
        wait(page, "window.gandojoPlay.step >= 10")
        page.click("#pause")

        page.fill("#save_name", "from-the-browser")
        page.click("#save")
        wait(page, "window.gandojoPlay.messages.some(m => m.kind === 'saved')")
        page.screenshot(path=str(ARTIFACTS / "play-saved.png"), full_page=True)
        browser.close()
    assert (out / "from-the-browser" / "checkpoints" / "final.pt").is_file()
    assert (out / "from-the-browser" / "report.html").is_file()
    assert not errors, errors


def test_the_page_in_japanese(tmp_path):
    """``gandojo play --lang ja``: the page's own words and the script's come in Japanese; keys and numbers do not
    change. A screenshot is kept (play-ja.png): look at it for boxes in place of characters."""
    with play_server(tmp_path / "out", lang="ja") as url, playwright.sync_playwright() as p:
        browser, page, errors = open_page(p, url)
        page.click("#play")
        wait(page, "window.gandojoPlay.step >= 10")
        page.click("#pause")
        wait(page, "!window.gandojoPlay.playing")
        assert page.evaluate("document.documentElement.lang") == "ja"
        assert page.inner_text("#play") == "再生" and page.inner_text("#d_only") == "D だけ"
        assert page.inner_text("#status").startswith("ステップ ")  # the script's words
        assert "の損失" in page.inner_text("body")  # the numbers line under each plane
        page.screenshot(path=str(ARTIFACTS / "play-ja.png"), full_page=True)
        browser.close()
    assert not errors, errors
