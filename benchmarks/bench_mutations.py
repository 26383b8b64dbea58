"""Can the tests fail? Break one behaviour at a time in a copy of the package and run the suite against it.

    python benchmarks/bench_mutations.py              # about 40 minutes on 2 cores
    python benchmarks/bench_mutations.py load-no-op   # one mutant

Each mutant is a small text change to a copy of ``src/gandojo`` (the checkpoint load does nothing, the
gradient penalty is 0, ...); the suite runs against the copy (``PYTHONPATH``) up to its first failure, which the
report names. First the unmutated copy must pass the whole suite (else the benchmark stops: a failure would not
be the mutant's). A mutant the suite does not notice is reported as SURVIVED: a behaviour the tests claim but do
not prove. Writes benchmarks/results/mutations.txt.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
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
    "penalty-dropped": ("objectives.py", 'return [("gradient_penalty", cfg.gp_lambda, penalty),',
                        'return [("gradient_penalty", 0.0, penalty),',
                        "WGAN-GP leaves the penalty out of the critic's loss"),
    "window-lost": ("runs/runner.py", '        if payload is not None and "run" in payload:', "        if False:",
                    "the logging window's partial sums are not restored on resume"),
    "no-time-checkpoints": ("runs/hooks.py", " or _clock() - self.last_checkpoint >= cfg.checkpoint_seconds", "",
                            "checkpoints by steps only"),
    "no-clipping": ("objectives.py", "            p.detach().clamp_(-cfg.clip, cfg.clip)", "            pass",
                    "WGAN's weights are not clipped"),
    "no-nan-guard": ("train.py", "        grads = [p.grad for p in module.parameters() if p.grad is not None]",
                     "        return", "NaN/inf losses and gradients are not checked"),
    "second-signal-ignored": ("runs/runner.py", "            raise SignalStop(signum)\n", "            pass\n",
                              "a second Ctrl-C or SIGTERM does not stop at once"),
    "classifier-threads": ("metrics/classifier.py", "    torch.set_num_threads(1)\n", "    pass\n",
                           "the digits classifier trains on the caller's thread count"),
    "ema-frozen": ("train.py", "            torch._foreach_lerp_(list(self.ema_generator.parameters()), "
                   "list(self.generator.parameters()), 1 - decay)", "            pass",
                   "the moving average of G never moves"),
    "r1-dropped": ("objectives.py", "terms.append((name, weight / 2, zero_centred_penalty(scores, inputs)))",
                   "terms.append((name, 0.0, zero_centred_penalty(scores, inputs)))",
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
    "sigterm-ignored": ("runs/runner.py", "STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)",
                        "STOP_SIGNALS = (signal.SIGINT,)", "SIGTERM and SIGHUP kill the run as before"),
    "signal-not-agreed": ("runs/hooks.py", "            code = self.SIGNALLED + stop.signum",
                          "            code = self.GO",
                          "under torchrun, a signal seen by rank 0 alone stops no other rank"),
    "lock-no-op": ("runs/folder.py", "            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)", "            pass",
                   "a second writer is not refused"),
    "partial-files-left": ("atomic.py", "        if tmp is not None:\n            Path(tmp).unlink(missing_ok=True)\n"
                           "        raise WriteError", "        raise WriteError",
                           "a failed write leaves its temporary file"),
    "torn-log-line": ("atomic.py", "            os.ftruncate(fd, end)  # freeing blocks works on a full disk",
                      "            pass", "a log line cut short by a full disk stays in metrics.jsonl"),
    "log-not-cut-back": ("runs/folder.py", '        kept = [r for r in read_metrics(path) if r.get("step", 0) <= step]',
                         "        kept = read_metrics(path)", "a resume keeps the log lines past its checkpoint"),
    "write-error-raw": ("runs/runner.py", "        raise RunWriteError(error, run_dir, hooks.saved_step, recorded) "
                        "from None", "        raise error", "a full disk is not told with the last good checkpoint"),
    "snapshot-failure-fatal": ("runs/hooks.py", "        except WriteError as err:\n            self.progress.message",
                               "        except ZeroDivisionError as err:\n            self.progress.message",
                               "a snapshot that cannot be written ends training"),
    "critic-step-moves-g": ("train.py", '        self.d_step += 1\n        stats["loss_d"] = loss.detach()',
                            '        self.d_step += 1\n        self._update_ema()\n'
                            '        stats["loss_d"] = loss.detach()',
                            "a critic step also moves G's moving average"),
    "lsgan-target-off": ("objectives.py", "    return 0.5 * ((d_real - 1).square().mean() + d_fake.square().mean())",
                         "    return 0.5 * (d_real.square().mean() + d_fake.square().mean())",
                         "least squares pulls real scores to 0 instead of 1"),
    "hinge-margin-off": ("objectives.py", "    return (1 - d_real).relu().mean() + (1 + d_fake).relu().mean()",
                         "    return (-d_real).relu().mean() + d_fake.relu().mean()",
                         "the hinge loses its margin of 1"),
    "layer-broken": ("data/points.py", "from gandojo.data.base import Kind\n",
                     "from gandojo.data.base import Kind\nfrom gandojo.runs import folder  # noqa: F401\n",
                     "the data layer imports the run folder above it"),
    "play-d-only-moves-g": ("play/session.py",
                            "        stats = {k: v.item() for k, v in self.trainer.critic_step().stats.items()}\n",
                            "        stats = {k: v.item() for k, v in self.trainer.critic_step().stats.items()}\n"
                            "        self.trainer.generator_step()\n", "play's D only also takes a generator step"),
    "play-token-ignored": ("play/app.py", 'return secrets.compare_digest(request.query_params.get("token", ""), '
                           "settings.token)", "return True", "the play server serves anyone without its token"),
    "play-origin-ignored": ("play/app.py", 'return request.headers.get("origin") in settings.allowed_origins()',
                            "return True", "the play socket takes commands from any web page's origin"),
    "play-any-key": ("play/session.py", "        if key not in LIVE_KEYS and key not in RESET_KEYS:",
                     "        if False:", "the play page may change any config key"),
    "play-live-resets": ("play/session.py", "        live = all(key in LIVE_KEYS for key in command.changes)",
                         "        live = False", "a live change (a learning rate) rebuilds the players from scratch"),
}


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """Build outputs and run folders stay behind (the top-level runs/, not the gandojo.runs package)."""
    skip = {n for n in names if n in (".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis")
            or n.endswith(".egg-info")}
    if Path(folder) == ROOT:
        skip |= {n for n in names if n == "runs"}
    return skip


def run_suite(copy: Path, tmp: Path, name: str, *, first_failure: bool) -> subprocess.CompletedProcess:
    """The suite in ``copy``, against its own sources (``PYTHONPATH``, ahead of the installed editable package)."""
    env = {**os.environ, "PYTHONPATH": str(copy / "src")}
    # the documents' numbers check reads saved outputs, not behaviour: left out here. A temporary folder of its
    # own: pytest prunes old ones under /tmp/pytest-of-USER, which another run meanwhile would otherwise lose
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={tmp}/{name}-t",
               "--ignore", "tests/test_docs_numbers.py", *(["-x"] if first_failure else [])]
    # a session of its own: what a mutant leaves running (a torchrun job whose time limit is ignored) is killed with
    # it, not left to load the machine under the next mutants
    proc = subprocess.Popen(command, cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    out, err = proc.communicate()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def failures(proc: subprocess.CompletedProcess) -> list[str]:
    return [line.split(" - ")[0].removeprefix("FAILED ") for line in proc.stdout.splitlines()
            if line.startswith(("FAILED", "ERROR"))]


def run_mutant(name: str, tmp: Path) -> tuple[bool, str, float]:
    """Copy the checkout (sources, tests, settings), change one file, run the suite there up to its first failure
    (the unmutated copy passes whole, checked first: so the failure is the mutant's)."""
    file, old, new, _ = MUTANTS[name]
    copy = tmp / name
    shutil.copytree(ROOT, copy, ignore=_not_copied)
    path = copy / "src" / "gandojo" / file
    text = path.read_text()
    if text.count(old) != 1:
        raise SystemExit(f"mutant {name}: the text to change is not in {file} exactly once; update MUTANTS")
    path.write_text(text.replace(old, new))
    started = time.perf_counter()
    proc = run_suite(copy, tmp, name, first_failure=True)
    seconds = time.perf_counter() - started
    shutil.rmtree(copy, ignore_errors=True)
    failed = failures(proc)
    where = failed[0] if failed else proc.stdout.strip().splitlines()[-1]
    return proc.returncode != 0, where, seconds


def baseline(tmp: Path) -> float:
    """The unmutated copy's whole suite must pass, or no mutant's failure means anything."""
    copy = tmp / "unmutated"
    shutil.copytree(ROOT, copy, ignore=_not_copied)
    started = time.perf_counter()
    proc = run_suite(copy, tmp, "unmutated", first_failure=False)
    if proc.returncode != 0:
        raise SystemExit("the unmutated copy fails: " + ", ".join(failures(proc)[:5]) + "\n" + proc.stdout[-3000:])
    shutil.rmtree(copy, ignore_errors=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, bool]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mutants", nargs="*", choices=[*MUTANTS, []], help="default: all")
    args = parser.parse_args(argv)
    names = args.mutants or list(MUTANTS)
    results = {}
    with recorded("mutations", "python benchmarks/bench_mutations.py " + " ".join(args.mutants)), \
            tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:  # a child may still be writing
        print(f"{'unmutated':<22} {'the checkout as it is':<66} passes whole ({baseline(Path(tmp)):.0f} s)",
              flush=True)
        for name in names:
            caught, where, seconds = run_mutant(name, Path(tmp))
            results[name] = caught
            verdict = "caught by" if caught else "SURVIVED:"
            print(f"{name:<22} {MUTANTS[name][3]:<66} {verdict} {where} ({seconds:.0f} s)", flush=True)
        print(f"\n{sum(results.values())} / {len(results)} mutants caught")
    return results


if __name__ == "__main__":
    main()
