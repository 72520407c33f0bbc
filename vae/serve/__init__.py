"""The machinery that serves the maths to an app: the file format and its checks of untrusted checkpoints, the
parsing of untrusted digit images, the training worker process and the server's training slots, and the arrays the
latent explorer's browser code needs. It imports the maths in vae/; the maths never imports it."""
