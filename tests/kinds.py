"""One shipped checkpoint of each kind, for tests that run a whole page per checkpoint: checkpoints that differ only in
their weights (the σ and β ladders) exercise the same code, so one of them stands for the rest."""
from vae.serve.checkpoint import CHECKPOINT_DIR, list_checkpoints, load_checkpoint


def one_of_each_kind() -> list[str]:
    kinds = {}
    shipped = [n for n in list_checkpoints(CHECKPOINT_DIR) if not n.startswith("test-")]  # not another test's scratch
    for name in sorted(shipped, key=lambda n: (len(n), n)):  # bce before bce-b2
        ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
        c, t = ckpt.config, ckpt.train_config
        kinds.setdefault((t.dataset, c.likelihood, c.variational, c.latent_dim, t.binarize), name)
    return sorted(kinds.values())
