"""The latent map: the encoded test set of any checkpoint, its metrics, and this session's live run."""
