"""`make demo`'s job, measured: ``gandojo tour`` (full and ``--quick``) from a cold classifier cache, as on a
fresh machine, with the time of each of its six steps.

    python benchmarks/bench_tour.py            # about 3 minutes on 2 cores
    python benchmarks/bench_tour.py --docs     # also the README's screenshots (needs chromium)

Prints what the tour prints. Writes benchmarks/results/tour.txt; with ``--docs``, docs/tour.png (tour.html)
and docs/report.png (the DCGAN run's report.html), taken with headless Chromium.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gandojo.tour import tour

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import recorded  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"


def screenshot(page: Path, png: Path, *, width: int = 1100, height: int = 1600) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("--docs needs chromium (Debian: apt-get install chromium)")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={png}", f"--window-size={width},{height}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", action="store_true", help="write docs/tour.png and docs/report.png")
    args = parser.parse_args(argv)
    with recorded("tour", "python benchmarks/bench_tour.py"), tempfile.TemporaryDirectory() as tmp:
        for quick in (False, True):
            name = "gandojo tour --quick" if quick else "gandojo tour"
            printed = io.StringIO()
            started = time.perf_counter()
            page = tour(Path(tmp) / ("quick" if quick else "full"), quick=quick, stream=printed,
                        cache_dir=Path(tmp) / ("cache-quick" if quick else "cache"))
            total = time.perf_counter() - started
            print(f"\n$ {name}   (cold classifier cache)")
            print(printed.getvalue().rstrip())
            steps = re.findall(r"^\[(\d)\. [^:]+: ([\d.]+) s\]$", printed.getvalue(), re.M)
            print(f"{name}: {total:.1f} s in all; by step: " + ", ".join(f"{n}: {s} s" for n, s in steps))
            if args.docs and not quick:
                screenshot(page, DOCS / "tour.png")
                screenshot(page.parent / "6-dcgan" / "report.html", DOCS / "report.png")


if __name__ == "__main__":
    main()
