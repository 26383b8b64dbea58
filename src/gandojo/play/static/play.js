// gandojo play: the browser only draws; Python trains. One WebSocket, frames as binary messages.
"use strict";

(() => {
  const body = document.body;
  const token = body.dataset.token;
  const options = JSON.parse(body.dataset.options);
  const $ = (id) => document.getElementById(id);
  // a message in the page's language (the server sends the catalog's translations of this script's messages),
  // with each {name} filled in from values
  const MESSAGES = options.messages || {};
  const _ = (message, values = {}) => (MESSAGES[message] || message).replace(
    /\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
  const SIZE = 460;  // the plane's canvas, in CSS pixels

  // --- state the tests read (window.gandojoPlay) ------------------------------------------------------------
  const state = {connected: false, frames: 0, lanes: [], step: 0, playing: false, session: null, messages: [],
                 layers: {heat: true, real: true, fake: true, grad: true, mesh: true, modes: true},
                 drawing: null};
  window.gandojoPlay = state;

  // --- the socket -------------------------------------------------------------------------------------------
  let socket = null;
  function connect() {
    const session = sessionStorage.getItem("gandojo-session");
    const query = `token=${encodeURIComponent(token)}` + (session ? `&session=${encodeURIComponent(session)}` : "");
    socket = new WebSocket(`ws://${location.host}/ws?${query}`);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => { state.connected = true; status(); };
    socket.onclose = () => { state.connected = false; status(_("disconnected: reload the page")); };
    socket.onmessage = (event) => (typeof event.data === "string" ? onText(JSON.parse(event.data))
                                                                   : onBinary(event.data));
  }
  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function onText(message) {
    if (message.type === "session") {
      state.session = message.id;
      sessionStorage.setItem("gandojo-session", message.id);
    } else if (message.type === "state") {
      onState(message);
    } else {
      say(message.message, message.type);
    }
  }

  function decode(buffer) {
    const length = new DataView(buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
    let offset = 4 + length;
    const arrays = {};
    for (const [name, kind, shape, lo, hi] of header.arrays) {
      const count = shape.reduce((a, b) => a * b, 1);
      let values;
      if (kind === "u2") {
        const raw = new Uint16Array(buffer, offset, count);
        values = Float32Array.from(raw, (v) => lo + (v / 65535) * (hi - lo));
        offset += count * 2 + ((count * 2) % 4);
      } else {
        values = new Float32Array(buffer, offset, count);
        offset += count * 4;
      }
      arrays[name] = {values, shape, lo, hi};
    }
    return {header, arrays};
  }

  function onBinary(buffer) {
    const {header, arrays} = decode(buffer);
    const lane = state.lanes[header.lane];
    if (!lane) return;
    if (header.type === "real") {
      lane.real = arrays.real;
    } else if (header.type === "frame") {
      lane.frame = {header, arrays};
      state.frames += 1;
      state.step = header.step;
      state.playing = header.playing;
      if (header.metrics) lane.metrics = header.metrics;
      record(lane, header);
      lane.dirty = true;
    }
    schedule();
  }

  // --- lanes: one plane per configuration -------------------------------------------------------------------
  function onState(message) {
    state.playing = message.playing;
    $("slow").checked = message.slow;
    $("spf").value = message.steps_per_frame;
    $("spf_value").textContent = message.steps_per_frame;
    const container = $("lanes");
    const keep = state.lanes.length === message.lanes.length &&
      state.lanes.every((lane, i) => lane.signature === JSON.stringify(message.lanes[i].config));
    if (!keep) {
      container.textContent = "";
      state.lanes = message.lanes.map((info, index) => makeLane(info, index, container));
    }
    message.lanes.forEach((info, i) => Object.assign(state.lanes[i], {info, signature: JSON.stringify(info.config)}));
    fillForms(message.lanes[0]);
    status();
    schedule();
  }

  function makeLane(info, index, container) {
    const element = document.createElement("div");
    element.className = "lane";
    const title = document.createElement("h2");
    const phase = document.createElement("div");
    phase.className = "phase";
    const canvas = document.createElement("canvas");
    canvas.className = "plane";
    const ratio = window.devicePixelRatio || 1;
    canvas.width = SIZE * ratio;
    canvas.height = SIZE * ratio;
    canvas.style.width = `${SIZE}px`;
    canvas.style.height = `${SIZE}px`;
    const legend = document.createElement("div");
    legend.className = "legend";
    const numbers = document.createElement("div");
    numbers.className = "numbers";
    const bars = document.createElement("div");
    bars.className = "bars";
    element.append(title, phase, canvas, legend, numbers, bars);
    container.append(element);
    const lane = {index, element, title, phase, canvas, legend, numbers, bars, info, real: null, frame: null,
                  metrics: {}, history: [], dirty: true};
    canvas.addEventListener("mousemove", (event) => hover(lane, event));
    canvas.addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
    canvas.addEventListener("mousedown", (event) => startStroke(lane, event));
    canvas.addEventListener("mouseup", () => endStroke());
    return lane;
  }

  // --- drawing the plane ------------------------------------------------------------------------------------
  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      for (const lane of state.lanes) if (lane.dirty) { drawLane(lane); lane.dirty = false; }
      drawCharts();
      status();
    });
  }

  function toPixel(view, x, y) {
    const px = ((x - view.lo[0]) / (view.hi[0] - view.lo[0])) * SIZE;
    const py = view.dim === 1 ? y : ((view.hi[1] - y) / (view.hi[1] - view.lo[1])) * SIZE;
    return [px, py];
  }
  function toData(view, px, py) {
    const x = view.lo[0] + (px / SIZE) * (view.hi[0] - view.lo[0]);
    const y = view.hi[1] - (py / SIZE) * (view.hi[1] - view.lo[1]);
    return view.dim === 1 ? [x] : [x, y];
  }

  // blue (low) - white - red (high); for probabilities 0.5 is white, for a critic's values the middle of its range
  function colour(t) {
    const u = Math.max(0, Math.min(1, t));
    const a = u < 0.5 ? [49, 104, 196] : [204, 62, 49];
    const s = Math.abs(u - 0.5) * 2;
    return [255 + (a[0] - 255) * s, 255 + (a[1] - 255) * s, 255 + (a[2] - 255) * s];
  }
  function scale(lane) {
    const heat = lane.frame.arrays.heat;
    if (lane.info.scores === "probability") return {lo: 0, hi: 1, label: "D(x)"};
    return {lo: heat.lo, hi: heat.hi, label: lane.info.scores === "critic" ? _("critic f(x)") : _("D's score")};
  }

  function drawLane(lane) {
    const ctx = lane.canvas.getContext("2d");
    const ratio = lane.canvas.width / SIZE;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, SIZE, SIZE);
    const info = lane.info;
    const view = info.view;
    const c = info.config;
    lane.title.textContent = _("{objective} on {data} · step {step}", {objective: c.objective.name,
      data: c.data.name.split("/").pop(), step: lane.frame ? lane.frame.header.step : info.step}) +
      (info.latent_dim > 2 && view.dim === 2
        ? _(" · manifold: a 2-D slice of the {d}-D latent space", {d: info.latent_dim}) : "");
    if (!lane.frame) return;
    const {header, arrays} = lane.frame;
    lane.phase.textContent = header.phase || "";
    if (view.dim === 1) drawOneD(lane, ctx, arrays); else drawTwoD(lane, ctx, arrays);
    drawLegend(lane);
    drawNumbers(lane, header);
    drawBars(lane);
  }

  function drawTwoD(lane, ctx, arrays) {
    const view = lane.info.view;
    const layers = state.layers;
    if (layers.heat) {
      const g = view.grid;
      const s = scale(lane);
      const image = new ImageData(g, g);
      const values = arrays.heat.values;
      for (let i = 0; i < g * g; i++) {
        const [r, gg, b] = colour((values[i] - s.lo) / ((s.hi - s.lo) || 1));
        image.data.set([r, gg, b, 255], i * 4);
      }
      const off = document.createElement("canvas");
      off.width = g; off.height = g;
      off.getContext("2d").putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(off, 0, 0, SIZE, SIZE);
    }
    if (layers.mesh && arrays.mesh) {
      const m = view.mesh;
      const p = arrays.mesh.values;
      ctx.strokeStyle = "rgba(60, 60, 60, 0.35)";
      ctx.lineWidth = 0.7;
      for (let row = 0; row < m; row++) {
        for (const [step, start] of [[1, row * m], [m, row]]) {
          ctx.beginPath();
          for (let k = 0; k < m; k++) {
            const j = start + k * step;
            const [x, y] = toPixel(view, p[2 * j], p[2 * j + 1]);
            k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
          }
          ctx.stroke();
        }
      }
    }
    if (layers.real && lane.real) {
      ctx.fillStyle = "rgba(42, 157, 91, 0.55)";
      const r = lane.real.values;
      for (let i = 0; i < r.length; i += 2) {
        const [x, y] = toPixel(view, r[i], r[i + 1]);
        ctx.fillRect(x - 1.2, y - 1.2, 2.4, 2.4);
      }
    }
    const fake = arrays.fake.values;
    const grad = arrays.grad.values;
    if (layers.grad) {
      let longest = 1e-12;
      for (let i = 0; i < grad.length; i += 2) longest = Math.max(longest, Math.hypot(grad[i], grad[i + 1]));
      ctx.strokeStyle = "rgba(30, 30, 30, 0.7)";
      ctx.lineWidth = 1;
      for (let i = 0; i < fake.length; i += 2) {
        const [x, y] = toPixel(view, fake[i], fake[i + 1]);
        const dx = (grad[i] / longest) * 22;
        const dy = -(grad[i + 1] / longest) * 22 * ((view.hi[0] - view.lo[0]) / (view.hi[1] - view.lo[1]));
        arrow(ctx, x, y, x + dx, y + dy);
      }
    }
    if (layers.fake) {
      ctx.fillStyle = "rgba(123, 79, 201, 0.9)";
      for (let i = 0; i < fake.length; i += 2) {
        const [x, y] = toPixel(view, fake[i], fake[i + 1]);
        ctx.beginPath();
        ctx.arc(x, y, 2.2, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    if (layers.modes && lane.info.modes) {
      ctx.strokeStyle = "#111";
      ctx.fillStyle = "#111";
      ctx.font = "11px system-ui, sans-serif";
      lane.info.modes.centers.forEach(([cx, cy], k) => {
        const [x, y] = toPixel(view, cx, cy);
        ctx.beginPath();
        ctx.moveTo(x - 4, y - 4); ctx.lineTo(x + 4, y + 4); ctx.moveTo(x + 4, y - 4); ctx.lineTo(x - 4, y + 4);
        ctx.stroke();
        if (lane.info.modes.names.length <= 12) ctx.fillText(lane.info.modes.names[k], x + 5, y - 5);
      });
    }
    if (state.drawing && state.drawing.lane === lane) {
      ctx.fillStyle = "rgba(0, 0, 0, 0.8)";
      for (const point of state.drawing.points) {
        const [x, y] = toPixel(view, point[0], point[1]);
        ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
      }
    }
  }

  function drawOneD(lane, ctx, arrays) {
    const view = lane.info.view;
    const bins = 60;
    const histogram = (values) => {
      const counts = new Array(bins).fill(0);
      for (const v of values) {
        const k = Math.floor(((v - view.lo[0]) / (view.hi[0] - view.lo[0])) * bins);
        if (k >= 0 && k < bins) counts[k] += 1;
      }
      const total = values.length || 1;
      return counts.map((n) => n / total);
    };
    const real = lane.real ? histogram(lane.real.values) : new Array(bins).fill(0);
    const fake = histogram(arrays.fake.values);
    const top = Math.max(...real, ...fake, 1e-9);
    const w = SIZE / bins;
    const base = SIZE * 0.75;
    if (state.layers.real) {
      ctx.fillStyle = "rgba(42, 157, 91, 0.45)";
      real.forEach((h, k) => ctx.fillRect(k * w, base - (h / top) * base * 0.9, w - 1, (h / top) * base * 0.9));
    }
    if (state.layers.fake) {
      ctx.fillStyle = "rgba(123, 79, 201, 0.45)";
      fake.forEach((h, k) => ctx.fillRect(k * w, base - (h / top) * base * 0.9, w - 1, (h / top) * base * 0.9));
    }
    if (state.layers.heat) {
      const s = scale(lane);
      const d = arrays.heat.values;
      ctx.strokeStyle = "#c0392b";
      ctx.lineWidth = 2;
      ctx.beginPath();
      d.forEach((v, k) => {
        const x = (k / (d.length - 1)) * SIZE;
        const y = base - ((v - s.lo) / ((s.hi - s.lo) || 1)) * base * 0.95;
        k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      });
      ctx.stroke();
    }
    if (state.layers.grad) {
      const f = arrays.fake.values;
      const g = arrays.grad.values;
      let longest = 1e-12;
      for (const v of g) longest = Math.max(longest, Math.abs(v));
      ctx.strokeStyle = "rgba(30, 30, 30, 0.6)";
      for (let i = 0; i < f.length; i += 4) {
        const [x] = toPixel(view, f[i], 0);
        const y = base + 8 + (i % 60);
        arrow(ctx, x, y, x + (g[i] / longest) * 22, y);
      }
    }
    if (state.layers.mesh && arrays.mesh) {
      const m = arrays.mesh.values;
      ctx.strokeStyle = "rgba(60, 60, 60, 0.6)";
      ctx.beginPath();
      m.forEach((v, k) => {
        const [x] = toPixel(view, v, 0);
        const y = SIZE - 4 - (k / (m.length - 1)) * (SIZE * 0.2 - 20);
        k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      });
      ctx.stroke();
    }
  }

  function arrow(ctx, x0, y0, x1, y1) {
    const length = Math.hypot(x1 - x0, y1 - y0);
    if (length < 0.5) return;
    const ux = (x1 - x0) / length;
    const uy = (y1 - y0) / length;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.lineTo(x1 - 4 * ux + 2.5 * uy, y1 - 4 * uy - 2.5 * ux);
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 4 * ux - 2.5 * uy, y1 - 4 * uy + 2.5 * ux);
    ctx.stroke();
  }

  function drawLegend(lane) {
    const s = scale(lane);
    lane.legend.textContent = "";
    const bar = document.createElement("canvas");
    bar.width = 160; bar.height = 10;
    const ctx = bar.getContext("2d");
    for (let i = 0; i < 160; i++) {
      const [r, g, b] = colour(i / 159);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(i, 0, 1, 10);
    }
    const label = (text) => { const span = document.createElement("span"); span.textContent = text; return span; };
    lane.legend.append(label(`${s.label}: ${fmt(s.lo)}`), bar, label(fmt(s.hi)),
                       label(_("· green: real, purple: G, arrows: where G pushes each sample")));
  }

  function drawNumbers(lane, header) {
    const st = header.stats || {};
    const m = lane.metrics || {};
    const parts = [_("D loss {value}", {value: fmt(st.loss_d)}), _("G loss {value}", {value: fmt(st.loss_g)})];
    if (st.value !== undefined) parts.push(`V(D, G) ${fmt(st.value)}`);
    parts.push(`D(x) ${fmt(st.d_real)}`, `D(G(z)) ${fmt(st.d_fake)}`);
    if (m.modes_total) {
      parts.push(_("modes {covered}/{total}", {covered: m.modes_covered, total: m.modes_total}),
                 _("HQ {value}%", {value: fmt(100 * m.high_quality)}), _("reverse KL {value}", {value: fmt(m.reverse_kl)}));
    }
    if (m.w_exact !== undefined) parts.push(`W1 ${fmt(m.w_exact)}`);
    if (st.w_estimate !== undefined) parts.push(_("critic's estimate {value}", {value: fmt(st.w_estimate)}));
    if (m.js_grid !== undefined) {
      parts.push(_("JS (grid) {value}", {value: fmt(m.js_grid)}), _("KL (grid) {value}", {value: fmt(m.kl_grid)}));
    }
    lane.numbers.textContent = parts.join(" · ");
  }

  function drawBars(lane) {
    lane.bars.textContent = "";
    const modes = lane.info.modes;
    const shares = (lane.metrics || {}).mode_shares;
    if (!modes || !shares || modes.names.length > 30) return;
    const total = modes.weights.reduce((a, b) => a + b, 0);
    modes.names.forEach((name, k) => {
      const row = document.createElement("div");
      row.className = "bar";
      const label = document.createElement("span");
      label.textContent = name;
      const track = document.createElement("span");
      const fill = document.createElement("span");
      fill.className = "fill";
      fill.style.width = `${Math.min(100, 100 * shares[k])}%`;
      const data = document.createElement("span");
      data.className = "data";
      data.style.width = `${100 * modes.weights[k] / total}%`;
      track.append(fill, data);
      const value = document.createElement("span");
      value.textContent = `${fmt(100 * shares[k])}%`;
      row.append(label, track, value);
      lane.bars.append(row);
    });
  }

  function fmt(v) {
    if (v === undefined || v === null) return "n/a";
    if (v === "inf") return "∞";
    if (typeof v !== "number") return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 0.001 || a >= 1e5) ? v.toExponential(2) : v.toFixed(a < 1 ? 3 : 2);
  }

  // --- hover: a dot's values --------------------------------------------------------------------------------
  function hover(lane, event) {
    const rect = lane.canvas.getBoundingClientRect();
    const px = event.clientX - rect.left;
    const py = event.clientY - rect.top;
    if (state.drawing && state.drawing.down) { addPoint(lane, px, py); return; }
    const tip = $("tooltip");
    if (!lane.frame || lane.info.view.dim !== 2) { tip.hidden = true; return; }
    const view = lane.info.view;
    const fake = lane.frame.arrays.fake.values;
    let best = null;
    for (let i = 0; i < fake.length; i += 2) {
      const [x, y] = toPixel(view, fake[i], fake[i + 1]);
      const d = Math.hypot(x - px, y - py);
      if (d < 7 && (!best || d < best.d)) best = {d, i: i / 2, kind: "fake"};
    }
    if (!best && lane.real) {
      const r = lane.real.values;
      for (let i = 0; i < r.length; i += 2) {
        const [x, y] = toPixel(view, r[i], r[i + 1]);
        const d = Math.hypot(x - px, y - py);
        if (d < 5 && (!best || d < best.d)) best = {d, i: i / 2, kind: "real"};
      }
    }
    if (!best) { tip.hidden = true; return; }
    const a = lane.frame.arrays;
    const lines = [best.kind === "fake" ? _("G's sample {i}", {i: best.i}) : _("real sample {i}", {i: best.i})];
    if (best.kind === "fake") {
      lines.push(`x = (${fmt(fake[2 * best.i])}, ${fmt(fake[2 * best.i + 1])})`,
                 `${scale(lane).label} = ${fmt(a.d_fake.values[best.i])}`,
                 _("push = ({x}, {y})", {x: fmt(a.grad.values[2 * best.i]), y: fmt(a.grad.values[2 * best.i + 1])}));
    } else {
      lines.push(`x = (${fmt(lane.real.values[2 * best.i])}, ${fmt(lane.real.values[2 * best.i + 1])})`);
    }
    tip.textContent = lines.join("\n");
    tip.style.left = `${event.clientX + 12}px`;
    tip.style.top = `${event.clientY + 12}px`;
    tip.hidden = false;
  }

  // --- draw your own distribution ---------------------------------------------------------------------------
  function startStroke(lane, event) {
    if (!state.drawing) return;
    state.drawing.lane = lane;
    state.drawing.down = true;
    const rect = lane.canvas.getBoundingClientRect();
    addPoint(lane, event.clientX - rect.left, event.clientY - rect.top);
  }
  function endStroke() { if (state.drawing) state.drawing.down = false; }
  function addPoint(lane, px, py) {
    if (state.drawing.points.length >= 5000) return;
    state.drawing.points.push(toData(lane.info.view, px, py));
    $("draw_train").disabled = state.drawing.points.length < 8;
    lane.dirty = true;
    schedule();
  }

  // --- charts -----------------------------------------------------------------------------------------------
  const MAX_HISTORY = 2000;
  function record(lane, header) {
    const st = header.stats || {};
    const m = header.metrics || {};
    const point = {step: header.step, loss_d: st.loss_d, loss_g: st.loss_g, value: st.value, d_real: st.d_real,
                   d_fake: st.d_fake, w_estimate: st.w_estimate};
    if (header.metrics) Object.assign(point, {modes: m.modes_total ? m.modes_covered / m.modes_total : undefined,
                                              hq: m.high_quality, rkl: m.reverse_kl, w_exact: m.w_exact,
                                              js: m.js_grid, kl: m.kl_grid});
    const last = lane.history[lane.history.length - 1];
    if (last && last.step === point.step) Object.assign(last, point); else lane.history.push(point);
    if (lane.history.length > MAX_HISTORY) lane.history.splice(0, lane.history.length - MAX_HISTORY);
  }

  const COLOURS = ["#2d6cdf", "#c0392b", "#2a9d5b", "#8e44ad", "#e67e22", "#555"];
  function drawCharts() {
    const series = (keys) => state.lanes.flatMap((lane, li) => keys.map(([key, label], ki) => ({
      label: state.lanes.length > 1 ? `${label} (${li ? "B" : "A"})` : label, dash: li ? [4, 3] : [],
      colour: COLOURS[ki % COLOURS.length],
      points: lane.history.filter((p) => p[key] !== undefined && p[key] !== null).map((p) => [p.step, p[key]])})));
    chart($("chart_losses"), series([["loss_d", _("D loss")], ["loss_g", _("G loss")], ["value", "V(D, G)"]]));
    chart($("chart_scores"), series([["d_real", "D(x)"], ["d_fake", "D(G(z))"]]));
    chart($("chart_modes"), series([["modes", _("modes covered (share)")], ["hq", _("high quality")],
                                    ["rkl", _("reverse KL")]]));
    chart($("chart_w1"), series([["w_exact", _("exact W1")], ["w_estimate", _("critic's estimate")]]));
    chart($("chart_js"), series([["js", _("JS (grid)")], ["kl", _("KL(data ‖ G) (grid)")]]));
  }

  function chart(canvas, all) {
    const ctx = canvas.getContext("2d");
    const W = canvas.width;
    const H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    const finite = (v) => typeof v === "number" && isFinite(v);
    const pts = all.flatMap((s) => s.points.filter(([, v]) => finite(v)));
    if (!pts.length) { ctx.fillStyle = "#999"; ctx.fillText(_("no values yet"), 10, 20); return; }
    let x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
    let y0 = Math.min(...pts.map((p) => p[1])), y1 = Math.max(...pts.map((p) => p[1]));
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) { y1 += 0.5; y0 -= 0.5; }
    const rows = Math.ceil(all.length / 3);
    const L = 44, R = 8, T = 8, B = 20 + 11 * rows;
    const X = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
    const Y = (y) => (finite(y) ? T + (1 - (y - y0) / (y1 - y0)) * (H - T - B) : T);  // ∞ at the top
    ctx.strokeStyle = "#ccc";
    ctx.strokeRect(L, T, W - L - R, H - T - B);
    ctx.fillStyle = "#555";
    ctx.font = "10px system-ui, sans-serif";
    ctx.fillText(fmt(y1), 2, T + 8);
    ctx.fillText(fmt(y0), 2, H - B);
    ctx.fillText(_("step {step}", {step: x0}), L, H - B + 11);
    ctx.fillText(`${x1}`, W - R - 30, H - B + 11);
    all.forEach((s, i) => {
      ctx.strokeStyle = s.colour;
      ctx.setLineDash(s.dash);
      ctx.beginPath();
      s.points.forEach(([x, y], k) => (k ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = s.colour;
      ctx.fillText(s.label, L + 4 + (i % 3) * 128, H - 4 - (rows - 1 - Math.floor(i / 3)) * 11, 124);
    });
  }

  // --- forms: every setting the page changes ----------------------------------------------------------------
  const LIVE = [["optim.lr", _("G's learning rate")], ["optim.lr_d", _("D's learning rate")],
                ["optim.name", _("optimizer")], ["optim.betas", _("Adam's betas")],
                ["objective.n_critic", _("critic steps per G step")], ["objective.gp_lambda", _("λ (WGAN-GP)")],
                ["objective.clip", _("clip value (WGAN)")], ["objective.r1", _("R1 weight γ")],
                ["objective.r2", _("R2 weight γ")], ["train.ema", _("EMA decay of G")]];
  const RESET = [["objective.name", _("objective")], ["model.hidden", _("hidden units")],
                 ["model.depth", _("hidden layers")], ["model.latent_dim", _("latent dimension")],
                 ["model.noise", _("noise")], ["train.seed", _("seed")], ["train.batch_size", _("batch")],
                 ["objective.pack", _("packing m")], ["model.minibatch_std", _("minibatch std")],
                 ["model.spectral_norm", _("spectral norm")]];
  const CHOICES = {"optim.name": ["adam", "rmsprop", "sgd"], "objective.name": options.objectives,
                   "model.noise": ["normal", "uniform"], "model.minibatch_std": ["false", "true"],
                   "model.spectral_norm": ["false", "true"]};

  function field(container, key, label) {
    const wrap = document.createElement("label");
    wrap.textContent = label;
    let input;
    if (CHOICES[key]) {
      input = document.createElement("select");
      for (const choice of CHOICES[key]) input.append(new Option(choice, choice));
    } else {
      input = document.createElement("input");
    }
    input.dataset.key = key;
    wrap.append(input);
    container.append(wrap);
  }
  LIVE.forEach(([k, l]) => field($("live"), k, l));
  RESET.forEach(([k, l]) => field($("resetting"), k, l));

  function current(config, key) {
    const [section, name] = key.split(".");
    const v = config[section][name];
    return Array.isArray(v) ? v.join(",") : v === null ? "" : String(v);
  }
  function fillForms(lane) {
    for (const input of document.querySelectorAll("#live [data-key], #resetting [data-key]")) {
      if (document.activeElement !== input) input.value = current(lane.config, input.dataset.key);
    }
    $("data").value = options.data.includes(lane.config.data.name) ? lane.config.data.name : "";
  }
  function parse(key, text) {
    if (key === "optim.betas") return text.split(",").map(Number);
    if (["optim.name", "objective.name", "model.noise"].includes(key)) return text;
    if (text === "true" || text === "false") return text === "true";
    return Number(text);
  }
  function changes(selector) {
    const lane = state.lanes[0].info;
    const out = {};
    for (const input of document.querySelectorAll(`${selector} [data-key]`)) {
      if (input.value !== current(lane.config, input.dataset.key) && input.value !== "") {
        out[input.dataset.key] = parse(input.dataset.key, input.value);
      }
    }
    return out;
  }

  for (const name of options.data) $("data").append(new Option(name, name));
  $("data").append(new Option(_("(your data)"), ""));
  for (const [name, text] of Object.entries(options.presets)) $("preset").append(new Option(text, name));
  if (options.source) $("source").textContent = _("from {source}", {source: options.source});

  // --- buttons ----------------------------------------------------------------------------------------------
  for (const id of ["play", "pause", "step", "d_only", "g_only", "reset"]) {
    $(id).addEventListener("click", () => send({type: id}));
  }
  $("spf").addEventListener("input", () => {
    $("spf_value").textContent = $("spf").value;
    send({type: "steps_per_frame", value: Number($("spf").value)});
  });
  $("slow").addEventListener("change", () => send({type: "slow_motion", on: $("slow").checked}));
  for (const box of document.querySelectorAll("[data-layer]")) {
    box.addEventListener("change", () => {
      state.layers[box.dataset.layer] = box.checked;
      state.lanes.forEach((lane) => { lane.dirty = true; });
      schedule();
    });
  }
  $("data").addEventListener("change", () => { if ($("data").value) send({type: "data", name: $("data").value}); });
  $("apply_live").addEventListener("click", () => {
    const c = changes("#live");
    if (Object.keys(c).length) send({type: "set", lane: 0, changes: c}); else say(_("nothing changed"), "ok");
  });
  $("apply_reset").addEventListener("click", () => {
    const c = changes("#resetting");
    if (Object.keys(c).length) send({type: "set", lane: 0, changes: c}); else say(_("nothing changed"), "ok");
  });
  $("compare").addEventListener("click", () => send({type: "side_by_side", preset: $("preset").value}));
  $("single").addEventListener("click", () => send({type: "side_by_side", preset: null}));
  $("save").addEventListener("click", () => send({type: "save", name: $("save_name").value}));
  $("draw").addEventListener("click", () => {
    state.drawing = state.drawing ? null : {points: [], lane: state.lanes[0], down: false};
    $("draw").classList.toggle("on", Boolean(state.drawing));
    $("draw_clear").disabled = !state.drawing;
    $("draw_train").disabled = true;
    say(state.drawing ? _("draw on the plane with the mouse; then train on the drawing") : _("drawing off"), "ok");
    state.lanes.forEach((lane) => { lane.dirty = true; });
    schedule();
  });
  $("draw_clear").addEventListener("click", () => {
    if (state.drawing) state.drawing.points = [];
    $("draw_train").disabled = true;
    state.lanes.forEach((lane) => { lane.dirty = true; });
    schedule();
  });
  $("draw_train").addEventListener("click", () => {
    if (!state.drawing) return;
    send({type: "draw", points: state.drawing.points});
    state.drawing = null;
    $("draw").classList.remove("on");
    $("draw_train").disabled = true;
    $("draw_clear").disabled = true;
  });
  $("upload").addEventListener("change", async () => {
    const file = $("upload").files[0];
    if (!file) return;
    if (file.size > options.max_upload) { say(_("the file is {size} bytes; at most {limit}", {size: file.size, limit: options.max_upload}), "error"); return; }
    const url = `upload?token=${encodeURIComponent(token)}&session=${encodeURIComponent(state.session)}` +
                `&name=${encodeURIComponent(file.name)}`;
    const answer = await fetch(url, {method: "POST", body: file}).then((r) => r.json());
    say(answer.error || answer.ok, answer.error ? "error" : "ok");
  });

  function say(text, kind) {
    state.messages.push({text, kind});
    const line = document.createElement("div");
    line.className = kind === "error" ? "error" : "ok";
    line.textContent = text;
    $("messages").prepend(line);
  }
  function status(text) {
    const what = state.playing ? _("playing") : _("paused");
    $("status").textContent = text || (state.connected
      ? _("step {step} · {what} · {frames} frames", {step: state.step, frames: state.frames, what})
      : _("connecting…"));
  }

  connect();
})();
