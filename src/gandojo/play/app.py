"""The play page's server: a small Starlette app, one WebSocket per page, everything the page needs shipped in the
package (``static/``), nothing from the network.

Security, because the page starts computation on this machine: the server binds 127.0.0.1 unless told
otherwise; a random token is required on every request and on the WebSocket; the Host header must name this
server (a DNS-rebinding page gets nothing) and the Origin of a WebSocket or upload must be the page's own (a
cross-site page gets nothing); every control goes through the config schema (:mod:`gandojo.play.session`);
uploads, messages, grids and sample counts are bounded; files are only read and written inside ``out``.

Frames: the training thread never waits on the socket. Each lane's newest frame waits in a slot of one, replaced by
the next; the socket sends whatever is newest when it is free, so a page that falls behind gets fewer frames,
never a growing queue.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import json
import secrets
import socket
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import uvicorn
from babel.messages.extract import extract_javascript
from jinja2 import Environment, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from gandojo import i18n
from gandojo.catalogue import DATA
from gandojo.config import Config, DataConfig
from gandojo.data import load_data
from gandojo.i18n import _
from gandojo.objectives import OBJECTIVES
from gandojo.play.session import (
    LIMITS,
    LIVE_KEYS,
    PRESETS,
    RESET_KEYS,
    PlaySession,
    UseFile,
    check_playable,
    parse_command,
)
from gandojo.runs.runner import prepare

__all__ = ["MAX_UPLOAD_BYTES", "PlaySettings", "bind", "check", "create_app", "serve"]

MAX_UPLOAD_BYTES = 4 * 1024 * 1024
MAX_SESSIONS = 4
STATIC_FILES = {"play.js": "text/javascript", "play.css": "text/css"}


@dataclass
class PlaySettings:
    """What the server was started with: the first config (and a run's state), where files go, how it is
    reached."""

    config: Config
    out: Path
    host: str = "127.0.0.1"
    port: int = 8750
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    state: dict[str, Any] | None = None  # a run folder's trainer state, to start from its checkpoint
    run: dict[str, Any] | None = None  # and its logging state
    source: str | None = None  # the run folder it came from, said on the page
    cache_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/?token={self.token}"

    def allowed_hosts(self) -> list[str]:
        return sorted({"127.0.0.1", "localhost", self.host})

    def allowed_origins(self) -> set[str]:
        return {f"http://{host}:{self.port}" for host in self.allowed_hosts()}


class Outbox:
    """What the worker offers one page: the newest frame of each lane (a slot of one) and, in order, the rest
    (state, real samples, replies, and the frames of slow motion's phases, none of which may be skipped; at most
    256 waiting, the oldest dropped first)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.lock = threading.Lock()
        self.frames: dict[int, bytes] = {}
        self.queue: collections.deque[str | bytes] = collections.deque(maxlen=256)
        self.ready = asyncio.Event()
        self.dropped = 0  # frames replaced before they were sent

    def put(self, kind: str, payload: Any) -> None:
        with self.lock:
            if kind == "frame":
                lane, data = payload
                self.dropped += lane in self.frames
                self.frames[lane] = data
            elif kind == "phase_frame":  # in order, after what came before; a pending older frame is stale
                lane, data = payload
                self.frames.pop(lane, None)
                self.queue.append(data)
            elif kind == "real":
                self.queue.append(payload[1])
            else:
                self.queue.append(json.dumps(payload, default=str))
        self.loop.call_soon_threadsafe(self.ready.set)

    def take(self) -> list[str | bytes]:
        with self.lock:
            items = list(self.queue) + [self.frames[lane] for lane in sorted(self.frames)]
            self.queue.clear()
            self.frames.clear()
            self.ready.clear()
        return items


class Sessions:
    """The sessions of the pages served: one per page, kept (paused) when its page goes, so that a reload with
    the same session id finds it; at most :data:`MAX_SESSIONS`, the oldest unattached one dropped first."""

    def __init__(self, settings: PlaySettings):
        self.settings = settings
        self.by_id: dict[str, PlaySession] = {}
        self.attached: set[str] = set()
        self.lock = threading.Lock()

    def attach(self, session_id: str | None) -> tuple[str, PlaySession]:
        with self.lock:
            if session_id in self.by_id and session_id not in self.attached:
                self.attached.add(session_id)
                return session_id, self.by_id[session_id]
            for old in [s for s in self.by_id if s not in self.attached][: max(0, len(self.by_id) - MAX_SESSIONS + 1)]:
                self.by_id.pop(old).close()
            if len(self.by_id) >= MAX_SESSIONS:
                raise ValueError(_("{n} pages are open already; close one").format(n=MAX_SESSIONS))
            s = self.settings
            session = PlaySession(s.config, s.out, state=s.state, run=s.run, cache_dir=s.cache_dir)
            new_id = secrets.token_urlsafe(12)
            self.by_id[new_id] = session
            self.attached.add(new_id)
        session.start()
        return new_id, session

    def detach(self, session_id: str) -> None:
        with self.lock:
            self.attached.discard(session_id)
            session = self.by_id.get(session_id)
        if session is not None:
            session.pause()
            session.publish = lambda kind, payload: None

    def close(self) -> None:
        with self.lock:
            sessions, self.by_id = list(self.by_id.values()), {}
        for session in sessions:
            session.close()


def _page_environment() -> Environment:
    """The page's Jinja2 environment: HTML escaping and gettext from the catalog, in the language in use."""
    environment = Environment(autoescape=select_autoescape(["html"]), extensions=["jinja2.ext.i18n"])
    environment.install_gettext_callables(gettext=lambda m: i18n._(m), ngettext=lambda s, p, n: i18n.ngettext(s, p, n),
                                          newstyle=True)
    return environment


def script_messages(script: str) -> dict[str, str]:
    """The translations of the messages ``play.js`` marks with ``_("...")`` (found as ``make messages`` finds them),
    for the page to speak the language in use; empty in English."""
    if i18n.current() == "en":
        return {}
    # _(text, values) comes as (text, None)
    found = extract_javascript(io.BytesIO(script.encode()), ["_"], [], {})
    messages = [m[0] if isinstance(m, tuple) else m for _line, _name, m, _comments in found]
    return {message: i18n._(message) for message in messages if isinstance(message, str)}


def create_app(settings: PlaySettings) -> Starlette:
    """The ASGI app serving ``settings``' sessions (``app.state.sessions``)."""
    sessions = Sessions(settings)
    static = resources.files("gandojo.play") / "static"
    template = _page_environment().from_string((static / "index.html").read_text(encoding="utf-8"))
    messages = script_messages((static / "play.js").read_text(encoding="utf-8"))

    def authorised(request: Request | WebSocket) -> bool:
        return secrets.compare_digest(request.query_params.get("token", ""), settings.token)

    def same_origin(request: Request | WebSocket) -> bool:
        return request.headers.get("origin") in settings.allowed_origins()

    async def index(request: Request) -> Response:
        if not authorised(request):
            return Response("a token is required: open the address gandojo play printed", status_code=403)
        options = {"data": [n for n, e in DATA.items() if e.kind == "points"], "objectives": list(OBJECTIVES),
                   "presets": {k: _(v[0]) for k, v in PRESETS.items()}, "live_keys": list(LIVE_KEYS),
                   "reset_keys": list(RESET_KEYS), "limits": LIMITS, "max_upload": MAX_UPLOAD_BYTES,
                   "source": settings.source, "messages": messages}
        page = template.render(token=settings.token, options=json.dumps(options), lang=i18n.current())
        return HTMLResponse(page, headers={"Cache-Control": "no-store", "Content-Security-Policy": CSP,
                                           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})

    async def static_file(request: Request) -> Response:
        name = request.path_params["name"]
        if not authorised(request) or name not in STATIC_FILES:
            return Response("not found", status_code=404 if authorised(request) else 403)
        return Response((static / name).read_bytes(), media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

    async def upload(request: Request) -> Response:
        if not authorised(request) or not same_origin(request):
            return JSONResponse({"error": "refused: wrong token or origin"}, status_code=403)
        session = sessions.by_id.get(request.query_params.get("session", ""))
        if session is None:
            return JSONResponse({"error": "no such session: reload the page"}, status_code=400)
        declared = int(request.headers.get("content-length") or 0)
        if declared > MAX_UPLOAD_BYTES:
            return JSONResponse({"error": f"the file is {declared} bytes; at most {MAX_UPLOAD_BYTES}"},
                                status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPLOAD_BYTES:
                return JSONResponse({"error": f"the file is more than {MAX_UPLOAD_BYTES} bytes"}, status_code=413)
        try:
            path = session.save_upload(request.query_params.get("name", "upload.csv"), bytes(body))
            await asyncio.to_thread(_check_upload, path)
        except (ValueError, FileNotFoundError) as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        session.submit(UseFile(path=path))
        return JSONResponse({"ok": f"training on {path.name}"})

    async def socket(websocket: WebSocket) -> None:
        if not authorised(websocket) or not same_origin(websocket):
            await websocket.close(code=1008)
            return
        await websocket.accept()
        outbox = Outbox(asyncio.get_running_loop())
        try:
            session_id, session = sessions.attach(websocket.query_params.get("session"))
        except ValueError as err:
            await websocket.send_text(json.dumps({"type": "error", "message": str(err)}))
            await websocket.close()
            return
        session.publish = outbox.put
        await websocket.send_text(json.dumps({"type": "session", "id": session_id}))
        session.submit(parse_command('{"type": "hello"}'))
        sender = asyncio.create_task(_send(websocket, outbox))
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    await websocket.send_text(json.dumps({"type": "error", "message": _("send JSON text messages")}))
                    continue
                try:
                    session.submit(parse_command(text))
                except ValueError as err:
                    await websocket.send_text(json.dumps({"type": "error", "message": str(err)}))
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            sessions.detach(session_id)

    routes = [Route("/", index), Route("/static/{name}", static_file), Route("/upload", upload, methods=["POST"]),
              WebSocketRoute("/ws", socket)]
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        sessions.close()  # the worker threads end with the server

    app = Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware,
                                                          allowed_hosts=settings.allowed_hosts())],
                    lifespan=lifespan)
    app.state.sessions = sessions
    app.state.settings = settings
    return app


# The page runs its own script and styles only; nothing from anywhere else, no inline script.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


async def _send(websocket: WebSocket, outbox: Outbox) -> None:
    """Send what the worker offers, newest frames only, as fast as the page takes them."""
    while True:
        await outbox.ready.wait()
        for item in outbox.take():
            if isinstance(item, bytes):
                await websocket.send_bytes(item)
            else:
                await websocket.send_text(item)


def _check_upload(path: Path) -> None:
    """Read an upload with the data loader (the same checks as ``--data``); a bad file is removed again."""
    try:
        load_data(DataConfig(name=str(path)))
    except (ValueError, FileNotFoundError):
        path.unlink(missing_ok=True)
        raise


def check(settings: PlaySettings) -> None:
    """Refuse before serving what the page could not play (images, points of more than 2 dimensions)."""
    config, data, _ = prepare(settings.config)
    check_playable(data)
    settings.config = config


def bind(host: str, port: int) -> socket.socket:
    """The listening socket (port 0: any free one), or a clear error when the port is taken."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise ValueError(_("cannot listen on {host}:{port} ({reason}); choose another --port (--port 0 takes any "
                           "free one)").format(host=host, port=port, reason=err.strerror)) from None
    sock.listen(16)
    sock.setblocking(False)
    return sock


def serve(settings: PlaySettings, *, on_ready: Any = None, stop: threading.Event | None = None) -> None:
    """Serve the page until Ctrl-C (or SIGTERM), or until ``stop`` is set: uvicorn on a socket bound here, so the
    printed address is the one that answers. ``on_ready(url)`` is called once the server listens."""
    sock = bind(settings.host, settings.port)
    settings.port = sock.getsockname()[1]
    app = create_app(settings)
    config = uvicorn.Config(app, log_level="warning", ws_max_size=1024 * 1024, ws_ping_interval=20,
                            lifespan="on", access_log=False)
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.05)
        if server.started and on_ready is not None:
            on_ready(settings.url)
        while stop is not None and not task.done():
            if stop.is_set():
                server.should_exit = True
            await asyncio.sleep(0.1)
        await task

    try:
        asyncio.run(run())
    finally:
        sock.close()
