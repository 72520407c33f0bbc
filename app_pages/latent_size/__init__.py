"""The page "Latent size": the size ladder from 2 to 32 dimensions, and rate against distortion for it and the β ladder."""
