// Training as a generator of metric objects, beside vae/trainer.py: the same learning-rate schedule, KL warm-up,
// free bits, divergence check and Adam, yielding the same kinds of objects ("step", "epoch", then one of "done",
// "stopped", "diverged"). What differs is said where it differs: the random draws come from a Generator
// (vae/generator.js), and the test set is scored on the noise vae.trainer.evaluate draws, which the server sends, so
// that the same weights score the same in the browser and in PyTorch.
import { kl_per_dimension } from "./collapse.js";
import { elbo_terms } from "./losses.js";
import { batch_of, binarize, labels_of } from "./data.js";
import { Generator } from "./generator.js";
import { one_hot } from "./model.js";

// Linear warm-up, then a cosine decay down to lr * final_lr_frac at the last step
export function lr_at(step, total_steps, steps_per_epoch, cfg) {
  const warmup = Math.max(1, Math.round(cfg.warmup_epochs * steps_per_epoch));
  if (step < warmup) return cfg.lr * (step + 1) / warmup;
  const progress = (step - warmup) / Math.max(1, total_steps - warmup);
  const floor = cfg.final_lr_frac;
  return cfg.lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
}

export function kl_weight_at(step, steps_per_epoch, cfg) {
  if (!cfg.kl_warmup_epochs) return 1;
  return Math.min(1, (step + 1) / (cfg.kl_warmup_epochs * steps_per_epoch));
}

// A number that is not finite, as Python writes it
const shown = (v) => (Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");

// Why training must stop now, in words, or "" if this step is fine
export function divergence(loss, grad_norm, first_loss, explode_factor) {
  if (!Number.isFinite(loss)) return `the loss became ${shown(loss)}`;
  if (!Number.isFinite(grad_norm)) return `the gradient became ${shown(grad_norm)}`;
  if (loss - first_loss > explode_factor * Math.max(Math.abs(first_loss), 1)) {
    return `the loss jumped to ${loss.toPrecision(4)}, far above its starting value ${first_loss.toPrecision(4)}`;
  }
  return "";
}

// torch.optim.Adam's update (no weight decay, no AMSGrad), with PyTorch's defaults written out: TensorFlow.js's own
// Adam takes its epsilon from the backend (1e-7 here) unless given one, and places it differently. The update is one
// pass over plain arrays: as twelve TensorFlow.js operations it read and wrote every weight twelve times, and took a
// sixth of each training step (measured in Chromium). `values` holds the weights as the optimiser updates them; the
// model's tensors are made anew from it after each step.
export class Adam {
  constructor(params, lr, betas = [0.9, 0.999], eps = 1e-8) {
    Object.assign(this, { params, lr, betas, eps, step_count: 0 });
    this.values = flat_values(params);
    this.exp_avg = new Float32Array(this.values.length);
    this.exp_avg_sq = new Float32Array(this.values.length);
  }

  // grad: every weight's gradient, in the order of params (flat_values's layout)
  step(grad) {
    const [beta1, beta2] = this.betas, { values, exp_avg, exp_avg_sq, eps } = this;
    this.step_count += 1;
    const step_size = this.lr / (1 - beta1 ** this.step_count);
    const inverse_bias_correction2_sqrt = 1 / Math.sqrt(1 - beta2 ** this.step_count);
    const a1 = 1 - beta1, a2 = 1 - beta2, n = values.length;
    for (let i = 0; i < n; i++) {
      const g = grad[i];
      const m = beta1 * exp_avg[i] + a1 * g, v = beta2 * exp_avg_sq[i] + a2 * g * g;
      exp_avg[i] = m;
      exp_avg_sq[i] = v;
      values[i] -= step_size * m / (Math.sqrt(v) * inverse_bias_correction2_sqrt + eps);
    }
    this.load();
  }

  load(values = this.values) {  // the model's weights from `values`
    let at = 0;
    for (const p of this.params) {
      const t = tf.tensor(values.subarray(at, (at += p.size)), p.shape);
      p.assign(t);
      t.dispose();
    }
    if (values !== this.values) this.values.set(values);
  }
}

// The tensors' values back to back, in order, into `out` (made if not given)
export function flat_values(tensors, out = null) {
  out ??= new Float32Array(tensors.reduce((n, t) => n + t.size, 0));
  let at = 0;
  for (const t of tensors) {
    out.set(t.dataSync(), at);
    at += t.size;
  }
  return out;
}

// Each latent dimension's KL to the prior, averaged over the batch (D,), as trainer.py's kl_dimensions: zeros for a
// plain autoencoder, which has no KL
export function kl_dimensions(out, config) {
  return config.variational ? kl_per_dimension(out.mu, out.logvar) : tf.zeros([config.latent_dim]);
}

// Test-set averages of the loss terms and of each dimension's KL, on the fixed noise `eps` (1, n, D) that
// vae.trainer.evaluate draws
// (labels: the test images' classes (n,), which a conditional model is given with them)
export function evaluate(model, x_test, eps, batch_size, labels = null) {
  const n = x_test.length / 784, totals = { loss: 0, recon: 0, kl: 0 }, D = model.config.latent_dim;
  const kl_dims = new Float64Array(D);
  for (let i = 0; i < n; i += batch_size) {
    const b = Math.min(batch_size, n - i);
    const values = tf.tidy(() => {
      const xb = tf.tensor2d(x_test.subarray(i * 784, (i + b) * 784), [b, 784]);
      const y = model.config.conditional ? one_hot(labels.subarray(i, i + b)) : null;
      const noise = tf.tensor3d(eps.subarray(i * model.config.latent_dim, (i + b) * model.config.latent_dim),
                                [1, b, model.config.latent_dim]);
      const out = model.forward(xb, noise, y);
      const terms = elbo_terms(xb, out, model.config);
      return tf.concat([tf.stack([terms.loss, terms.recon, terms.kl]), kl_dimensions(out, model.config)]);
    });
    const [loss, recon, kl, ...dims] = values.dataSync();
    values.dispose();
    totals.loss += loss * b;
    totals.recon += recon * b;
    totals.kl += kl * b;
    dims.forEach((v, u) => { kl_dims[u] += v * b; });
  }
  return { loss: totals.loss / n, recon: totals.recon / n, kl: totals.kl / n,
           kl_dims: Array.from(kl_dims, (v) => v / n) };
}

// Where a run stands: everything train() needs to go on from this exact point, and kept up to date by it at every
// step, so that the caller can store it (the browser keeps it across a reload) and a later train() continues.
export function fresh_state(cfg) {
  return { step: 0, epoch: 0, position: 0, seen: 0, first_loss: NaN, elapsed: 0, eval_time: 0,
           epoch_generator: null, generator: new Generator(cfg.seed).get_state(), optimizer: null };
}

// Yields {kind: "step", ...} every step, {kind: "epoch", ...} after each epoch's test evaluation, and finally one
// {kind: "done" | "stopped" | "diverged", reason}. data: vae/data.js's images; eval_noise: see evaluate();
// stop() says whether to stop before the next step; optimizer: an Adam over model.parameters() (its moments are
// part of the state the caller keeps).
export async function* train(model, data, cfg, state, optimizer, stop) {
  const gen = new Generator().set_state(state.generator);
  const params = model.parameters();
  const n = data.n_train, steps_per_epoch = Math.ceil(n / cfg.batch_size);
  const total_steps = cfg.epochs * steps_per_epoch, x_test = data.targets(cfg);
  const t0 = performance.now() - state.elapsed * 1000;
  const elapsed = () => (performance.now() - t0) / 1000;
  const grad = new Float32Array(optimizer.values.length), good = optimizer.values.slice();
  for (; state.epoch < cfg.epochs; state.epoch++) {
    let order;
    if (state.epoch_generator === null) {  // a new epoch: its order is the stream's next draw, as in trainer.py
      state.epoch_generator = gen.get_state();
      order = gen.randperm(n);
      state.generator = gen.get_state();
    } else {  // going on inside an epoch: the same order again, the stream where it was
      order = new Generator().set_state(state.epoch_generator).randperm(n);
    }
    for (let i = state.position; i < n; i += cfg.batch_size) {
      if (stop()) {
        yield { kind: "stopped", reason: "stopped on request", step: state.step };
        return;
      }
      let xb = batch_of(data.x_train, order, i, Math.min(n, i + cfg.batch_size));
      const yb = model.config.conditional ? labels_of(data.y_train, order, i, Math.min(n, i + cfg.batch_size)) : null;
      if (cfg.binarize) xb = binarize(xb, gen);
      const b = xb.length / 784, lr = lr_at(state.step, total_steps, steps_per_epoch, cfg);
      const eps = gen.randn(cfg.mc_samples * b * model.config.latent_dim);
      const numbers = tf.tidy(() => {
        const x = tf.tensor2d(xb, [b, 784]);
        const noise = tf.tensor3d(eps, [cfg.mc_samples, b, model.config.latent_dim]);
        let terms, kl_dims;
        const { grads } = tf.variableGrads(() => {
          const out = model.forward(x, noise, yb && one_hot(yb));
          terms = elbo_terms(x, out, model.config, kl_weight_at(state.step, steps_per_epoch, cfg), cfg.free_bits);
          kl_dims = tf.keep(kl_dimensions(out, model.config));
          [terms.loss, terms.recon, terms.kl].forEach((t) => tf.keep(t));
          return terms.objective;
        }, params);
        const values = tf.keep(tf.concat([tf.stack([terms.loss, terms.recon, terms.kl]), kl_dims]));
        const kept = [terms.loss, terms.recon, terms.kl, kl_dims];  // kept past variableGrads: disposed once read
        return { g: params.map((p) => tf.keep(grads[p.name])), values, kept };
      });
      const [loss, recon, kl, ...kl_dims] = numbers.values.dataSync();
      flat_values(numbers.g, grad);
      tf.dispose([numbers.g, numbers.values, numbers.kept]);
      let squares = 0;
      for (let k = 0; k < grad.length; k++) squares += grad[k] * grad[k];
      const grad_norm = Math.sqrt(squares);
      if (state.step === 0) state.first_loss = loss;
      const problem = divergence(loss, grad_norm, state.first_loss, cfg.explode_factor);
      if (problem) {
        optimizer.load(good);
        yield { kind: "diverged", step: state.step, epoch: state.epoch,
                reason: `${problem} at step ${state.step} (learning rate ${lr.toPrecision(3)}). Training stopped and ` +
                        "the weights from before that step were kept. Try a smaller learning rate." };
        return;
      }
      good.set(optimizer.values);
      optimizer.lr = lr;
      optimizer.step(grad);
      state.step += 1;
      state.seen += b;
      state.position = i + b;
      state.generator = gen.get_state();
      state.elapsed = elapsed();
      yield { kind: "step", step: state.step, epoch: state.epoch + state.position / n, lr, loss, recon, kl, kl_dims,
              grad_norm, samples_per_s: state.seen / (state.elapsed - state.eval_time), elapsed: state.elapsed,
              total_steps };
    }
    const t_eval = performance.now();
    const test = evaluate(model, x_test, data.eval_noise, cfg.eval_batch_size, data.y_test);
    state.eval_time += (performance.now() - t_eval) / 1000;
    state.elapsed = elapsed();
    state.position = 0;
    state.epoch_generator = null;
    yield { kind: "epoch", step: state.step, epoch: state.epoch + 1, elapsed: state.elapsed,
            samples_per_s: state.seen / (state.elapsed - state.eval_time), test_loss: test.loss,
            test_recon: test.recon, test_kl: test.kl, test_kl_dims: test.kl_dims };
  }
  yield { kind: "done", reason: `finished ${cfg.epochs} epochs`, step: state.step };
}
