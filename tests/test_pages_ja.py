"""The tour and a run's report in Japanese, in a real browser (Debian's chromium driven by Playwright) with a
Japanese font installed (Debian's fonts-noto-cjk): the page says lang="ja", no English prose is left outside code,
commands and links, nothing is wider than the page, and the Japanese text is drawn with a font that has its
glyphs (no boxes). Screenshots are kept in .artifacts/ (tour-ja.png, report-ja.png): look at them. Skipped, with
the reason, where chromium, Playwright or the font is missing."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gandojo import i18n
from gandojo.cli import main
from gandojo.tour import Budget, tour

ARTIFACTS = Path(os.environ.get("GANDOJO_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / ".artifacts"))
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
TINY = Budget(one_d=20, three_mode=30, dcgan=6, eval_samples=300)
ENGLISH_PHRASE = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*){3,}")  # four English words in a row


def japanese_font() -> str | None:
    try:
        listed = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return listed.splitlines()[0] if listed.strip() else None


playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
if CHROMIUM is None:
    pytest.skip("no chromium: make test installs Debian's chromium where apt-get runs as root", allow_module_level=True)
if japanese_font() is None:
    pytest.skip("no Japanese font (fc-list :lang=ja is empty): make test installs Debian's fonts-noto-cjk where "
                "apt-get runs as root", allow_module_level=True)

# what the page reads, without what stays as it is (commands, code, file and folder names in links)
PROSE = """() => { const copy = document.body.cloneNode(true);
  copy.querySelectorAll('code, pre, a, details').forEach((e) => e.remove()); return copy.innerText; }"""
# Chromium falls back glyph by glyph: a box is drawn only where no installed font has the glyph, so the font must
# be installed (checked above, or the module is skipped) and the page must ask for it
FONT = "() => getComputedStyle(document.body).fontFamily"
WIDE = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def japanese_tour(tmp_path_factory, gandojo_cache):
    out = tmp_path_factory.mktemp("tour-ja") / "tour"
    with i18n.speaking("ja"):
        tour(out, budget=TINY, cache_dir=gandojo_cache)
    return out


def look(path: Path, shot: str) -> dict:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        seen = {"lang": page.evaluate("document.documentElement.lang"), "prose": page.evaluate(PROSE),
                "too_wide": page.evaluate(WIDE), "errors": errors,
                "font": page.evaluate(FONT),
                "broken_images": page.evaluate("Array.from(document.images).filter(i => !i.naturalWidth).length")}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
        browser.close()
    return seen


def test_the_tour_page_in_japanese(japanese_tour):
    seen = look(japanese_tour / "tour.html", "tour-ja.png")
    assert seen["lang"] == "ja" and not seen["errors"] and seen["broken_images"] == 0
    assert "モード崩壊" in seen["prose"] and "Wasserstein距離" in seen["prose"] and "輸送計画" in seen["prose"]
    assert not ENGLISH_PHRASE.findall(seen["prose"]), ENGLISH_PHRASE.findall(seen["prose"])[:5]
    assert seen["too_wide"] <= 0, "something is wider than the page"
    assert "Noto Sans CJK JP" in seen["font"]


def test_a_report_written_again_in_japanese(japanese_tour, capsys):
    run = japanese_tour / "3-wgan-gp"
    assert main(["report", str(run), "--lang", "en"]) == 0
    assert "Final evaluation" in (run / "report.html").read_text()
    assert main(["report", str(run), "--lang", "ja"]) == 0
    capsys.readouterr()
    seen = look(run / "report.html", "report-ja.png")
    assert seen["lang"] == "ja" and not seen["errors"] and seen["broken_images"] == 0
    assert all(word in seen["prose"] for word in ("最終評価", "高品質サンプル率", "クリティックの推定値"))
    assert not ENGLISH_PHRASE.findall(seen["prose"]), ENGLISH_PHRASE.findall(seen["prose"])[:5]
    assert seen["too_wide"] <= 0
