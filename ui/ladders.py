"""The two ladders of shipped MNIST checkpoints that the Latent size page compares and the Class page draws beside a
class's models: the model of record with only its latent size changed, and with only β changed."""
from ui.models import checkpoint, checkpoint_names


def _plain_bernoulli(name: str) -> bool:
    ckpt = checkpoint(name)
    return ckpt.config.likelihood == "bce" and ckpt.config.variational and not ckpt.train_config.binarize


def size_ladder() -> list[str]:
    """One Bernoulli VAE (β = 1) per latent size, smallest first: the model of record with only the latent size changed."""
    by_size = {}
    for name in checkpoint_names("mnist"):
        if _plain_bernoulli(name) and checkpoint(name).config.beta == 1:
            by_size.setdefault(checkpoint(name).config.latent_dim, name)
    return [by_size[d] for d in sorted(by_size)]


def beta_ladder() -> list[str]:
    """The 2-D Bernoulli VAEs trained with different β, smallest β first."""
    names = [n for n in checkpoint_names("mnist") if _plain_bernoulli(n) and checkpoint(n).config.latent_dim == 2]
    return sorted(names, key=lambda n: checkpoint(n).config.beta)


def ladder_points(betas, sizes) -> list[dict]:
    """Each ladder's models as points of the rate-distortion chart, from the scores stored in their files."""
    out = []
    for ladder, names in (("β ladder (2-D)", betas), ("latent size ladder (β = 1)", sizes)):
        for name in names:
            ckpt = checkpoint(name)
            label = f"β {ckpt.config.beta:g}" if ladder.startswith("β") else f"{ckpt.config.latent_dim}-D"
            out.append({"name": name, "ladder": ladder, "label": label, "rate": ckpt.metrics["test_kl"],
                        "distortion": ckpt.metrics["test_recon"]})
    return out
