"""The two ladders of shipped MNIST checkpoints that the Latent size page compares and the Class page draws beside a
class's models: the model of record with only its latent size changed, and with only β changed.

Finding them reads every MNIST checkpoint's settings, about a hundred calls of the checkpoint cache, whose own
overhead (hashing the arguments each time) took most of a fifth of the Latent size page's server time per load
(py-spy); the ladders are kept for the folder's files as they are (ui.models.listing), as ui.models keeps its list."""
import streamlit as st

from ui.models import checkpoint, checkpoint_names, listing
from vae.config import TrainConfig


def _plain_bernoulli(name: str) -> bool:
    ckpt = checkpoint(name)
    return ckpt.config.likelihood == "bce" and ckpt.config.variational and not ckpt.train_config.binarize


def _size_ladder() -> list[str]:
    """One Bernoulli VAE (β = 1) per latent size, smallest first: the model of record with only the latent size changed
    (so trained with its free bits, as every model of the ladder is)."""
    by_size = {}
    for name in checkpoint_names("mnist"):
        if _plain_bernoulli(name) and checkpoint(name).config.beta == 1 and _trained_as_of_record(name):
            by_size.setdefault(checkpoint(name).config.latent_dim, name)
    return [by_size[d] for d in sorted(by_size)]


def _trained_as_of_record(name: str) -> bool:
    cfg = checkpoint(name).train_config
    return cfg.free_bits == TrainConfig.free_bits and cfg.kl_warmup_epochs == TrainConfig.kl_warmup_epochs


def _collapsed_twins(sizes) -> dict[str, str]:
    """Ladder model -> a model trained like it but with no free bits and no KL warm-up (its dimensions free to
    collapse onto the prior), for the ladder's sizes that have one."""
    twins = {}
    for name in checkpoint_names("mnist"):
        ckpt = checkpoint(name)
        if _plain_bernoulli(name) and ckpt.config.beta == 1 and ckpt.train_config.free_bits == 0 \
                and not ckpt.train_config.kl_warmup_epochs:
            twin_of = [s for s in sizes if checkpoint(s).config.latent_dim == ckpt.config.latent_dim]
            if twin_of and twin_of[0] != name:
                twins.setdefault(twin_of[0], name)
    return twins


def _beta_ladder() -> list[str]:
    """The 2-D Bernoulli VAEs trained with different β, smallest β first."""
    names = [n for n in checkpoint_names("mnist") if _plain_bernoulli(n) and checkpoint(n).config.latent_dim == 2]
    return sorted(names, key=lambda n: checkpoint(n).config.beta)


@st.cache_resource(max_entries=4, show_spinner=False)
def _ladders(files: tuple) -> dict:  # shared, not copied per call: the accessors below hand out copies
    sizes = _size_ladder()
    return {"sizes": sizes, "betas": _beta_ladder(), "twins": _collapsed_twins(sizes)}


def _kept() -> dict:
    return _ladders(listing())


def size_ladder() -> list[str]:
    """One Bernoulli VAE (β = 1) per latent size, smallest first."""
    return list(_kept()["sizes"])


def beta_ladder() -> list[str]:
    """The 2-D Bernoulli VAEs trained with different β, smallest β first."""
    return list(_kept()["betas"])


def collapsed_twins(sizes) -> dict[str, str]:
    """Ladder model -> its twin trained with no free bits and no KL warm-up, for the ladder's sizes that have one."""
    return {k: v for k, v in _kept()["twins"].items() if k in sizes}


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
