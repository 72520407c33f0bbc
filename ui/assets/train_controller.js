// The training that runs in this browser tab, shared by the app's components: the Train page's view draws it, the
// relay on every page (training_relay.js) sends its weights to the server. It lives as long as the tab: the
// components come and go with the pages, this module (imported by URL, so loaded once) and its worker stay.
import * as store from "../../vae/serve/run_store.js";

const COLUMNS = ["step", "epoch", "lr", "loss", "recon", "kl", "kl_dims", "grad_norm", "samples_per_s", "elapsed"];
const listeners = new Set();
let worker = null;

export const state = blank();

function blank() {
  return {
    run: null,  // {id, spec: {config, train_config}, label}
    status: "idle",  // loading, running, stopped, done, diverged, failed
    message: "", backend: null, simd: null, loading: null, total_steps: 0,
    steps: Object.fromEntries(COLUMNS.map((c) => [c, []])), epochs: [], frames: [], labels: null, weights: null,
    seq: -1,  // grows with every change the server should hear of (vae/serve/browser_report.py reads what is sent)
  };
}

function changed(for_server = false) {  // tells the views; `for_server`: and the relay, with a report to send
  if (for_server) state.seq += 1;
  listeners.forEach((fn) => fn(state));
}

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function receive({ data: m }) {
  if (m.type === "status") {
    if (m.backend) Object.assign(state, { backend: m.backend, simd: m.simd });
    if (m.text) state.message = m.text;
  } else if (m.type === "loading") {
    state.loading = { bytes: m.bytes, total: m.total };
  } else if (m.type === "history") {  // a run reopened from this browser's storage: what it had drawn
    // (a run kept before steps carried kl_dims has none: its rows get null there)
    for (const rows of m.steps) COLUMNS.forEach((c) => state.steps[c].push(...(rows[c] || rows.step.map(() => null))));
    state.frames = m.frames.map(({ step, epoch, mu, dims, latent_dim }) => ({ step, epoch, mu, dims, latent_dim }));
    state.epochs = m.epochs;
  } else if (m.type === "started") {  // news for the server only when a stopped run goes on
    const resumed = state.status === "stopped";
    Object.assign(state, { status: "running", total_steps: m.total_steps, loading: null });
    changed(resumed);
    return;
  } else if (m.type === "steps") {
    COLUMNS.forEach((c) => state.steps[c].push(...m.rows[c]));
  } else if (m.type === "labels") {
    state.labels = m.labels;
  } else if (m.type === "frame") {
    state.frames.push({ step: m.step, epoch: m.epoch, mu: m.mu, dims: m.dims, latent_dim: m.latent_dim });
  } else if (m.type === "epoch") {
    state.epochs.push(m.metrics);
  } else if (m.type === "weights") {  // an epoch's end, the run's end (`end`: how and why), a reopened run's
    state.weights = { values: m.weights, step: m.step, epoch: m.epoch, text: null };
    if (m.end) Object.assign(state, { status: m.end.kind, message: m.end.reason });
    changed(true);
    return;
  } else if (m.type === "error") {
    Object.assign(state, { status: "failed", message: `Training failed in this browser: ${m.message}` });
    changed(true);
    return;
  }
  changed();
}

function launch(code, message) {
  if (worker) worker.terminate();
  Object.assign(state, blank());
  worker = new Worker(absolute(`${code}vae/serve/train_worker.js`), { type: "module" });
  worker.onmessage = receive;
  worker.onerror = (e) => receive({ data: { type: "error", message: e.message || "the worker could not start" } });
  state.run = message.run;
  state.status = "loading";
  worker.postMessage(message);
  changed();  // the server made this run: nothing to tell it until the browser has weights
}

// A new run the server started: run {id, spec, label}, its first weights (PyTorch's state_dict, flat), and where
// the files are (urls: {code, tfjs}; files: vae/data.js's)
export function start(run, weights, files, urls) {
  launch(urls.code, { type: "start", run, weights, files: whole(files), tfjs: absolute(urls.tfjs) });
}

// A run kept in this browser's storage (after a reload or a crash), on from where it was kept
export function reopen(run, files, urls) {
  launch(urls.code, { type: "start", run, files: whole(files), tfjs: absolute(urls.tfjs), resume: true });
}

function whole(files) {  // vae/data.js's files, their URLs made whole
  return Object.fromEntries(Object.entries(files).map(([k, f]) => [k, { ...f, url: absolute(f.url) }]));
}

export function stop() {
  if (worker && state.status === "running") worker.postMessage({ type: "stop" });
}

export function go_on() {
  if (worker && state.status === "stopped") worker.postMessage({ type: "continue" });
}

export const kept = () => store.newest_idle();
export const discard = (id) => store.remove(id);

export function absolute(url) {  // the worker resolves URLs against its own address: give it whole ones
  return new URL(url, document.baseURI).href;
}

function base64(floats) {
  const bytes = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

// What the server should hear, if it has not yet heard it (it acknowledged `acked`): the run's settings, how it
// stands, its per-epoch test values and its newest weights (float32 in PyTorch's state_dict order, base64).
// `register`: the server does not know this run (it restarted, or this tab reached another one), so it is sent whole.
function report(acked, register = false) {
  if (!state.run || (!register && state.seq <= acked)) return null;
  const w = state.weights;
  if (w && w.text === null) w.text = base64(w.values);
  const history = state.epochs.map(({ epoch, step, elapsed, test_loss, test_recon, test_kl }) =>
    ({ epoch, step, elapsed, test_loss, test_recon, test_kl }));
  return { run: state.run.id, seq: state.seq, kind: register ? "register" : "update",
           status: state.status === "loading" ? "running" : state.status, total_steps: state.total_steps,
           step: w ? w.step : 0, epoch: w ? w.epoch : 0, epochs: history, weights: w ? w.text : null,
           spec: state.run.spec, label: state.run.label };
}

const RESEND_MS = 10000;  // a report the server has not acknowledged by then is sent again (a dropped connection)
let in_flight = null;  // {run, seq, at}

// The report the relay should send now, given the run the server knows (`server_run`, null for none) and the last
// report it took: one at a time, each after the one before was acknowledged. A run the server does not know is
// registered only if the server knows none (if it knows another, the page is about to start that one here).
export function next_report(server_run, acked) {
  if (!state.run || state.status === "idle") return null;
  const register = server_run === null && state.weights !== null;
  if (server_run !== state.run.id && !register) return null;
  const waiting = in_flight && in_flight.run === state.run.id && performance.now() - in_flight.at < RESEND_MS
    && (register ? in_flight.register && in_flight.seq === state.seq : in_flight.seq > acked);
  if (waiting) return null;
  const out = report(register ? -1 : acked, register);
  if (out) in_flight = { run: out.run, seq: out.seq, register, at: performance.now() };
  return out;
}
