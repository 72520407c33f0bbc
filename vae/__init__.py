"""A variational autoencoder for MNIST with a small latent space, in plain PyTorch.

Nothing in this package imports streamlit: the app's pages import it, never the reverse.
"""
