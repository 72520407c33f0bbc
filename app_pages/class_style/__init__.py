"""The Class and style page: a conditional VAE's style plane, one style in every class, and Bayes' rule."""
