// Posterior collapse, measured, beside vae/collapse.py: how many nats each latent dimension carries. A dimension whose
// KL stays at 0 is one the code does not use (Kingma & Welling 2019, section 2.8).

// KL(q(z_u|x) || N(0, 1)) of each dimension u in closed form, averaged over the images: (B, D) -> (D,). The
// dimensions' values sum to the mean of losses.js's kl_divergence, the KL of the whole code.
export function kl_per_dimension(mu, logvar) {
  return tf.mean(tf.mul(tf.sub(tf.sub(tf.add(tf.square(mu), tf.exp(logvar)), 1), logvar), 0.5), 0);
}
