"""MSE vs BCE: the two decoders side by side, their blur measured, and why a squared error gives grey."""
