"""Data-parallel throughput: images/s of gandojo's training loop in 1 process and in 2 torchrun processes.

    python benchmarks/bench_distributed.py                 # about 2 minutes on 2 cores
    python benchmarks/bench_distributed.py --steps 60 --cases dcgan32

For each case the same global batch is trained (a) by one process with 2 torch threads and (b) by
`torchrun --standalone --nproc_per_node=2`, each process with 1 thread and half the batch, through gandojo's
own DDP path (gloo on CPU, nccl on CUDA). Warm-up steps are not timed; every rank starts and stops the clock
at a barrier. Run on an otherwise idle machine. Writes benchmarks/results/distributed.txt.

On this 2-core machine two processes cannot beat one process with two threads: the cores are the same, and
DDP adds an all-reduce of every gradient each step. The point of the run here is that the same command scales
where there are more cores, GPUs or machines (see the commands printed at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CASES = {
    # the DCGAN: 32x32 digits, the classic 4x4 head, width 64, batch 64
    "dcgan32": ["data.name=digits", "model.family=dcgan", "data.image_size=32", "model.classic_head=true",
                "model.width=64", "model.extra_layers=0", "model.latent_dim=100", "train.batch_size=64"],
    # the toy MLPs on ring8, batch 256
    "ring8": ["data.name=ring8", "train.batch_size=256"],
}


def config_for(case: str, device: str):
    from gandojo.config import Config, apply_overrides, resolve, with_objective

    return resolve(apply_overrides(with_objective(Config(), "gan"), [*CASES[case], f"train.device={device}"]))


def measure(case: str, steps: int, warmup: int, device: str) -> dict:
    """Run in each process (under torchrun or alone): train ``warmup`` untimed steps, then ``steps`` timed ones."""
    import torch

    from gandojo import distributed
    from gandojo.data import load_data
    from gandojo.train import Trainer

    world = distributed.world_from_env(os.environ)
    if world.distributed:
        distributed.start(world)
    try:
        config = config_for(case, device)
        trainer = Trainer(config, load_data(config.data), world=world)
        for _ in range(warmup):
            trainer.step()

        def sync():
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            if world.distributed:
                torch.distributed.barrier()

        sync()
        started = time.perf_counter()
        for _ in range(steps):
            trainer.step()
        sync()
        seconds = time.perf_counter() - started
        return {"case": case, "processes": world.world_size, "threads": torch.get_num_threads(),
                "batch": config.train.batch_size, "steps": steps, "seconds": seconds,
                "images_per_second": steps * config.train.batch_size / seconds, "rank": world.rank}
    finally:
        distributed.stop()


def launch(case: str, processes: int, threads: int, steps: int, warmup: int, device: str) -> dict:
    worker = [__file__, "--worker", case, "--steps", str(steps), "--warmup", str(warmup), "--device", device]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    if processes == 1:
        command = [sys.executable, *worker]
    else:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
                   *worker]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return next(line for line in lines if line["rank"] == 0)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--steps", type=int, default=40, help="timed generator steps per run")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine (one GPU per process)")
    parser.add_argument("--processes", type=int, default=2, help="processes of the data-parallel run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        row = measure(args.worker, args.steps, args.warmup, args.device)
        if row["rank"] == 0:
            print(json.dumps(row), flush=True)
        return []
    from recorded import recorded

    cores = os.cpu_count() or 1
    command = (f"python benchmarks/bench_distributed.py --steps {args.steps} --warmup {args.warmup} "
               f"--device {args.device} --processes {args.processes} --cases {' '.join(args.cases)}")
    rows = []
    with recorded("distributed" if args.device == "cpu" else f"distributed_{args.device}", command):
        print(f"{'case':<9} {'processes':>9} {'threads each':>12} {'global batch':>12} {'images/s':>10} "
              f"{'vs 1 process':>12}")
        for case in args.cases:
            single = launch(case, 1, cores, args.steps, args.warmup, args.device)
            multi = launch(case, args.processes, max(1, cores // args.processes), args.steps, args.warmup,
                           args.device)
            for row in (single, multi):
                rows.append(row)
                ratio = row["images_per_second"] / single["images_per_second"]
                print(f"{case:<9} {row['processes']:>9} {row['threads']:>12} {row['batch']:>12} "
                      f"{row['images_per_second']:>10.0f} {ratio:>11.2f}x", flush=True)
        print(f"\n{cores} cores here: {args.processes} processes share them with one process's {cores} threads, and "
              "add an all-reduce of every gradient each step, so they cannot be faster here; data parallelism pays "
              "where each process has its own cores or GPU.")
        print("One machine, several GPUs:  torchrun --standalone --nproc_per_node=NGPU -m gandojo train "
              "--preset digits-dcgan train.device=cuda --out runs/ddp")
        print("Several machines (on each): torchrun --nnodes=2 --nproc_per_node=NGPU --rdzv-backend=c10d "
              "--rdzv-endpoint=HOST:29500 --rdzv-id=gandojo -m gandojo train --preset digits-dcgan "
              "train.device=cuda --out runs/ddp")
    return rows


if __name__ == "__main__":
    main()
