"""How fast the play page runs: frames delivered per second to a client, training speed in the page against
``gandojo train`` on the same config, the size of a frame, and memory over a long session.

    python benchmarks/bench_play.py                 # about 13 minutes: a 10-minute session
    python benchmarks/bench_play.py --minutes 1     # a shorter one

ring8 with the best recipe's networks (what ``gandojo play --data ring8`` starts), every layer on (a 64×64
heatmap of D, 512 fake samples with their gradients, a 21×21 manifold, the metrics once a second, the exact W1
every 4 s). The server is the real command, ``gandojo play --no-browser --port 0``, in a process of its own; the
client is a WebSocket client in this process that reads every frame the server sends, as a page does; memory is
the server process's. Run on an otherwise idle machine. Writes benchmarks/results/play.txt.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from websockets.sync.client import connect

from gandojo.config import requested_config, save_yaml
from gandojo.play.app import PlaySettings, serve

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import recorded  # noqa: E402

TARGETS = {"fps": 20.0, "speed": 0.7, "frame_kb": 40.0}


def train_speed(config, tmp: Path, steps: int) -> float:
    """Steps per second of ``gandojo train`` on this config, run as a user runs it (its own summary)."""
    save_yaml(replace(config, train=replace(config.train, steps=steps)), tmp / "reference.yaml")
    subprocess.run([sys.executable, "-m", "gandojo", "train", "--preset", str(tmp / "reference.yaml"), "--out",
                    str(tmp / "reference"), "--quiet"], check=True, capture_output=True)
    return json.loads((tmp / "reference" / "summary.json").read_text())["steps_per_second"]


def rss_mb(pid: int) -> float:
    """A process's resident memory now, in MB (Linux's /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    """A page without a browser: reads every message, counts frames, bytes and the step they show."""

    def __init__(self, url: str, origin: str):
        ws_url = url.replace("http://", "ws://").replace("/?token=", "/ws?token=")
        self.socket = connect(ws_url, origin=origin, max_size=2**24)
        self.frames, self.largest, self.step = 0, 0, 0

    def send(self, message: dict) -> None:
        self.socket.send(json.dumps(message))

    def read_for(self, seconds: float) -> tuple[int, int]:
        """Frames and steps seen in ``seconds`` of reading."""
        frames0, step0 = self.frames, self.step
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                message = self.socket.recv(timeout=1.0)
            except TimeoutError:
                continue
            if isinstance(message, bytes):
                n = struct.unpack("<I", message[:4])[0]
                header = json.loads(message[4:4 + n])
                if header["type"] == "frame":
                    self.frames += 1
                    self.largest = max(self.largest, len(message))
                    self.step = header["step"]
        return self.frames - frames0, self.step - step0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the long session (memory)")
    parser.add_argument("--sweep-seconds", type=float, default=15.0, help="seconds per steps-per-frame setting")
    parser.add_argument("--screenshot", type=Path, help="only take the README's picture of the page into this PNG "
                        "(side by side: the collapsing GAN beside WGAN-GP, in Debian's chromium)")
    args = parser.parse_args(argv)
    if args.screenshot:
        screenshot(args.screenshot)
        return
    command = "python benchmarks/bench_play.py" + ("" if args.minutes == 10 else f" --minutes {args.minutes:g}")
    with recorded("play", command), tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config, recipe = requested_config(data="ring8", overrides=["data.name=ring8"])
        print(f"config: {recipe} on ring8 (batch {config.train.batch_size}, {config.model.hidden} units x "
              f"{config.model.depth} layers), every layer on: 64x64 heatmap, 512 samples with gradients, 21x21 "
              "manifold")
        reference = train_speed(config, tmp, 1500)
        print(f"gandojo train on the same config: {reference:.1f} steps/s")
        server = subprocess.Popen([sys.executable, "-m", "gandojo", "play", "--no-browser", "--port", "0", "--data",
                                   "ring8", "--out", str(tmp / "out")], stdout=subprocess.PIPE, text=True)
        url = re.search(r"open (http://\S+)", server.stdout.readline())[1]
        port = int(re.search(r":(\d+)/", url)[1])
        client = Client(url, f"http://127.0.0.1:{port}")
        client.read_for(2.0)
        print("\nsteps per frame   frames/s   steps/s   vs train")
        client.send({"type": "play"})
        rows = {}
        for spf in (1, 2, 3, 4, 6):
            client.send({"type": "steps_per_frame", "value": spf})
            client.read_for(2.0)  # settle
            frames, steps = client.read_for(args.sweep_seconds)
            rows[spf] = (frames / args.sweep_seconds, steps / args.sweep_seconds)
            print(f"{spf:>15}   {rows[spf][0]:8.1f}   {rows[spf][1]:7.1f}   {rows[spf][1] / reference:7.2f}x")
        default = 3
        client.send({"type": "steps_per_frame", "value": default})
        client.read_for(2.0)
        samples = [(0.0, rss_mb(server.pid))]
        started = time.monotonic()
        total_frames0, step0 = client.frames, client.step
        while time.monotonic() - started < args.minutes * 60:
            client.read_for(min(30.0, args.minutes * 60 - (time.monotonic() - started)))
            samples.append(((time.monotonic() - started) / 60, rss_mb(server.pid)))
        seconds = time.monotonic() - started
        fps = (client.frames - total_frames0) / seconds
        speed = (client.step - step0) / seconds / reference
        print(f"\n{args.minutes:g}-minute session at {default} steps per frame: {fps:.1f} frames/s, "
              f"{(client.step - step0) / seconds:.1f} steps/s = {speed:.2f}x gandojo train, largest frame "
              f"{client.largest / 1000:.1f} kB")
        first = next(mb for minute, mb in samples if minute >= min(1.0, args.minutes / 2))
        print("memory of the server process (MB) at minute " +
              ", ".join(f"{minute:.1f}: {mb:.0f}" for minute, mb in samples[:: max(1, len(samples) // 10)]) +
              f"; from minute 1 to the end {samples[-1][1] - first:+.0f} MB")
        print("\ntargets:")
        for name, value, target, unit in (("frames per second", fps, TARGETS["fps"], ""),
                                          ("training speed vs gandojo train", speed, TARGETS["speed"], "x"),
                                          ("largest frame (kB)", client.largest / 1000, TARGETS["frame_kb"], "")):
            met = value <= target if "kB" in name else value >= target
            print(f"  {name}: {value:.2f}{unit} (target {'at most' if 'kB' in name else 'at least'} {target:g}{unit}) "
                  f"{'met' if met else 'NOT MET'}")
        growth = samples[-1][1] - first
        print(f"  memory flat over the session: {growth:+.0f} MB after minute 1 "
              f"({'met' if growth < 50 else 'NOT MET'}: less than 50 MB of growth)")
        client.socket.close()
        server.terminate()
        server.wait(timeout=60)


def screenshot(path: Path, seconds: float = 40.0) -> None:
    """The page with the seed's comparison, after ``seconds`` of play, in a real browser."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        config, _ = requested_config(data="ring8", overrides=["data.name=ring8"])
        stop, ready = threading.Event(), []
        settings = PlaySettings(config=config, out=Path(tmp), port=0)
        server = threading.Thread(target=serve, args=(settings,), kwargs={"on_ready": ready.append, "stop": stop},
                                  daemon=True)
        server.start()
        while not ready:
            time.sleep(0.05)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1500, "height": 1150})
            page.goto(ready[0])
            page.wait_for_selector("canvas.plane")
            page.select_option("#preset", "collapse-vs-wgan-gp")
            page.click("#compare")
            time.sleep(3)
            page.click("#play")
            time.sleep(seconds)
            page.click("#pause")
            time.sleep(1.5)
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True)
            browser.close()
        stop.set()
        server.join(timeout=30)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
