// The images a model learns from, as vae/data.py holds them, for the browser's trainer: fetched once from the files
// the server published (vae/serve/browser_data.py says their layout) and kept as bytes; a batch becomes pixels in
// [0, 1] as float32, k / 255 exactly as numpy computes it for vae/data.py.

const PIXEL = Float32Array.from({ length: 256 }, (_, k) => k / 255);

async function fetch_bytes(url, expected, progress) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const out = new Uint8Array(expected), reader = response.body.getReader();
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > expected) throw new Error(`${url} is longer than the ${expected} bytes expected`);
    out.set(value, received);
    received += value.length;
    progress(value.length);
  }
  if (received !== expected) throw new Error(`${url} has ${received} bytes, not the ${expected} expected`);
  return out;
}

// files: {train: {url, n}, test: {url, n}, binarized?: {url}, eval_noise: {url, latent_dim}} -> the dataset.
// progress(bytes so far, bytes in all) is called as the downloads (or the browser's cache) deliver.
export async function load_dataset(files, progress = () => {}) {
  const sizes = { train: files.train.n * 785, test: files.test.n * 785,
                  binarized: files.binarized ? files.test.n * 784 : 0,
                  eval_noise: files.eval_noise ? files.test.n * files.eval_noise.latent_dim * 4 : 0 };
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  let so_far = 0;
  const count = (n) => progress((so_far += n), total);
  const get = (name) => (sizes[name] ? fetch_bytes(files[name].url, sizes[name], count) : null);
  const [train, test, binarized, noise] = await Promise.all(["train", "test", "binarized", "eval_noise"].map(get));
  const n_train = files.train.n, n_test = files.test.n;
  const x_test = pixels(test.subarray(0, n_test * 784));
  return {
    n_train, n_test,
    x_train: train.subarray(0, n_train * 784),  // each file: the images (n x 784 bytes), then the n labels
    y_train: train.subarray(n_train * 784),
    x_test, y_test: test.subarray(n_test * 784),
    x_test_binarized: binarized && Float32Array.from(binarized),
    eval_noise: noise && new Float32Array(noise.buffer, noise.byteOffset, noise.length / 4),
    targets(cfg) {  // the test images a model is scored on: grey levels, or the one fixed binarization of them
      return cfg.binarize ? this.x_test_binarized : this.x_test;
    },
  };
}

export function pixels(bytes) {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = PIXEL[bytes[i]];
  return out;
}

// The images order[from..to) as pixels (B x 784)
export function batch_of(images, order, from, to) {
  const out = new Float32Array((to - from) * 784);
  for (let k = from; k < to; k++) {
    const source = order[k] * 784, target = (k - from) * 784;
    for (let j = 0; j < 784; j++) out[target + j] = PIXEL[images[source + j]];
  }
  return out;
}

// The labels of the images order[from..to) (B,), the classes a conditional model is given with them
export function labels_of(labels, order, from, to) {
  return Int32Array.from(order.subarray(from, to), (k) => labels[k]);
}

// Dynamic binarization: each pixel becomes 1 with probability equal to its grey level
export function binarize(x, generator) {
  return generator.bernoulli(x);
}
