"""A harness that runs the browser's maths (vae/*.js on TensorFlow.js) in a Web Worker of headless Chromium, as the
Train page's worker runs it, and hands the numbers back to Python: for the parity tests and the speed benchmark."""
import base64
import json

import numpy as np

from vae.serve.browser_files import publish_code

# A module worker made from text: it imports the published modules by their whole URLs, as the page's worker does
HARNESS = """
const code = %(code)s, tfjs = %(tfjs)s;
const model_js = await import(code + "vae/model.js");
const losses = await import(code + "vae/losses.js");
const trainer = await import(code + "vae/trainer.js");
await import(tfjs + "tf.min.js");
await import(tfjs + "tf-backend-wasm.min.js");
tf.wasm.setWasmPaths(tfjs);
const floats = (text) => new Float32Array(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer);
const text = (f) => { const b = new Uint8Array(f.buffer, f.byteOffset, f.byteLength); let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return btoa(s); };
function unflatten(config, flat) {
  const out = {}; let at = 0;
  for (const { name, n_in, n_out } of model_js.state_dict_layers(config)) {
    out[name + ".weight"] = flat.subarray(at, (at += n_in * n_out));
    out[name + ".bias"] = flat.subarray(at, (at += n_out));
  }
  return out;
}
const tasks = {
  // loss terms, every gradient (in PyTorch's layout and order) and the weights after one Adam step
  async step({ backend, config, weights, x, eps, L, B, kl_weight, free_bits, lr, labels }) {
    await tf.setBackend(backend);
    const model = new model_js.VAE(config, unflatten(config, floats(weights)));
    const params = model.parameters();
    let terms;
    const { grads } = tf.variableGrads(() => {
      const images = tf.tensor2d(floats(x), [B, 784]), noise = tf.tensor3d(floats(eps), [L, B, config.latent_dim]);
      const y = labels ? model_js.one_hot(labels) : null;
      terms = losses.elbo_terms(images, model.forward(images, noise, y), config, kl_weight, free_bits);
      [terms.loss, terms.recon, terms.kl].forEach((t) => tf.keep(t));
      return terms.objective;
    }, params);
    const g = params.map((p) => grads[p.name]);
    const flat = [];
    model.layers().forEach((layer, k) => { flat.push(tf.transpose(g[2 * k]).dataSync(), g[2 * k + 1].dataSync()); });
    const all = new Float32Array(flat.reduce((n, f) => n + f.length, 0)); let at = 0;
    for (const f of flat) { all.set(f, at); at += f.length; }
    const optimizer = new trainer.Adam(params, lr);
    optimizer.step(trainer.flat_values(g));
    const after = Object.values(model.state_dict());
    const afterAll = new Float32Array(all.length); at = 0;
    for (const f of after) { afterAll.set(f, at); at += f.length; }
    return { backend: tf.getBackend(), loss: terms.loss.dataSync()[0], recon: terms.recon.dataSync()[0],
             kl: terms.kl.dataSync()[0],
             grads: text(all), after: text(afterAll) };
  },
  // one Adam step from the given gradients (PyTorch's layout and order): the optimiser alone
  async adam({ backend, config, weights, grads, lr, steps }) {
    await tf.setBackend(backend);
    const model = new model_js.VAE(config, unflatten(config, floats(weights)));
    const given = unflatten(config, floats(grads)), g = [];
    for (const layer of model.layers()) {
      g.push(tf.transpose(tf.tensor2d(given[layer.name + ".weight"], [layer.n_out, layer.n_in])),
             tf.tensor1d(given[layer.name + ".bias"]));
    }
    const optimizer = new trainer.Adam(model.parameters(), lr), flat = trainer.flat_values(g);
    for (let i = 0; i < steps; i++) optimizer.step(flat);
    const after = Object.values(model.state_dict());
    const all = new Float32Array(after.reduce((n, f) => n + f.length, 0)); let at = 0;
    for (const f of after) { all.set(f, at); at += f.length; }
    return { after: text(all) };
  },
  // the trainer's schedules and divergence check, at the given points
  schedules({ cfg, steps, steps_per_epoch, total_steps, losses: cases }) {
    return { lr: steps.map((s) => trainer.lr_at(s, total_steps, steps_per_epoch, cfg)),
             kl_weight: steps.map((s) => trainer.kl_weight_at(s, steps_per_epoch, cfg)),
             divergence: cases.map(([loss, grad, first, factor]) => trainer.divergence(loss, grad, first, factor)) };
  },
};
self.onmessage = async ({ data }) => {
  try { self.postMessage({ ok: await tasks[data.task](data) }); }
  catch (e) { self.postMessage({ error: String(e && e.stack || e) }); }
};
self.postMessage({ ready: true });
"""

OPEN = """async ([source]) => {
  const blob = new Blob([source], { type: "text/javascript" });
  window.harness = new Worker(URL.createObjectURL(blob), { type: "module" });
  await new Promise((resolve, reject) => {
    window.harness.onmessage = (e) => e.data.ready ? resolve() : reject(e.data.error);
    window.harness.onerror = (e) => reject(e.message);
  });
}"""
CALL = """(message) => new Promise((resolve) => {
  window.harness.onmessage = (e) => resolve(e.data);
  window.harness.postMessage(message);
})"""


def encode(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode()


def decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


class Harness:
    """The worker in a page of the app's origin (`base`: the app server's URL), ready for `call`."""

    def __init__(self, page, base: str):
        urls = {k: f"{base}/{v}" for k, v in publish_code().items()}
        page.goto(f"{base}/_stcore/health")
        page.evaluate(OPEN, [HARNESS % {"code": json.dumps(urls["code"]), "tfjs": json.dumps(urls["tfjs"])}])
        self.page = page

    def call(self, task: str, **message):
        answer = self.page.evaluate(CALL, {"task": task, **message})
        if "error" in answer:
            raise AssertionError(f"the browser's {task} failed: {answer['error']}")
        return answer["ok"]
