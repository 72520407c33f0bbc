// The loss terms of vae/losses.py in TensorFlow.js, function for function. Every per-image term is in nats, summed
// over pixels or latent dimensions. Shapes: x (B, 784), logits (L, B, 784), mu and logvar (B, D).

// KL(N(mu, diag(exp(logvar))) || N(0, I)) per image, in closed form (Kingma & Welling 2014, appendix B)
export function kl_divergence(mu, logvar) {
  return tf.mul(tf.sum(tf.sub(tf.sub(tf.add(tf.square(mu), tf.exp(logvar)), 1), logvar), -1), 0.5);
}

// -log p(x|z) for independent Bernoulli pixels with p = sigmoid(logits), summed over the 784 pixels: PyTorch's
// binary_cross_entropy_with_logits, max(l, 0) - l x + log(1 + exp(-|l|)), with log(1 + exp(-|l|)) written as
// -log(sigmoid(|l|)) (the backend's sigmoid is vectorised, its softplus is not). Its gradient, sigmoid(l) - x per
// pixel, is written out: autodiff would differentiate each of the formula's six steps.
export function bernoulli_nll(x, logits) {
  return tf.customGrad((logits, save) => {
    const per_pixel = tf.sub(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log(tf.sigmoid(tf.abs(logits))));
    save([logits, x]);
    return {
      value: tf.sum(per_pixel, -1),
      gradFunc: (dy, [logits, x]) => tf.mul(tf.sub(tf.sigmoid(logits), x), tf.expandDims(dy, -1)),
    };
  })(logits);
}

// -log N(x; mean, sigma^2 I) summed over pixels: squared error / (2 sigma^2) plus the normalising constant
export function gaussian_nll(x, mean, sigma) {
  const constant = 0.5 * Math.log(2 * Math.PI * sigma ** 2);
  return tf.sum(tf.add(tf.div(tf.square(tf.sub(x, mean)), 2 * sigma ** 2), constant), -1);
}

// -log p(x|z) per sample and image: (L, B)
export function reconstruction_nll(x, logits, config) {
  if (config.likelihood === "bce") return bernoulli_nll(x, logits);
  return gaussian_nll(x, tf.sigmoid(logits), config.sigma);
}

// The reference notes' loss as written there: a mean squared error over pixels (in the notes' [-1, 1] scale) plus
// the KL averaged over the batch (see losses.py for why it collapses the posterior). The mean is taken per image
// first, then over images: the same number, but 784 and then B float32 terms summed in turn lose less than one sum
// of 784 B (PyTorch's reduction sums in blocks too).
export function notes_loss(x, out) {
  const squared = tf.square(tf.sub(tf.sub(tf.mul(tf.sigmoid(out.logits), 2), 1), tf.sub(tf.mul(x, 2), 1)));
  const recon = tf.mean(tf.mean(squared, -1));
  const kl = tf.mean(kl_divergence(out.mu, out.logvar));
  return { loss: tf.add(recon, kl), recon, kl };
}

// Negative ELBO with L Monte Carlo samples, averaged over the batch; "objective" is what training descends (see
// losses.py: the KL warm-up weight and free bits change it, "loss", "recon" and "kl" stay the unweighted terms)
export function elbo_terms(x, out, config, kl_weight = 1, free_bits = 0) {
  if (config.likelihood === "notes") {
    const terms = notes_loss(x, out);
    return { ...terms, objective: terms.loss };
  }
  const recon = tf.mean(reconstruction_nll(x, out.logits, config), 0);
  if (!config.variational) {
    const mean = tf.mean(recon);
    return { loss: mean, recon: mean, kl: tf.scalar(0), objective: mean };
  }
  const kl = kl_divergence(out.mu, out.logvar);
  const loss = tf.mean(tf.add(recon, tf.mul(kl, config.beta)));
  let kl_charged = tf.mean(kl);
  if (free_bits > 0) {
    // free bits (Kingma et al. 2016, eq. 13): each latent dimension's batch-mean KL is charged at least free_bits
    const per_dim = tf.sub(tf.sub(tf.add(tf.square(out.mu), tf.exp(out.logvar)), 1), out.logvar);
    const kl_dims = tf.mean(tf.mul(per_dim, 0.5), 0);
    kl_charged = tf.sum(tf.maximum(kl_dims, free_bits));
  }
  const objective = tf.add(tf.mean(recon), tf.mul(kl_charged, kl_weight * config.beta));
  return { loss, recon: tf.mean(recon), kl: tf.mean(kl), objective };
}
