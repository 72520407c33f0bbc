"""A class board's submissions: what a student sends (an untrusted checkpoint, a display name, a class code), how
it is scored, and what the database keeps of it. The SQL is in vae/serve/board_db.py.

A submission is scored once, when it arrives, by the code that scored the shipped ladders (vae.trainer.evaluate on
vae.trainer.eval_targets: the 10,000 test images, with the one fixed draw of noise), so its point on the
rate-distortion chart sits on the same scale as theirs."""
import hashlib
import re
import secrets
import unicodedata

from vae.config import to_dict
from vae.data import ImageSet
from vae.serve.checkpoint import Checkpoint, CheckpointError, checkpoint_bytes, load_checkpoint
from vae.serve.untrusted import UntrustedInputError, reader
from vae.trainer import eval_targets, evaluate

NAME_CHARS = 30
CODE_RE = re.compile(r"[a-z0-9]{4,12}")
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off a projector and typed on a phone
PUNCTUATION = set(" .-_'")  # with letters and digits of any script; nothing a page could take for markup
SOURCES = {"browser": "trained in a browser", "server": "trained on the server", "upload": "uploaded"}


class BoardInputError(UntrustedInputError):
    """A name, class code or model the board does not take; str() says why in one line."""


@reader(BoardInputError, "the name")
def read_display_name(text) -> str:
    """1-30 letters, digits, spaces and . - _ ' (any script); spaces collapsed. Anything else is refused, not
    cleaned, so that the student sees what the board will show."""
    if not isinstance(text, str):
        raise BoardInputError("the name is not text.")
    name = " ".join(unicodedata.normalize("NFC", text[:1000]).split())
    if not name:
        raise BoardInputError("type a name for the board first.")
    if len(name) > NAME_CHARS:
        raise BoardInputError(f"the name is longer than {NAME_CHARS} characters.")
    odd = [c for c in name if not (c in PUNCTUATION or unicodedata.category(c)[0] in "LN")]
    if odd:
        raise BoardInputError("use letters, digits, spaces and . - _ ' only in the name.")
    return name


@reader(BoardInputError, "the class code")
def read_class_code(text) -> str:
    if not isinstance(text, str) or not CODE_RE.fullmatch(text.strip().lower()[:100]):
        raise BoardInputError("a class code is 4 to 12 letters and digits, as the teacher's link gives it.")
    return text.strip().lower()


def new_class_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def owner_of(token: str) -> str:
    """What the database keeps of a session's secret: enough to recognise it, useless to impersonate it."""
    return hashlib.sha256(token.encode()).hexdigest()


def settings_of(ckpt: Checkpoint) -> dict:
    """What the board shows and colours by: the model's configs as the checkpoint stores them, and the epochs it was
    trained for (its history's, one row an epoch; else its metrics' count; a file with neither was never trained)."""
    epochs = len(ckpt.history) or ckpt.metrics.get("epochs") or 0
    return {**to_dict(ckpt.config), **to_dict(ckpt.train_config), "epochs_trained": int(epochs)}


def score(ckpt: Checkpoint, data: ImageSet) -> dict:
    """Rate, distortion and their sum on the test set, in nats per image ("notes": the notes' own scale)."""
    terms = evaluate(ckpt.model, eval_targets(data, ckpt.train_config), ckpt.train_config.eval_batch_size)
    return {"rate": terms["kl"], "distortion": terms["recon"], "neg_elbo": terms["recon"] + terms["kl"]}


@reader(BoardInputError, "this model")
def submission(ckpt: Checkpoint, data: ImageSet, name: str, owner: str, source: str) -> dict:
    """The row the database keeps: the model as a .safetensors file read back through the readers' contract (a
    model reaches the board only if any page could open its file), its settings and its scores."""
    if source not in SOURCES:
        raise BoardInputError("the board takes models trained here or uploaded.")
    if ckpt.train_config.dataset != data.dataset:
        raise BoardInputError("the model and the test images are of different datasets.")
    if ckpt.config.conditional:  # its losses are of p(x|y): beside the other models' p(x) they would mislead
        raise BoardInputError("a conditional model's losses are of each image given its class, which the board's "
                              "models of images alone do not compare with; the page Class and style shows it.")
    blob = checkpoint_bytes(ckpt.model, ckpt.train_config, ckpt.metrics, ckpt.history, ckpt.data_sha256)
    try:
        checked = load_checkpoint(blob)
    except CheckpointError as exc:
        raise BoardInputError(str(exc)) from exc
    numbers = score(checked, data)
    if not all(abs(v) < 1e12 for v in numbers.values()):  # NaN fails this too
        raise BoardInputError("its scores on the test set are not finite numbers; the weights have diverged.")
    return {"name": read_display_name(name), "owner": owner, "source": source, "weights": blob,
            "weights_sha256": weights_sha256(checked), "settings": settings_of(checked), **numbers}


def weights_sha256(ckpt: Checkpoint) -> str:
    """Of the tensors alone, in a fixed order: the same weights are the same model, whatever history they carry."""
    digest = hashlib.sha256()
    for key, tensor in sorted(ckpt.model.state_dict().items()):
        digest.update(key.encode())
        digest.update(tensor.detach().contiguous().numpy().tobytes())
    return digest.hexdigest()


def entry_checkpoint(blob: bytes) -> Checkpoint:
    """A stored entry's model, read as any file is (the database is ours, but its bytes came from a student)."""
    return load_checkpoint(blob)
