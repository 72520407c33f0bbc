// The Train page's view of the run training in this browser (app_pages/train/browser.py). The run itself lives in
// ui/assets/train_controller.js, loaded once per tab, so it goes on while other pages are open; this view draws it
// from there whenever it changes, with no server round trip: progress, live curves (as app_pages/train/live_chart.py
// draws a server run's), the latent map four times an epoch and, once the run ends, a slider over the maps.
// chart_draw.js and chart_frame.js are loaded before this file, in the same module.

const MAX_POINTS = 300, EMA_ALPHA = 0.05;  // as app_pages/train/figures.py
const CURVES = [[0, "loss", "training loss", "#1f77b4"], [0, "recon", "reconstruction", "#ff7f0e"],
                [1, "kl", "KL", "#2ca02c"]];

function parse(data) {  // vae/serve/payload.py's layout: a JSON header, then float32 arrays
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const copy = bytes.slice();
  const length = new DataView(copy.buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(copy.subarray(4, 4 + length)));
  const rest = copy.buffer.byteLength - 4 - length;
  return { header, weights: rest > 0 ? new Float32Array(copy.buffer, 4 + length, rest / 4) : null };
}

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

function build(parent) {
  const root = element("div", "bv-root");
  root.innerHTML = `
    <div class="bv-offer" hidden><p class="bv-offer-text"></p>
      <div class="bv-row"><button class="bv-button bv-primary bv-reopen"></button>
      <button class="bv-button bv-discard">Discard</button></div></div>
    <div class="bv-head" hidden>
      <div class="bv-status" role="status" aria-live="polite"></div>
      <div class="bv-bar"><div class="bv-fill"></div></div>
      <div class="bv-row bv-buttons"><button class="bv-button bv-stop">Stop</button>
      <button class="bv-button bv-resume">Resume</button></div>
      <div class="bv-message" hidden></div>
    </div>
    <div class="bv-charts" hidden>
      <div class="bv-left"><div class="bv-curves"></div><div class="bv-dims" hidden></div></div>
      <div class="bv-maps"><div class="bv-map"></div>
        <label class="bv-replay" hidden><span class="bv-replay-text"></span>
        <input type="range" class="bv-slider" min="0" value="0" step="1"></label></div></div>`;
  parent.appendChild(root);
  return root;
}

function ema(values) {
  const out = new Array(values.length);
  let s = values[0];
  for (let i = 0; i < values.length; i++) out[i] = s = EMA_ALPHA * values[i] + (1 - EMA_ALPHA) * s;
  return out;
}

const rounded = (values) => values.map((v) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null));

function thin(n) {  // the indices drawn: every stride-th step, as figures.thin
  const stride = Math.max(1, Math.floor(n / MAX_POINTS)), out = [];
  for (let i = 0; i < n; i += stride) out.push(i);
  return out;
}

function curves_data(s) {
  const unit = s.run.spec.config.likelihood === "notes" ? "notes' scale" : "nats per image";
  const panels = [{ title: `loss and reconstruction (${unit})`, xlabel: "step", series: [] },
                  { title: "KL to the prior (nats per image)", xlabel: "step", series: [] }];
  const at = thin(s.steps.step.length), x = at.map((i) => s.steps.step[i]);
  for (const [panel, key, name, colour] of CURVES) {
    const raw = s.steps[key], smooth = raw.length ? ema(raw) : [];
    const series = panels[panel].series;
    series.push({ x, y: rounded(at.map((i) => raw[i])), colour, width: 1, alpha: 0.3 });
    series.push({ x, y: rounded(at.map((i) => smooth[i])), colour, width: 2.5 });
    if (s.epochs.length) {
      series.push({ x: s.epochs.map((e) => e.step), y: rounded(s.epochs.map((e) => e[`test_${key}`])), colour,
                    dash: true, markers: true, alpha: 1 });
    }
  }
  return { height: 360, panels, legend: CURVES.map(([, , name, colour]) => ({ name, colour })),
           mark: s.steps.step.length ? s.steps.step.at(-1) : -1,
           note: "faint: every training step · bold: smoothed · circles: the test set after each epoch" };
}

const DIMS_STEPS = 50;  // as app_pages/train/live_chart.py
// Each latent dimension's KL, as bars in index order, averaged over the last DIMS_STEPS steps (live_chart.dims_data)
function dims_data(s) {
  const rows = s.steps.kl_dims.slice(-DIMS_STEPS).filter((r) => r), d = s.run.spec.config.latent_dim;
  const now = Array.from({ length: d }, (_, u) => rows.reduce((sum, r) => sum + r[u], 0) / Math.max(1, rows.length));
  const x = Array.from({ length: d }, (_, u) => u + 1), series = [
    { kind: "bars", x, y: rounded(now), widths: x.map(() => 0.7), colour: "#2ca02c", alpha: 0.85 }];
  const test = s.epochs.length ? s.epochs.at(-1).test_kl_dims : null;
  if (test && test.length === d) series.push({ x, y: rounded(test), colour: "#1b5e20", size: 7, alpha: 1 });
  const step = s.steps.step.length ? s.steps.step.at(-1) : 0, free_bits = s.run.spec.train_config.free_bits;
  return { height: 260, mark: step,
           panels: [{ title: `KL of each latent dimension · step ${step}`, xlabel: "latent dimension u",
                      ylabel: "nats", range: [0.3, d + 0.7, 0, null], series,
                      hlines: free_bits ? [{ y: free_bits, colour: "#d62728", dash: "dot", text: "free bits" }] : [] }],
           note: `bars: the last ${DIMS_STEPS} training steps' average · dots: the test set after the last epoch` };
}

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const SUB = "₀₁₂₃₄₅₆₇₈₉", axis = (u) => `z${String(u + 1).replace(/\d/g, (c) => SUB[c])}`;

// A frame of a model of more than two dimensions shows the two with the most KL then, and says so (figures.dims_note)
function map_data(frame, labels, header) {
  const classes = header.classes || DIGITS, dims = frame.dims || [0, 1], d = frame.latent_dim || 2;
  const note = d > 2 ? `${axis(dims[0])} and ${axis(dims[1])}: of its ${d} dimensions, the two with the most KL` : "";
  const series = classes.map((_, d) => {
    const x = [], y = [];
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== d) continue;
      x.push(Math.round(frame.mu[2 * i] * 1000) / 1000);
      y.push(Math.round(frame.mu[2 * i + 1] * 1000) / 1000);
    }
    return { x, y, colour: header.colours[d], size: 3, alpha: 0.8 };
  });
  return { height: 420, mark: frame.step,
           panels: [{ title: `epoch ${frame.epoch.toFixed(2)} · step ${frame.step}`, xlabel: axis(dims[0]),
                      ylabel: axis(dims[1]), range: [-4, 4, -4, 4], square: true, series, names: classes }],
           legend: classes.map((name, k) => ({ name, colour: header.colours[k] })), note };
}

const number = (v) => v.toLocaleString("en-US", { maximumFractionDigits: 0 });

function status_text(s) {
  const where = { wasm: `WebAssembly${s.simd ? " with SIMD" : ""}`, cpu: "the CPU backend" }[s.backend] || "";
  if (s.status === "loading") {
    if (!s.loading) return { text: "Starting TensorFlow.js in this browser...", done: 0 };
    return { text: `Fetching the training images: ${Math.round(100 * s.loading.bytes / s.loading.total)}% (once: `
                   + "this browser keeps them)", done: s.loading.bytes / s.loading.total };
  }
  const n = s.steps.step.length, epochs = s.run.spec.train_config.epochs;
  const step = n ? s.steps.step[n - 1] : 0, done = s.total_steps ? step / s.total_steps : 0;
  const epoch = n ? s.steps.epoch[n - 1] : 0, speed = n ? s.steps.samples_per_s[n - 1] : 0;
  const parts = [`epoch ${epoch.toFixed(2)} of ${epochs}`];
  if (n) parts.push(`${number(speed)} samples/s`);
  if (s.status === "running" && n) {
    const left = s.steps.elapsed[n - 1] / Math.max(1, step) * (s.total_steps - step);
    parts.push(`about ${number(left)} s left`);
  }
  const head = { running: `Training in this browser${where ? ` (${where})` : ""}`, stopped: "Stopped",
                 done: "Finished", diverged: "Stopped: the training diverged", failed: "Failed" }[s.status] || "";
  return { text: `${head} · ${parts.join(" · ")}`, done };
}

function end_text(s) {
  if (s.status === "done" && s.epochs.length) {
    const e = s.epochs.at(-1);
    return `Test loss (−ELBO) after ${s.epochs.length} epochs: ${e.test_loss.toFixed(2)} (reconstruction `
           + `${e.test_recon.toFixed(2)}, KL ${e.test_kl.toFixed(2)}). Save it below, or open it as "my training run `
           + `(live)" on the other pages.`;
  }
  if (s.status === "stopped") return "Resume goes on from this very step, with the optimiser as it was.";
  return s.message || "";
}

function render(root, s, header) {
  const q = (c) => root.querySelector(c);
  const active = s.run !== null && s.status !== "idle";
  q(".bv-head").hidden = !active;
  q(".bv-charts").hidden = !active || !s.frames.length;
  root.dataset.status = s.status;  // what the view shows, for tests: the run, how it stands, how much it has drawn
  root.dataset.backend = s.backend || "";
  root.dataset.run = s.run ? s.run.id : "";
  root.dataset.history = String(s.steps.step.length);
  if (!active) return;
  const { text, done } = status_text(s);
  q(".bv-status").textContent = text;
  q(".bv-fill").style.width = `${Math.min(100, 100 * done)}%`;
  q(".bv-stop").disabled = s.status !== "running";
  q(".bv-resume").disabled = s.status !== "stopped";
  q(".bv-buttons").hidden = !["loading", "running", "stopped"].includes(s.status);
  const message = end_text(s);
  q(".bv-message").hidden = !message;
  q(".bv-message").textContent = message;
  q(".bv-message").classList.toggle("bv-error", s.status === "failed" || s.status === "diverged");
  root.dataset.step = String(s.steps.step.length ? s.steps.step.at(-1) : 0);
  root.dataset.epochs = String(s.epochs.length);
  root.dataset.frames = String(s.frames.length);
  if (!s.frames.length || !s.labels) return;
  if (s.steps.step.length) mountChart(q(".bv-curves"), curves_data(s));
  const config = s.run.spec.config, dims = config.latent_dim > 2 && config.variational && s.steps.step.length > 0;
  q(".bv-dims").hidden = !dims;
  if (dims) mountChart(q(".bv-dims"), dims_data(s));
  const replay = s.status !== "running" && s.status !== "loading" && s.frames.length > 1;
  const slider = q(".bv-slider");
  q(".bv-replay").hidden = !replay;
  if (replay) {
    slider.max = String(s.frames.length - 1);
    if (slider.dataset.frames !== String(s.frames.length)) slider.value = slider.max;  // a new map: show it
    slider.dataset.frames = String(s.frames.length);
  }
  const frame = s.frames[replay ? Number(slider.value) : s.frames.length - 1];
  q(".bv-replay-text").textContent = `Latent map after step ${frame.step} (slide to step through the maps)`;
  mountChart(q(".bv-map"), map_data(frame, s.labels, header));
}

async function offer(root, ctl, header, setTriggerValue) {
  const box = root.querySelector(".bv-offer");
  const kept = header.run || ctl.state.run ? null : await ctl.kept();
  box.hidden = !kept;
  root.dataset.offer = kept ? kept.id : "";
  if (!kept) return;
  const finished = kept.status === "done" || kept.status === "diverged";
  root.querySelector(".bv-offer-text").textContent = finished
    ? `Your last run in this browser finished (${kept.label}). Open it again to save it or look at it on the `
      + "other pages"
    : `This browser kept a run that stopped at epoch ${kept.epoch.toFixed(2)} of ${kept.spec.train_config.epochs} when `
      + `its page closed (${kept.label}).`;
  root.querySelector(".bv-reopen").textContent = finished ? "Open it again" : "Resume it";
  root.querySelector(".bv-reopen").onclick = () => {
    box.hidden = true;
    setTriggerValue("reopen", { id: kept.id, spec: kept.spec, label: kept.label });
  };
  root.querySelector(".bv-discard").onclick = async () => {
    await ctl.discard(kept.id);
    offer(root, ctl, header, setTriggerValue);
  };
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data) return undefined;
  const { header, weights } = parse(data);
  const root = parentElement.querySelector(".bv-root") || build(parentElement);
  let gone = false, unsubscribe = null, frame = 0;
  import(new URL(header.urls.controller, document.baseURI).href).then((ctl) => {
    if (gone) return;
    const run = header.run;
    if (run && ctl.state.run?.id !== run.id) {  // the server started a run, or reopened one this browser kept
      if (run && header.resume) ctl.reopen(run, header.files, header.urls);
      else if (weights) ctl.start(run, weights, header.files, header.urls);
    }
    root.querySelector(".bv-stop").onclick = () => ctl.stop();
    root.querySelector(".bv-resume").onclick = () => ctl.go_on();
    root.querySelector(".bv-slider").oninput = () => render(root, ctl.state, header);
    const draw = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => { frame = 0; if (!gone) render(root, ctl.state, header); });
    };
    unsubscribe = ctl.subscribe(draw);
    draw();
    offer(root, ctl, header, setTriggerValue);
  });
  return () => {
    gone = true;
    if (unsubscribe) unsubscribe();
    if (frame) cancelAnimationFrame(frame);
  };
}
