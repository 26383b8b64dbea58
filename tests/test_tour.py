"""gandojo tour: six steps computed on the spot, one self-contained tour.html linking every run's report."""

from __future__ import annotations

import re

from gandojo.cli import main
from gandojo.tour import TOUR_STEPS, Budget, tour

TINY = Budget(one_d=20, three_mode=30, dcgan=6, eval_samples=300)


def test_the_tour_computes_each_step_and_links_every_run(tmp_path, capsys, gandojo_cache):
    out = tmp_path / "tour"
    page = tour(out, budget=TINY, cache_dir=gandojo_cache).read_text()
    printed = capsys.readouterr().out
    assert len(re.findall(r"^== \d\. ", printed, re.M)) == len(TOUR_STEPS) == 6
    # computed numbers: the worked example, the saturation table, the parallel lines, the rules on the real model
    assert "for a cost (mass × distance) of 8." in printed and "8 / 14 = 0.5714" in printed
    assert "costs 10 (2 more): not optimal" in printed
    assert re.search(r"plan 1 .* 8 +0\.5714 +3 +2\.6667", printed)  # three plans of cost 8, each moving its own mass
    assert re.search(r"plan 2 .* 8 +0\.5714 +8 +1\.0000", printed)
    assert re.search(r"plan 3 .* 8 +0\.5714 +6 +1\.3333", printed)
    assert re.search(r"\[0, 1\] +0\.2 +0\.2", printed) and re.search(r"\[0, 1000\] +200 +0\.2", printed)
    assert re.search(r"0\.0003 +0\.0003 +0\.9997", printed)  # D(G(z)) = sigmoid(-8): minimax vanishes
    assert "All hold." in printed and "Spearman ρ = " in printed
    assert printed.count("Try it: gandojo ") == 6  # every step ends with a command to try it

    # the lesson page: a heading per step, real tables, a figure per step, nothing from the network, no script
    assert "<script" not in page and page.count("<h2>") == 6
    sections = page.split("<section")[1:]
    assert len(sections) == 6 and all("<figure>" in s and "<table" in s and 'class="try"' in s for s in sections)
    assert "<pre>" not in re.sub(r'<div class="try">.*?</div>', "", page, flags=re.S)  # no terminal text pasted in
    assert page.count("<figure>") == 10  # saturation; 2 landscapes; losses; 3 plans; example 1; samples, real
    assert (out / "2-collapse" / "landscape.png").is_file() and (out / "3-wgan-gp" / "landscape.png").is_file()
    links = re.findall(r'<a href="([^#"]+)">', page)
    assert len(links) == 5 and all((out / link).is_file() for link in links)  # 2 + 1 + 1 + 0 + 0 + 1 runs
    assert all(src.startswith("data:image/") for src in re.findall(r'<img src="([^"]*)"', page))


def test_the_tour_refuses_a_folder_that_is_not_an_earlier_tour(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep me")
    assert main(["tour", "--quick", "--out", str(tmp_path)]) == 2
    assert "holds no earlier tour" in capsys.readouterr().err and (tmp_path / "mine.txt").read_text() == "keep me"
