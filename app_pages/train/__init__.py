"""The Train page: a session's own training run, its live curves and latent map, and saving it."""
