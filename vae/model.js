// The VAE of record in TensorFlow.js, beside vae/model.py and read the same way: encoder 784-196-48 (Tanh), heads
// 48-16-2 for mu and log-variance, decoder 2-16-48-196-784 ending in logits. `tf` is TensorFlow.js, which the
// training worker (vae/serve/train_worker.js) loads before this file. A conditional model (config.conditional) takes
// the one-hot class y as well: the encoder reads 784 + 10 numbers, the decoder 2 + 10.
//
// Weights come in and go out in PyTorch's state_dict layout: the same names ("encoder.0.weight"), shapes (out, in)
// and order, so that the server reads what the browser trained with the same checks as any checkpoint.

export const N_PIXELS = 28 * 28;
export const N_CLASSES = 10;

// Class labels (B,) in 0..9 -> one-hot float rows (B, 10), the y a conditional model takes
export function one_hot(labels) {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), "int32"), N_CLASSES).toFloat());
}

// y = x W^T + b, then Tanh if asked, with its gradient written out for speed (both measured in Chromium on the
// WebAssembly backend): the backend hands a matrix product to XNNPACK only when neither operand is transposed, and
// autodiff's products are transposed (training ran 3x slower); and its tanh is scalar code, 15x slower than its
// sigmoid, so tanh(a) is computed as 2 sigmoid(2a) - 1. W is held transposed, as `kernel` (in, out), so the forward
// product needs no transpose either. The encoder's first layer skips the gradient for its input (the images).
export function linear(x, layer) {
  const { kernel, bias, tanh, needs_input_grad } = layer;
  const forward = (x, kernel, bias) => {
    const a = tf.fused.matMul({ a: x, b: kernel, bias });
    return tanh ? tf.sub(tf.mul(tf.sigmoid(tf.mul(a, 2)), 2), 1) : a;
  };
  const backward = (dy, x, kernel, y) => {
    const da = tanh ? tf.mul(dy, tf.sub(1, tf.square(y))) : dy;  // tanh'(a) = 1 - tanh(a)^2
    const d_bias = tf.matMul(ones(da.shape[0]), da).reshape([-1]);  // the column sums: 6x faster than tf.sum
    return [tf.matMul(tf.transpose(x), da), d_bias, needs_input_grad && tf.matMul(da, tf.transpose(kernel))];
  };
  if (!needs_input_grad) {
    return tf.customGrad((kernel, bias, save) => {
      const y = forward(x, kernel, bias);
      save([x, kernel, y]);
      return { value: y, gradFunc: (dy, [x, kernel, y]) => backward(dy, x, kernel, y).slice(0, 2) };
    })(kernel, bias);
  }
  return tf.customGrad((x, kernel, bias, save) => {
    const y = forward(x, kernel, bias);
    save([x, kernel, y]);
    return {
      value: y,
      gradFunc: (dy, [x, kernel, y]) => {
        const [d_kernel, d_bias, d_x] = backward(dy, x, kernel, y);
        return [d_x, d_kernel, d_bias];
      },
    };
  })(x, kernel, bias);
}

// The shape two leading shapes broadcast to, by NumPy's rule (torch.broadcast_shapes)
function broadcast_shapes(a, b) {
  const n = Math.max(a.length, b.length), out = [];
  for (let k = 0; k < n; k++) {
    const p = a[a.length - n + k] ?? 1, q = b[b.length - n + k] ?? 1;
    if (p !== q && p !== 1 && q !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(p === 1 ? q : p);
  }
  return out;
}

const kept_ones = new Map();  // a row of ones for each batch size, made once
function ones(n) {
  if (!kept_ones.has(n)) kept_ones.set(n, tf.keep(tf.ones([1, n])));
  return kept_ones.get(n);
}

// Linear layers with Tanh between them (and after the last, if asked): the layers of vae.model.mlp, named as PyTorch
// names a Sequential's modules (a Linear at every even index, its Tanh at the odd one after it).
export function mlp(sizes, last_activation, prefix) {
  return sizes.slice(1).map((n_out, i) => ({
    name: `${prefix}.${2 * i}`, n_in: sizes[i], n_out,
    tanh: i < sizes.length - 2 || last_activation, needs_input_grad: true,
  }));
}

function run(layers, x) {
  return layers.reduce((h, layer) => linear(h, layer), x);
}

// The layers a config describes, by network, as vae.model.VAE builds them
export function networks(config) {
  const hidden = config.encoder_hidden, n_y = config.conditional ? N_CLASSES : 0;
  const encoder = mlp([N_PIXELS + n_y, ...hidden], true, "encoder");
  encoder[0].needs_input_grad = false;
  return {
    encoder,
    mu_head: mlp([hidden.at(-1), config.head_hidden, config.latent_dim], false, "mu_head"),
    logvar_head: config.variational ? mlp([hidden.at(-1), config.head_hidden, config.latent_dim], false,
                                          "logvar_head") : [],
    decoder: mlp([config.latent_dim + n_y, ...config.decoder_hidden, N_PIXELS], false, "decoder"),
  };
}

// Every layer, in the order of PyTorch's state_dict (each its weight, then its bias)
export function state_dict_layers(config) {
  const { encoder, mu_head, logvar_head, decoder } = networks(config);
  return [...encoder, ...mu_head, ...logvar_head, ...decoder];
}

export class VAE {
  // state_dict: {name: Float32Array} in PyTorch's layout; every tensor the config describes must be there
  constructor(config, state_dict) {
    this.config = config;
    Object.assign(this, networks(config));
    for (const layer of this.layers()) {
      const weight = state_dict[`${layer.name}.weight`], bias = state_dict[`${layer.name}.bias`];
      if (!weight || weight.length !== layer.n_in * layer.n_out || !bias || bias.length !== layer.n_out) {
        throw new Error(`the weights do not fit the model at ${layer.name}`);
      }
      layer.kernel = tf.tidy(() => tf.variable(tf.transpose(tf.tensor2d(weight, [layer.n_out, layer.n_in]))));
      layer.bias = tf.tidy(() => tf.variable(tf.tensor1d(bias)));
    }
  }

  layers() {  // in the order of PyTorch's state_dict
    return [...this.encoder, ...this.mu_head, ...this.logvar_head, ...this.decoder];
  }

  parameters() {
    return this.layers().flatMap((layer) => [layer.kernel, layer.bias]);
  }

  // v (..., n) with the one-hot class y (..., 10) appended, both broadcast to their common leading shape, as rows
  // (N, n + 10); v's rows (N, n) when the model is not conditional (y is then ignored)
  join(v, y) {
    const n = v.shape.at(-1);
    if (!this.config.conditional) return v.reshape([-1, n]);
    if (!y) throw new Error("this is a conditional model: give the class y (one-hot, ..., 10) as well");
    const lead = broadcast_shapes(v.shape.slice(0, -1), y.shape.slice(0, -1));
    return tf.concat([tf.broadcastTo(v, [...lead, n]).reshape([-1, n]),
                      tf.broadcastTo(y, [...lead, N_CLASSES]).reshape([-1, N_CLASSES])], 1);
  }

  // x: (B, 784) pixels in [0, 1] (and y: (B, 10) for a conditional model) -> mu, logvar: (B, D). A plain
  // autoencoder's logvar is -inf, as in model.py.
  encode(x, y = null) {
    const h = run(this.encoder, this.join(x, y));
    const mu = run(this.mu_head, h);
    if (!this.config.variational) return { mu, logvar: tf.fill(mu.shape, -Infinity) };
    return { mu, logvar: tf.clipByValue(run(this.logvar_head, h), this.config.logvar_min, this.config.logvar_max) };
  }

  // z: (..., D) (and y: (..., 10), broadcast against z's leading dims) -> logits: (..., 784)
  decode(z, y = null) {
    const lead = this.config.conditional && y ? broadcast_shapes(z.shape.slice(0, -1), y.shape.slice(0, -1))
                                              : z.shape.slice(0, -1);
    return run(this.decoder, this.join(z, y)).reshape([...lead, N_PIXELS]);
  }

  // z = mu + sigma * eps, eps ~ N(0, I) of shape (L, B, D), drawn by the caller's generator (model.py draws it here)
  static reparameterize(mu, logvar, eps) {
    return tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps));
  }

  // model.py's forward(x, y, n_samples, generator), with the noise eps (L, B, D) drawn by the caller
  forward(x, eps, y = null) {
    const { mu, logvar } = this.encode(x, y);
    const z = this.config.variational ? VAE.reparameterize(mu, logvar, eps)
                                      : tf.broadcastTo(mu, [eps.shape[0], ...mu.shape]);
    return { mu, logvar, z, logits: this.decode(z, y) };
  }

  // {name: Float32Array} in PyTorch's layout and order: what goes back to the server
  state_dict() {
    const out = {};
    for (const layer of this.layers()) {
      const weight = tf.transpose(layer.kernel);
      out[`${layer.name}.weight`] = weight.dataSync().slice();
      weight.dispose();
      out[`${layer.name}.bias`] = layer.bias.dataSync().slice();
    }
    return out;
  }

  dispose() {
    this.parameters().forEach((p) => p.dispose());
  }
}
