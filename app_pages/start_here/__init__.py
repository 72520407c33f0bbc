"""The lesson "Start here": six steps from a plain autoencoder to a VAE, on the shipped models."""
