"""The latent explorer: a map decoded in the browser under the pointer, your own digit, prior samples."""
