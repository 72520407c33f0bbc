"""Configuration dataclasses. A checkpoint stores both, so `VAEConfig(**meta)` rebuilds its model exactly.

Every field is checked when a config is built, wherever its values come from (a checkpoint file anyone may have
written, the command line, the Train page): a wrong type, or a value outside the range in which the maths means
something (a decoder sigma of 1e-320 makes every loss infinite), is a ValueError that names the field.
"""
import math
from dataclasses import asdict, dataclass, fields

from vae.datasets import DATASETS

LIKELIHOODS = ("bce", "mse", "notes")
MAX_UNITS = 8192  # units per hidden layer: a 784 x 8192 layer is already 25 MB of weights, beyond any file we take


def _shown(value) -> str:
    """The value as the message shows it: short, whatever its size (a 5,000-digit int has no repr in Python 3.11)."""
    try:
        return f"{value!r:.40}"
    except ValueError:
        return "a number of thousands of digits"


def _number(name: str, value, lo, hi, integer=False):
    """A real number (an int for `integer`), finite, in [lo, hi]; bools are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)) or (
            isinstance(value, float) and not math.isfinite(value)) or not lo <= value <= hi:
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{name} must be {kind} from {lo:g} to {hi:g}, not {_shown(value)}")


def _flag(name: str, value):
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, not {_shown(value)}")


def _layers(name: str, value, least: int) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not least <= len(value) <= 32:
        raise ValueError(f"{name} must be a list of {least} to 32 layer sizes, not {_shown(value)}")
    for size in value:
        _number(f"each size in {name}", size, 1, MAX_UNITS, integer=True)
    return tuple(value)


@dataclass(frozen=True)
class VAEConfig:
    """Architecture and objective. The defaults are the model of record (784-196-48, heads 48-16-2)."""

    latent_dim: int = 2
    encoder_hidden: tuple[int, ...] = (196, 48)
    head_hidden: int = 16
    decoder_hidden: tuple[int, ...] = (16, 48, 196)
    # "bce": Bernoulli decoder; "mse": Gaussian decoder with fixed std `sigma` (pixels in [0, 1]);
    # "notes": the reference notes' loss, F.mse_loss averaged over pixels plus KL averaged over the batch.
    likelihood: str = "bce"
    sigma: float = 0.1
    beta: float = 1.0
    # False: a plain autoencoder for comparison. The encoder gives a point z = mu (no log-variance head, no
    # sampling) and the loss is the reconstruction alone, with no KL term.
    variational: bool = True
    # log-variance is clamped to this range: exp(-12)..exp(8) in variance, wide enough for any
    # posterior seen on MNIST, narrow enough that exp() cannot overflow into inf.
    logvar_min: float = -12.0
    logvar_max: float = 8.0
    # True: a conditional VAE (Kingma et al. 2014, "Semi-supervised learning with deep generative models"; Sohn et
    # al. 2015): the one-hot class y is joined to the encoder's input and to the decoder's, q(z|x, y) and p(x|z, y),
    # so z is free to carry what the class does not say (the style).
    conditional: bool = False

    def __post_init__(self):
        if not isinstance(self.likelihood, str) or self.likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, not {_shown(self.likelihood)}")
        _number("latent_dim", self.latent_dim, 2, 64, integer=True)  # every page shows at least a plane
        _number("head_hidden", self.head_hidden, 1, MAX_UNITS, integer=True)
        _number("sigma", self.sigma, 1e-3, 100)
        _number("beta", self.beta, 0, 1000)
        _flag("variational", self.variational)
        _number("logvar_min", self.logvar_min, -30, 30)
        _number("logvar_max", self.logvar_max, self.logvar_min, 30)
        _flag("conditional", self.conditional)
        if self.conditional and not self.variational:
            raise ValueError("a conditional model must be variational: q(z|x, y) and p(x|z, y) need a distribution")
        if not self.variational and self.likelihood == "notes":
            raise ValueError("the notes' loss includes a KL term; a plain autoencoder needs bce or mse")
        # JSON round trips turn tuples into lists; keep the dataclass hashable and equal to itself.
        object.__setattr__(self, "encoder_hidden", _layers("encoder_hidden", self.encoder_hidden, 1))
        object.__setattr__(self, "decoder_hidden", _layers("decoder_hidden", self.decoder_hidden, 0))


@dataclass(frozen=True)
class TrainConfig:
    """How a model is trained. Stored in the checkpoint next to the VAEConfig."""

    epochs: int = 15
    batch_size: int = 128
    lr: float = 3e-3
    # The learning rate ramps up linearly for `warmup_epochs`, then decays along a cosine to lr * final_lr_frac.
    warmup_epochs: float = 1.0
    final_lr_frac: float = 0.02
    # beta ramps from 0 to its value over the first kl_warmup_epochs (off by default).
    kl_warmup_epochs: float = 0.0
    # Nats per latent dimension below which KL is not charged (see losses.elbo_terms). Without it, one of three
    # seeds tried let a dimension collapse onto the prior in the first epochs and the model ended near 158
    # nats with a 1-D code; with 1.0 all five seeds tried used both dimensions and ended at 142-143 nats.
    free_bits: float = 1.0
    # Training stops when the loss rises this many times its starting size above the first step's loss:
    # a too-large learning rate (10, say) throws Adam's weights far away in one step while the loss stays
    # finite (Tanh saturates), so a non-finite check alone would never fire.
    explode_factor: float = 10.0
    mc_samples: int = 1
    binarize: bool = False
    seed: int = 0
    eval_batch_size: int = 2000
    # What the model learns from (vae.datasets). Checkpoints written before the field existed are MNIST.
    dataset: str = "mnist"

    def __post_init__(self):
        for name, lo, hi in (("epochs", 1, 10_000), ("batch_size", 1, 60_000), ("mc_samples", 1, 1024),
                             ("seed", 0, 2**63 - 1), ("eval_batch_size", 1, 60_000)):
            _number(name, getattr(self, name), lo, hi, integer=True)
        for name, lo, hi in (("lr", 1e-8, 100), ("warmup_epochs", 0, 10_000), ("final_lr_frac", 0, 1),
                             ("kl_warmup_epochs", 0, 10_000), ("free_bits", 0, 1000), ("explode_factor", 1e-3, 1e6)):
            _number(name, getattr(self, name), lo, hi)
        _flag("binarize", self.binarize)
        if not isinstance(self.dataset, str) or self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, not {_shown(self.dataset)}")


def from_dict(cls, values: dict):
    """Build `cls` from a dict, ignoring unknown keys so that older checkpoints still load."""
    if not isinstance(values, dict):
        raise ValueError(f"a {cls.__name__} is a JSON object of its fields, not {type(values).__name__}")
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})


def to_dict(config) -> dict:
    return asdict(config)
