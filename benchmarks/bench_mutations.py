"""Can the tests fail? Break one behaviour at a time in a copy of the package and run the suite against it.

    python benchmarks/bench_mutations.py              # about 10 minutes on 2 cores
    python benchmarks/bench_mutations.py load-no-op   # one mutant

Each mutant is a small text change to a copy of ``src/gandojo`` (the checkpoint load does nothing, the
gradient penalty is 0, ...); the whole suite runs against the copy (``PYTHONPATH``) and the report lists its
failures. A mutant the suite does not notice is reported as SURVIVED: a behaviour the tests claim but do not
prove. Writes benchmarks/results/mutations.txt.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import recorded  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# name: (file under src/gandojo, text to find, replacement, what breaks)
MUTANTS = {
    "load-no-op": ("train.py", "    def load_state_dict(self, state: dict[str, Any]) -> None:\n",
                   "    def load_state_dict(self, state: dict[str, Any]) -> None:\n        return\n",
                   "loading a checkpoint does nothing (resume retrains from step 0)"),
    "penalty-zero": ("objectives.py", "    return ((grad_norm - 1) ** 2).mean(), grad_norm",
                     "    return 0 * ((grad_norm - 1) ** 2).mean(), grad_norm", "the gradient penalty is 0"),
    "penalty-dropped": ("train.py", "loss = loss + cfg.gp_lambda * penalty", "loss = loss + 0 * penalty",
                        "the trainer leaves the penalty out of the critic's loss"),
    "window-lost": ("runs/runner.py", '    if payload is not None and "run" in payload:', "    if False:",
                    "the logging window's partial sums are not restored on resume"),
    "no-time-checkpoints": ("runs/hooks.py", " or _clock() - self.last_checkpoint >= cfg.checkpoint_seconds", "",
                            "checkpoints by steps only"),
    "no-clipping": ("train.py", "                    p.clamp_(-cfg.clip, cfg.clip)", "                    pass",
                    "WGAN's weights are not clipped"),
    "no-nan-guard": ("train.py", "        grads = [p.grad for p in module.parameters() if p.grad is not None]",
                     "        return", "NaN/inf losses and gradients are not checked"),
    "second-ctrl-c-ignored": ("runs/runner.py", "            raise KeyboardInterrupt\n", "            pass\n",
                              "a second Ctrl-C does not stop at once"),
    "classifier-threads": ("metrics/classifier.py", "    torch.set_num_threads(1)\n", "    pass\n",
                           "the digits classifier trains on the caller's thread count"),
    "ema-frozen": ("train.py", "                average.lerp_(current, 1 - decay)", "                pass",
                   "the moving average of G never moves"),
    "r1-dropped": ("train.py", "                loss = loss + weight / 2 * penalty", "                loss = loss",
                   "the R1/R2 penalty is logged but left out of D's loss"),
    "pack-ignored": ("train.py", "        return self.discriminator(pack_samples(x, self.pack))",
                     "        return self.discriminator(pack_samples(x, 1))[: len(x) // self.pack]",
                     "D judges samples one by one whatever objective.pack says"),
    "minibatch-std-blind": ("models/common.py", "        spread = x.std(dim=0, unbiased=False).mean()",
                            "        spread = 0 * x.std(dim=0, unbiased=False).mean()",
                            "minibatch standard deviation always shows D a spread of 0"),
    "time-limit-ignored": ("runs/hooks.py", "            raise TimeLimitReached(step)", "            pass",
                           "train.time_limit is never enforced"),
    "seeds-shared": ("seeds.py", "    children = np.random.SeedSequence(int(seed)).spawn(len(STREAMS))",
                     "    children = [np.random.SeedSequence(int(seed) + i) for i in range(len(STREAMS))]",
                     "stream i of seed s is stream 0 of seed s + i"),
}


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """Build outputs and run folders stay behind (the top-level runs/, not the gandojo.runs package)."""
    skip = {n for n in names if n in (".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis")
            or n.endswith(".egg-info")}
    if Path(folder) == ROOT:
        skip |= {n for n in names if n == "runs"}
    return skip


def run_mutant(name: str, tmp: Path) -> tuple[bool, str, float]:
    """Copy the checkout (sources, tests, settings), change one file, run the whole suite there."""
    file, old, new, _ = MUTANTS[name]
    copy = tmp / name
    shutil.copytree(ROOT, copy, ignore=_not_copied)
    path = copy / "src" / "gandojo" / file
    text = path.read_text()
    if text.count(old) != 1:
        raise SystemExit(f"mutant {name}: the text to change is not in {file} exactly once; update MUTANTS")
    path.write_text(text.replace(old, new))
    env = {**os.environ, "PYTHONPATH": str(copy / "src")}  # ahead of the installed (editable) package
    started = time.perf_counter()
    # the documents' numbers check reads saved outputs, not behaviour: left out here
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--ignore",
                           "tests/test_docs_numbers.py"], cwd=copy, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    failed = [line.split(" - ")[0].removeprefix("FAILED ") for line in proc.stdout.splitlines()
              if line.startswith("FAILED")]
    where = (f"{len(failed)} failing tests, e.g. {', '.join(failed[:3])}" if failed
             else proc.stdout.strip().splitlines()[-1])
    return proc.returncode != 0, where, seconds


def main(argv: list[str] | None = None) -> dict[str, bool]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mutants", nargs="*", choices=[*MUTANTS, []], help="default: all")
    args = parser.parse_args(argv)
    names = args.mutants or list(MUTANTS)
    results = {}
    with recorded("mutations", "python benchmarks/bench_mutations.py " + " ".join(args.mutants)), \
            tempfile.TemporaryDirectory() as tmp:
        for name in names:
            caught, where, seconds = run_mutant(name, Path(tmp))
            results[name] = caught
            verdict = "caught by" if caught else "SURVIVED:"
            print(f"{name:<22} {MUTANTS[name][3]:<66} {verdict} {where} ({seconds:.0f} s)", flush=True)
        print(f"\n{sum(results.values())} / {len(results)} mutants caught")
    return results


if __name__ == "__main__":
    main()
