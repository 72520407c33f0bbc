"""A variational autoencoder for MNIST and Fashion-MNIST with a small latent space, in plain PyTorch: the maths a
student reads (config, model, losses, trainer, quadrature, estimators) and the command line `python -m vae.train`.

The machinery that serves it to an app lives in vae.serve, which imports the maths; the maths never imports it.
Nothing in this package imports streamlit: the app's pages import it, never the reverse.
"""
