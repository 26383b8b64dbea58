"""Every number the documents quote was measured: it appears in a saved benchmark output.

README.md, README.ja.md, the pages in docs/ and benchmarks/RESULTS.md may quote a decimal number, a percentage
or a speed-up ratio only if the same figure (the same digits) appears in one of the files under benchmarks/results/,
which the scripts in benchmarks/ write together with the command that regenerates them. Inputs are
exempt: shell and Python command lines, inline code (`objective.gp_lambda=0.1`), and the constants of the
protocols and papers listed in CONSTANTS, each with where it comes from. RESULTS.md must also be exactly
what benchmarks/write_results.py assembles from the saved outputs.
"""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ["README.md", "README.ja.md", "benchmarks/RESULTS.md",
        *sorted(f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md"))]

# Figures that are definitions, not measurements.
CONSTANTS = {
    "0.01": "ring8's σ, and WGAN's clip bound c",
    "0.05": "grid25's σ",
    "0.1": "WGAN-GP's toy-code λ, and three-mode's σ",
    "10.0": "WGAN-GP's λ as written in a config",
    "0.5": "Adam's β1 (DCGAN, the WGAN-GP toy code); the N(3, 0.5²) target",
    "0.999": "Adam's β2 (the DCGAN paper)",
    "0.9": "Adam's β2 (WGAN-GP); the classifier's confidence threshold",
    "0.0": "Adam's β1 (WGAN-GP)",
    "0.02": "DCGAN's initialisation std",
    "0.2": "LeakyReLU's slope (DCGAN); the scale example's masses",
    "98.9": "1 − exp(−4.5): the share of a 2-D Gaussian within 3σ",
    "4.5": "(3σ)² / 2σ², the exponent in that share",
    "3.10": "the Python version gandojo needs",
    "0.5714": "8/14, the worked example's cost per unit of mass (DESIGN.md)",
    "0.1905": "8/14/3, the worked example divided by the largest distance (DESIGN.md)",
    "2.67": "8/3, the worked example's mean move for a plan that moves 3 cells",
    "1.0": "the worked example's mean move for a plan that moves 8 cells one step each",
    "1.10": "log 3, the reverse KL of a generator on one of three equal modes",
    "2.28": "log(1797/183), the class KL of a threes-only generator",
    "0.002": "the sampling-noise floor of ring8's reverse KL with 2,500 samples (DESIGN.md)",
    "0.005": "the same for grid25",
    "75": "the classifier's training split (75% / 25%)",
    "25": "the classifier's held-out split",
    "100": "a share of all samples",
    "33.3": "one third: three-mode's data shares",
    "0.99": "the bound test_minimax_saturates_where_nonsaturating_does_not asserts at logit −8",
}

NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?=\s?%)"  # a percentage
                    r"|(?<![\w.,])(\d+\.\d+)(?![\d])"  # a decimal number
                    r"|(?<![\w.])(\d+(?:\.\d+)?)(?=\s?[x×](?!\w))")  # a ratio, 13x or 1.5×


def quoted_numbers(text: str) -> list[str]:
    """Decimal numbers, percentages and ratios of a Markdown text, outside command lines and inline code."""
    kept = []
    fence = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = None if fence is not None else stripped[3:].strip() or "text"
            continue
        if fence in ("bash", "sh", "python") and not stripped.startswith("#") and "#" not in line:
            continue  # a command line: its numbers are inputs
        if fence in ("bash", "sh") or stripped.startswith("$ "):
            line = line.split("#", 1)[1] if "#" in line and not stripped.startswith("$ ") else ""
        elif fence == "python":
            line = line.split("#", 1)[1] if "#" in line else ""
        line = re.sub(r"`[^`]*`", "", line)  # inline code: inputs and names
        kept.append(line)
    found = []
    for match in NUMBER.finditer("\n".join(kept)):
        found.append(next(g for g in match.groups() if g))
    return found


def saved_outputs() -> str:
    return "\n".join(p.read_text() for p in sorted(RESULTS.glob("*.txt")))


@pytest.mark.parametrize("doc", DOCS)
def test_every_quoted_number_is_in_a_saved_output(doc):
    outputs = saved_outputs()
    missing = sorted({n for n in quoted_numbers((ROOT / doc).read_text()) if n not in CONSTANTS
                      and not re.search(rf"(?<![\d]){re.escape(n)}(?![\d])", outputs)})
    assert not missing, f"{doc} quotes numbers that no file in benchmarks/results/ holds: {missing}"


def test_results_md_is_assembled_from_the_saved_outputs():
    spec = importlib.util.spec_from_file_location("write_results", ROOT / "benchmarks" / "write_results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "benchmarks" / "RESULTS.md").read_text() == module.render(), \
        "RESULTS.md is out of date: run python benchmarks/write_results.py"


def test_the_check_finds_an_unmeasured_number():
    text = "We reach 97.3% high quality, 4.2x faster, W1 0.137.\n```bash\ngandojo train optim.lr=0.5\n```\n" \
           "`model.hidden=256.5` stays out"
    assert quoted_numbers(text) == ["97.3", "4.2", "0.137"]
