// The browser's training process: a Web Worker that runs vae/trainer.js's train() and streams what it yields to the
// page, as vae/serve/worker.py does for the server's child process. A worker is not throttled in a background tab
// (the page's own thread is), and nothing it does makes the page wait.
//
// From the page: {type: "start", run, weights, files, tfjs} (a new run, or with `resume` one kept in this browser),
// {type: "stop"}, {type: "continue"} (after a stop, on from the same step). To the page: "status", "loading",
// "labels" (of the mapped test images), "history" (a reopened run's), "started", "steps" (per-step metrics, a few
// times a second), "frame" (a latent map), "epoch", "weights" (at each epoch's end, and when the run ends with how it
// ended), "error". Everything is also kept in IndexedDB (run_store.js).
import { VAE, one_hot, state_dict_layers } from "../model.js";
import { Adam, fresh_state, train } from "../trainer.js";
import { kl_per_dimension } from "../collapse.js";
import { load_dataset } from "../data.js";
import * as store from "./run_store.js";

const FRAME_DIGITS = 2000, FRAMES_PER_EPOCH = 4;  // as vae/serve/worker.py
const POST_EVERY_MS = 200, YIELD_EVERY_MS = 50;
const COLUMNS = ["step", "epoch", "lr", "loss", "recon", "kl", "kl_dims", "grad_norm", "samples_per_s", "elapsed"];

let job = null;  // the run this worker trains: {id, spec, model, optimizer, data, state, ...}
let stopping = false;

const post = (message, transfer = []) => self.postMessage(message, transfer);

// A macrotask: lets the worker read the page's messages (a Stop) between steps. A resolved promise would not.
const channel = new MessageChannel();
const breathe = () => new Promise((resolve) => {
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(0);
});

async function load_library(tfjs) {
  if (globalThis.tf) return tf.getBackend();
  await import(`${tfjs}tf.min.js`);
  await import(`${tfjs}tf-backend-wasm.min.js`);
  tf.wasm.setWasmPaths(tfjs);
  try {
    if (await tf.setBackend("wasm")) return "wasm";
  } catch (error) {
    const why = error.message || error;
    post({ type: "status", text: `WebAssembly could not start (${why}); training uses the slower CPU backend.` });
  }
  await tf.setBackend("cpu");
  return "cpu";
}

function concat(parts) {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) { out.set(p, offset); offset += p.length; }
  return out;
}

// the state_dict's tensors back to back, in order: what the server reads
const flat_weights = (model) => concat(Object.values(model.state_dict()));

function unflatten(model_layers, flat) {  // the reverse, by the layer sizes the config describes
  const state_dict = {};
  let offset = 0;
  for (const { name, n_in, n_out } of model_layers) {
    state_dict[`${name}.weight`] = flat.subarray(offset, (offset += n_in * n_out));
    state_dict[`${name}.bias`] = flat.subarray(offset, (offset += n_out));
  }
  return state_dict;
}

// The map the page draws: the first test images' posterior means in the two dimensions that carry the most KL on
// them (`dims`; a 2-D model's are its own two), as vae/serve/worker.py's _frame
function frame(step, epoch) {
  const config = job.model.config;
  const [mu, kl] = tf.tidy(() => {
    const x = tf.tensor2d(job.data.x_test.subarray(0, FRAME_DIGITS * 784), [FRAME_DIGITS, 784]);
    const y = config.conditional ? one_hot(job.data.y_test.subarray(0, FRAME_DIGITS)) : null;
    const q = job.model.encode(x, y);
    return [q.mu, config.variational ? kl_per_dimension(q.mu, q.logvar) : tf.zeros([config.latent_dim])];
  });
  const d = config.latent_dim, kl_dims = kl.dataSync();
  const dims = d > 2 && config.variational
    ? Array.from(kl_dims.keys()).sort((a, b) => kl_dims[b] - kl_dims[a]).slice(0, 2).sort((a, b) => a - b) : [0, 1];
  const all = mu.dataSync(), out = new Float32Array(2 * FRAME_DIGITS);
  for (let i = 0; i < FRAME_DIGITS; i++) [out[2 * i], out[2 * i + 1]] = [all[i * d + dims[0]], all[i * d + dims[1]]];
  tf.dispose([mu, kl]);
  return { step, epoch, mu: out, dims, latent_dim: d };
}

async function keep(status) {  // where the run stands, into IndexedDB (its history is added as it comes)
  const { optimizer, state } = job;
  await store.save_run({
    id: job.id, spec: job.spec, label: job.label, status, updated: Date.now(), backend: job.backend,
    step: state.step, total_steps: job.total_steps, epoch: state.epoch + state.position / job.data.n_train,
    weights: flat_weights(job.model).buffer, epochs: job.epochs, state: { ...state, optimizer: null },
    optimizer: { step_count: optimizer.step_count, exp_avg: optimizer.exp_avg.slice().buffer,
                 exp_avg_sq: optimizer.exp_avg_sq.slice().buffer },
  });
}

function restore_moments(optimizer, saved) {
  if (!saved) return;
  optimizer.step_count = saved.step_count;
  optimizer.exp_avg.set(new Float32Array(saved.exp_avg));
  optimizer.exp_avg_sq.set(new Float32Array(saved.exp_avg_sq));
}

// The weights, with how the run stands: at an epoch's end, when it ends (with why), and for a run reopened
function send_weights(kind, end = null) {
  const flat = flat_weights(job.model);
  post({ type: "weights", kind, end, step: job.state.step, weights: flat,
         epoch: job.state.epoch + job.state.position / job.data.n_train }, [flat.buffer]);
}

async function run_training() {
  const { spec, state } = job;
  const cfg = spec.train_config;
  const steps_per_epoch = Math.ceil(job.data.n_train / cfg.batch_size);
  const frame_every = Math.max(1, Math.floor(steps_per_epoch / FRAMES_PER_EPOCH));
  let rows = Object.fromEntries(COLUMNS.map((c) => [c, []])), posted = performance.now(), breathed = posted;
  let chunk = job.chunks;
  const flush = async () => {
    if (!rows.step.length) return;
    post({ type: "steps", rows, total_steps: job.total_steps });
    await store.add_steps(job.id, chunk++, rows);
    job.chunks = chunk;
    rows = Object.fromEntries(COLUMNS.map((c) => [c, []]));
    posted = performance.now();
  };
  stopping = false;
  await navigator.locks.request(store.lock_name(job.id), async () => {
    if (state.step === 0) await on_frame(frame(0, 0));
    for await (const m of train(job.model, job.data, cfg, state, job.optimizer, () => stopping)) {
      if (m.kind === "step") {
        COLUMNS.forEach((c) => rows[c].push(m[c]));
        const now = performance.now();
        if (m.step % frame_every === 0) {
          await flush();
          await on_frame(frame(m.step, m.epoch));
          await keep("running");
        } else if (now - posted > POST_EVERY_MS) {
          await flush();
        }
        if (now - breathed > YIELD_EVERY_MS) {
          await breathe();
          breathed = performance.now();
        }
      } else if (m.kind === "epoch") {
        await flush();
        job.epochs.push(m);
        post({ type: "epoch", metrics: m });
        await keep("running");
        send_weights("epoch");
      } else {
        await flush();
        job.status = m.kind;
        await keep(job.status);
        send_weights(m.kind, { kind: m.kind, reason: m.reason });  // one message: one report to the server
      }
    }
  });
  await store.prune();
}

async function on_frame(f) {
  job.frames += 1;
  post({ type: "frame", ...f });
  await store.add_frame(job.id, job.frames - 1, f);
}

async function start({ run, weights, files, tfjs, resume }) {
  const backend = await load_library(tfjs);
  post({ type: "status", backend, simd: backend === "wasm" && await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") });
  if (resume) await store.truncate(run.id);  // the steps after where it was kept, it trains again
  const kept = resume ? await store.load_run(run.id) : null;
  const spec = kept ? kept.record.spec : run.spec;
  const data = await load_dataset(files, (bytes, total) => post({ type: "loading", bytes, total }));
  job = { id: run.id, spec, label: run.label, data, backend, epochs: kept ? kept.record.epochs : [],
          frames: kept ? kept.frames.length : 0, chunks: kept ? kept.steps.length : 0, status: "running" };
  const flat = kept ? new Float32Array(kept.record.weights) : weights;
  job.model = new VAE(spec.config, unflatten(state_dict_layers(spec.config), flat));
  job.optimizer = new Adam(job.model.parameters(), spec.train_config.lr);
  restore_moments(job.optimizer, kept && kept.record.optimizer);
  job.state = kept ? { ...kept.record.state, optimizer: null } : fresh_state(spec.train_config);
  job.total_steps = spec.train_config.epochs * Math.ceil(data.n_train / spec.train_config.batch_size);
  post({ type: "labels", labels: data.y_test.slice(0, FRAME_DIGITS) });
  if (kept) {
    post({ type: "history", steps: kept.steps, frames: kept.frames, epochs: kept.record.epochs });
    send_weights("kept");  // the server has none of this run yet
  }
  post({ type: "started", total_steps: job.total_steps });
  await run_training();
}

self.onmessage = async ({ data: message }) => {
  try {
    if (message.type === "start") await start(message);
    else if (message.type === "stop") stopping = true;
    else if (message.type === "continue" && job && job.status === "stopped") {
      job.status = "running";
      post({ type: "started", total_steps: job.total_steps });
      await run_training();
    }
  } catch (error) {
    post({ type: "error", message: String(error && error.message || error) });
  }
};
