"""Configuration dataclasses. A checkpoint stores both, so `VAEConfig(**meta)` rebuilds its model exactly."""
from dataclasses import asdict, dataclass, fields

LIKELIHOODS = ("bce", "mse", "notes")


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

    def __post_init__(self):
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, not {self.likelihood!r}")
        if not 1 <= self.latent_dim <= 64:
            raise ValueError(f"latent_dim must be between 1 and 64, not {self.latent_dim}")
        if self.sigma <= 0 or self.beta < 0:
            raise ValueError("sigma must be > 0 and beta >= 0")
        if not self.variational and self.likelihood == "notes":
            raise ValueError("the notes' loss includes a KL term; a plain autoencoder needs bce or mse")
        # JSON round trips turn tuples into lists; keep the dataclass hashable and equal to itself.
        object.__setattr__(self, "encoder_hidden", tuple(int(h) for h in self.encoder_hidden))
        object.__setattr__(self, "decoder_hidden", tuple(int(h) for h in self.decoder_hidden))


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


def from_dict(cls, values: dict):
    """Build `cls` from a dict, ignoring unknown keys so that older checkpoints still load."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})


def to_dict(config) -> dict:
    return asdict(config)
