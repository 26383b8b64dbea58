"""gandojo play's server: its security (token, Host, Origin), each control reaching the trainer (D only moves only
D, G only only G, a learning rate reaches the optimizer), refused values changing nothing, bounded uploads, saving
a session as a run folder the other commands take, a session without live changes ending where gandojo train
ends, and 1,000 hostile messages answered with errors while nothing changes."""

import asyncio
import json
import random
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from gandojo.cli import main
from gandojo.config import apply_overrides, requested_config
from gandojo.play.app import MAX_UPLOAD_BYTES, Outbox, PlaySettings, create_app
from gandojo.play.frames import encode
from gandojo.runs.checkpoint import load_checkpoint
from gandojo.runs.runner import train_run
from run_helpers import flatten

TINY = ["model.hidden=16", "model.depth=2", "train.batch_size=32", "train.log_every=5", "train.eval_every=1000",
        "train.eval_samples=300", "train.sample_every=1000", "train.checkpoint_every=1000"]
PORT = 8750
ORIGIN = {"origin": f"http://testserver:{PORT}"}


def tiny(objective: str = "gan", *extra: str):
    config, _ = requested_config(objective=objective, overrides=[*TINY, *extra])
    return config


@pytest.fixture
def server(tmp_path):
    settings = PlaySettings(config=tiny(), out=tmp_path / "out", host="testserver", port=PORT)
    app = create_app(settings)
    with TestClient(app) as client:
        client.settings = settings
        client.sessions = app.state.sessions
        client.pages = []
        yield client
        close_pages(client)


def close_pages(client) -> None:
    """Each page's socket closed, so that the app can shut down."""
    for page in client.pages:
        page.socket.close()
        page.context.__exit__(None, None, None)


def decode(data: bytes) -> tuple[dict, bytes]:
    n = struct.unpack("<I", data[:4])[0]
    return json.loads(data[4:4 + n]), data[4 + n:]


class Page:
    """A page's side of the socket: send commands, read what comes back."""

    def __init__(self, client, socket):
        self.client, self.socket = client, socket
        self.session_id = self.until(lambda m: m.get("type") == "session")["id"]
        self.frame = self.until_frame()

    @property
    def session(self):
        return self.client.sessions.by_id[self.session_id]

    def receive(self) -> dict:
        message = self.socket.receive()
        if message.get("bytes") is not None:
            header, _ = decode(message["bytes"])
            return header
        return json.loads(message["text"])

    def until(self, predicate, limit: int = 400) -> dict:
        for _ in range(limit):
            message = self.receive()
            if predicate(message):
                return message
        raise AssertionError("the expected message never came")

    def until_frame(self, **match) -> dict:
        return self.until(lambda m: m.get("type") == "frame" and all(m.get(k) == v for k, v in match.items()))

    def send(self, message) -> None:
        self.socket.send_text(message if isinstance(message, str) else json.dumps(message))

    def reply(self) -> dict:
        return self.until(lambda m: m.get("type") in ("ok", "error", "saved"))


def connect(client) -> Page:
    context = client.websocket_connect(f"/ws?token={client.settings.token}", headers=ORIGIN)
    page = Page(client, context.__enter__())
    page.context = context
    client.pages.append(page)
    return page


def params(module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def same(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


# --- security -------------------------------------------------------------------------------------------------

def test_the_token_is_required_everywhere(server):
    token = server.settings.token
    assert server.get("/").status_code == 403
    assert server.get("/?token=wrong").status_code == 403
    page = server.get(f"/?token={token}")
    assert page.status_code == 200 and f'data-token="{token}"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert server.get("/static/play.js").status_code == 403
    assert server.get(f"/static/play.js?token={token}").status_code == 200
    assert server.get(f"/static/../app.py?token={token}").status_code == 404
    with pytest.raises(WebSocketDisconnect), server.websocket_connect("/ws?token=wrong", headers=ORIGIN) as ws:
        ws.receive()


def test_a_wrong_host_or_origin_gets_nothing(server):
    token = server.settings.token
    assert server.get(f"/?token={token}", headers={"host": "evil.example"}).status_code == 400  # DNS rebinding
    for origin in ({"origin": "http://evil.example"}, {}):  # a cross-site page, or no origin at all
        with pytest.raises(WebSocketDisconnect), server.websocket_connect(f"/ws?token={token}", headers=origin) as ws:
            ws.receive()
    page = connect(server)
    answer = server.post(f"/upload?token={token}&session={page.session_id}&name=x.csv", content=b"1,2\n3,4\n",
                         headers={"origin": "http://evil.example"})
    assert answer.status_code == 403


# --- each control reaches the trainer ---------------------------------------------------------------------

def test_d_only_moves_only_d_and_g_only_only_g(server):
    page = connect(server)
    trainer = page.session.lanes[0].trainer
    g, d = params(trainer.generator), params(trainer.discriminator)
    page.send({"type": "d_only"})
    frame = page.until_frame()
    assert (frame["step"], frame["d_step"]) == (0, 1)
    assert same(params(trainer.generator), g) and not same(params(trainer.discriminator), d)
    g, d = params(trainer.generator), params(trainer.discriminator)
    page.send({"type": "g_only"})
    frame = page.until_frame()
    assert (frame["step"], frame["d_step"]) == (1, 1)
    assert same(params(trainer.discriminator), d) and not same(params(trainer.generator), g)
    assert [c["change"] for c in page.session.lanes[0].changes] == ["D only: one critic step",
                                                                    "G only: one generator step"]


def test_a_learning_rate_reaches_the_optimizer_without_a_reset(server):
    page = connect(server)
    page.send({"type": "step"})
    page.until_frame(step=1)
    trainer = page.session.lanes[0].trainer
    moments = trainer.opt_d.state[next(iter(trainer.discriminator.parameters()))]["exp_avg"].clone()
    page.send({"type": "set", "changes": {"optim.lr": 0.005, "optim.lr_d": 0.002}})
    answer = page.reply()
    assert answer["type"] == "ok" and "keeps its state" in answer["message"]
    assert trainer is page.session.lanes[0].trainer and trainer.g_step == 1  # no reset
    assert trainer.opt_g.param_groups[0]["lr"] == 0.005 and trainer.opt_d.param_groups[0]["lr"] == 0.002
    assert torch.equal(trainer.opt_d.state[next(iter(trainer.discriminator.parameters()))]["exp_avg"], moments)
    page.send({"type": "set", "changes": {"optim.name": "rmsprop"}})
    assert "empty state" in page.reply()["message"]
    assert isinstance(trainer.opt_g, torch.optim.RMSprop) and not trainer.opt_g.state
    assert [c["change"] for c in page.session.lanes[0].changes][-1] == "optim.name=rmsprop"


def test_a_setting_that_needs_a_reset_starts_again(server):
    page = connect(server)
    page.send({"type": "step"})
    page.until_frame(step=1)
    page.send({"type": "set", "changes": {"objective.name": "wgan-gp", "model.hidden": 24}})
    assert "started again" in page.reply()["message"]
    lane = page.session.lanes[0]
    assert (lane.trainer.g_step, lane.config.objective.name, lane.config.optim.lr) == (0, "wgan-gp", 1e-4)


@pytest.mark.parametrize("changes", [{"optim.lr": -1}, {"optim.lr": "fast"}, {"model.hidden": 100000},
                                     {"train.device": "cuda"}, {"data.name": "/etc/passwd"}, {"optim.betas": [2, 3]},
                                     {"objective.name": "vae"}])
def test_a_bad_value_is_refused_and_changes_nothing(server, changes):
    page = connect(server)
    lane = page.session.lanes[0]
    before, g = lane.config, params(lane.trainer.generator)
    page.send({"type": "set", "changes": changes})
    assert page.reply()["type"] == "error"
    assert page.session.lanes[0] is lane and lane.config == before and same(params(lane.trainer.generator), g)


# --- data -------------------------------------------------------------------------------------------------

def test_uploads_are_bounded_and_checked_by_the_data_loader(server, tmp_path):
    page = connect(server)
    url = f"/upload?token={server.settings.token}&session={page.session_id}"
    big = server.post(f"{url}&name=big.csv", content=b"1,2\n" * (MAX_UPLOAD_BYTES // 4 + 1), headers=ORIGIN)
    assert big.status_code == 413
    bad = server.post(f"{url}&name=bad.csv", content=b"1,nan\n3,4\n", headers=ORIGIN)
    assert bad.status_code == 400 and "NaN" in bad.json()["error"]
    assert server.post(f"{url}&name=evil.py", content=b"import os", headers=ORIGIN).status_code == 400
    uploads = server.settings.out / "uploads"
    assert not list(uploads.glob("bad*")) and not list(uploads.glob("evil*"))  # refused files do not stay
    points = "\n".join(f"{x:.3f},{y:.3f}" for x, y in np.random.default_rng(0).normal(size=(200, 2)))
    good = server.post(f"{url}&name=mine.csv", content=points.encode(), headers=ORIGIN)
    assert good.status_code == 200
    page.until(lambda m: m.get("type") == "ok" and "mine" in m["message"])
    name = page.session.lanes[0].config.data.name
    assert Path(name).parent == uploads and Path(name).name.startswith("mine")


def test_drawing_a_distribution_trains_on_it(server):
    page = connect(server)
    stroke = [[np.cos(t), np.sin(t)] for t in np.linspace(0, 3, 40)]
    page.send({"type": "draw", "points": stroke})
    assert "drawing" in page.reply()["message"]
    lane = page.session.lanes[0]
    assert Path(lane.config.data.name).parent == server.settings.out / "drawings"
    assert len(lane.data.values) == 40 * 20 and lane.trainer.g_step == 0


# --- save as run ------------------------------------------------------------------------------------------

def test_saving_writes_a_run_folder_the_commands_take(server, capsys):
    page = connect(server)
    page.send({"type": "steps_per_frame", "value": 3})
    page.send({"type": "play"})
    page.until(lambda m: m.get("type") == "frame" and m["step"] >= 6)
    page.send({"type": "pause"})
    page.send({"type": "set", "changes": {"optim.lr": 0.001}})
    page.reply()
    page.send({"type": "save", "name": "mine"})
    saved = page.reply()
    assert saved["type"] == "saved", saved
    run = server.settings.out / "mine"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["live_changes"][-1]["change"] == "optim.lr=0.001" and summary["steps"] >= 6
    assert (run / "report.html").is_file() and (run / "checkpoints" / "final.pt").is_file()
    assert main(["evaluate", str(run), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["modes_total"] == 8
    steps = summary["steps"]
    assert main(["train", "--resume", str(run), "--steps", str(steps + 5), "--quiet"]) == 0
    assert json.loads((run / "summary.json").read_text())["steps"] == steps + 5
    page.send({"type": "save", "name": "mine"})  # the same name again: refused, nothing overwritten
    assert page.reply()["type"] == "error"
    page.send({"type": "save", "name": "../escape"})
    assert page.reply()["type"] == "error" and not (server.settings.out.parent / "escape").exists()


@pytest.mark.parametrize("objective", ["gan", "wgan-gp"])
def test_a_session_without_live_changes_ends_where_gandojo_train_ends(tmp_path, objective):
    config = apply_overrides(tiny(objective), ["train.steps=12"])
    train_run(config, tmp_path / "trained", progress=False)
    settings = PlaySettings(config=config, out=tmp_path / "out", host="testserver", port=PORT)
    with TestClient(create_app(settings)) as client:
        client.settings, client.sessions, client.pages = settings, client.app.state.sessions, []
        page = connect(client)
        page.session.phase_seconds = 0.0
        for step in range(1, 13):  # steps 4 and 5 in slow motion: the same step, taken phase by phase
            page.send({"type": "slow_motion", "on": step in (4, 5)})
            page.send({"type": "step"})
            page.until(lambda m, s=step: m.get("type") == "frame" and m["step"] == s and m["phase"] is None
                       if s not in (4, 5) else m.get("type") == "frame" and m["step"] == s
                       and (m["phase"] or "").startswith("5."))
        page.send({"type": "save", "name": "played"})
        assert page.reply()["type"] == "saved"
        close_pages(client)
    a = flatten(load_checkpoint(tmp_path / "trained" / "checkpoints" / "final.pt")["trainer"])
    b = flatten(load_checkpoint(tmp_path / "out" / "played" / "checkpoints" / "final.pt")["trainer"])
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# --- hostile messages -------------------------------------------------------------------------------------

def hostile_messages(n: int, seed: int = 0) -> list[str]:
    """Malformed or hostile messages, each of which the server must refuse."""
    rng = random.Random(seed)
    junk = [None, True, -1, 1e308, -1e308, "x" * 5000, [1, 2], {"a": 1}, "", 2**70, 0.5, "NaN"]
    templates = [
        lambda: "not json {",
        lambda: json.dumps([1, 2, 3]),
        lambda: json.dumps({"type": rng.choice(["launch", "exec", "PLAY", "", "save_all"])}),
        lambda: json.dumps({"type": "play", rng.choice(["extra", "token", "x"]): rng.choice(junk)}),
        lambda: json.dumps({"type": "steps_per_frame", "value": rng.choice([0, -5, 501, 10**9, 2.5, "4", None])}),
        lambda: '{"type": "steps_per_frame", "value": NaN}',
        lambda: json.dumps({"type": "slow_motion", "on": rng.choice([1, "yes", None, [True]])}),
        lambda: json.dumps({"type": "set", "changes": {rng.choice(["train.device", "data.name", "train.steps",
                                                                   "optim.lrr", "../x", "model.family"]): 1}}),
        lambda: json.dumps({"type": "set", "changes": {"optim.lr": rng.choice([-1, 0, "fast", None, [1, 2]])}}),
        lambda: json.dumps({"type": "set", "changes": {"model.hidden": rng.choice([10**6, -3, 0, 2.5, "big"])}}),
        lambda: '{"type": "set", "changes": {"optim.lr": Infinity}}',
        lambda: json.dumps({"type": "set", "lane": rng.choice([1, 2, -1, 99, "0"]), "changes": {"optim.lr": 0.001}}),
        lambda: json.dumps({"type": "set", "changes": {}}),
        lambda: json.dumps({"type": "data", "name": rng.choice(["/etc/passwd", "../../x.npy", "digits", "nope"])}),
        lambda: json.dumps({"type": "draw", "points": [[0, 0]] * rng.choice([0, 3, 7])}),
        lambda: json.dumps({"type": "draw", "points": [[0, 0, 0]] * 10}),
        lambda: json.dumps({"type": "draw", "points": [[1e300, 0]] * 10 + [[0]] * 2}),
        lambda: json.dumps({"type": "draw", "points": [[0.0, 0.0]] * 5001}),
        lambda: json.dumps({"type": "save", "name": rng.choice(["../up", "/abs", "", "a/b", ".hidden", "x" * 80])}),
        lambda: json.dumps({"type": "side_by_side", "preset": rng.choice(["nope", "", 3])}),
        lambda: json.dumps({"type": "file", "path": "/etc/passwd"}),
        lambda: "x" * (300 * 1024),  # an oversized frame
        lambda: json.dumps({"type": "play"}) * 2,
    ]
    return [rng.choice(templates)() for _ in range(n)]


def test_a_thousand_hostile_messages_are_refused_and_change_nothing(server):
    page = connect(server)
    lane = page.session.lanes[0]
    before = (lane.config, params(lane.trainer.generator), params(lane.trainer.discriminator))
    for message in hostile_messages(1000):
        page.send(message)
        answer = page.until(lambda m: m.get("type") in ("ok", "error", "saved", "state"))
        assert answer["type"] == "error", (message[:200], answer)
    assert page.session.lanes[0] is lane and lane.config == before[0]
    assert same(params(lane.trainer.generator), before[1]) and same(params(lane.trainer.discriminator), before[2])
    assert not list(server.settings.out.rglob("*")) or all(p.is_dir() for p in server.settings.out.rglob("*"))
    page.send({"type": "step"})  # still up, and still obeying
    assert page.until_frame()["step"] == 1


def test_an_unexpected_error_is_told_and_the_session_keeps_serving(server, monkeypatch):
    page = connect(server)
    lane = page.session.lanes[0]

    def broken(self):
        raise RuntimeError("no such device")

    monkeypatch.setattr(type(lane), "critic_only", broken)
    page.send({"type": "d_only"})
    answer = page.reply()
    assert answer["type"] == "error" and "RuntimeError: no such device" in answer["message"]
    page.send({"type": "step"})
    assert page.until_frame()["step"] == 1


def test_frames_are_compact_and_hold_every_layer(server):
    page = connect(server)
    page.send({"type": "step"})
    message = page.socket.receive()
    while message.get("bytes") is None or decode(message["bytes"])[0]["type"] != "frame":
        message = page.socket.receive()
    header, _ = decode(message["bytes"])
    assert {a[0] for a in header["arrays"]} == {"fake", "grad", "d_fake", "heat", "mesh"}
    assert len(message["bytes"]) < 40_000
    shapes = {a[0]: a[2] for a in header["arrays"]}
    assert shapes["fake"] == [512, 2] and shapes["heat"] == [64 * 64] and shapes["mesh"] == [21 * 21, 2]


def test_encode_lays_out_arrays_on_four_byte_boundaries():
    data = encode({"type": "frame", "kl": float("inf")}, {"heat": np.array([0.0, 0.5, 1.0]), "x": np.ones(2)})
    header, rest = decode(data)
    assert header["kl"] == "inf" and (4 + len(data) - len(rest)) % 4 == 0
    heat = np.frombuffer(rest[:6], dtype="<u2")
    assert heat.tolist() == [0, 32768, 65535] and np.frombuffer(rest[8:16], dtype="<f4").tolist() == [1.0, 1.0]


def test_slow_motion_draws_each_phase_of_one_step_in_order(server):
    page = connect(server)
    page.session.phase_seconds = 0.0
    page.send({"type": "slow_motion", "on": True})
    page.send({"type": "step"})
    seen = []
    for _ in range(400):
        message = page.socket.receive()
        if message.get("text") is not None:
            assert json.loads(message["text"]).get("type") != "error", message["text"]
            continue
        header, rest = decode(message["bytes"])
        if header["type"] == "frame" and header["phase"]:
            seen.append((header["phase"], header["step"], arrays_of(header, rest)))
            if len(seen) == 5:
                break
    assert [p[:2] for p, _, _ in seen] == ["1.", "2.", "3.", "4.", "5."]
    assert [s for _, s, _ in seen] == [0, 0, 0, 0, 1]
    (_, _, two), (_, _, three), (_, _, four), (_, _, five) = seen[1:]
    assert np.array_equal(two["fake"], three["fake"]) and not np.array_equal(two["heat"], three["heat"])  # D moved
    assert np.array_equal(three["heat"], four["heat"]) and not np.array_equal(four["fake"], five["fake"])  # then G


def arrays_of(header: dict, rest: bytes) -> dict[str, np.ndarray]:
    out, offset = {}, 0
    for name, kind, shape, _, _ in header["arrays"]:
        count = int(np.prod(shape))
        size = count * (2 if kind == "u2" else 4)
        out[name] = np.frombuffer(rest[offset:offset + size], dtype="<" + kind).reshape(shape)
        offset += size + (-size % 4)
    return out


def test_the_outbox_keeps_every_phase_of_slow_motion_and_only_the_newest_plain_frame():
    loop = asyncio.new_event_loop()
    try:
        outbox = Outbox(loop)
        outbox.put("frame", (0, b"old"))
        for phase in (b"1", b"2", b"3"):  # the page has not taken anything yet
            outbox.put("phase_frame", (0, phase))
        outbox.put("frame", (0, b"a"))
        outbox.put("frame", (0, b"b"))
        assert outbox.take() == [b"1", b"2", b"3", b"b"]
        assert outbox.dropped == 1 and outbox.take() == []
    finally:
        loop.close()
