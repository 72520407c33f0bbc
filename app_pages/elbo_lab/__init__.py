"""The ELBO lab: the exact posterior and log p(x) of a 2-D model, IWAE, gradient estimators, 1-D examples."""
