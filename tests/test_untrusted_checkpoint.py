"""Checkpoint bytes, mutated structurally: the header's JSON with any node replaced by a JSON value of any type,
removed, nested deep or given a duplicated key; offsets, dtypes and shapes changed; every metadata field and every
config field given values of every type; the length field and the file cut. load_checkpoint returns a checkpoint
that decodes to finite images, or refuses with its own CheckpointError. Each for a plain VAE's file and a conditional
one's (whose config says `conditional`: a flag flipped either way no longer matches its weights)."""
import json
import struct

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from contract import JSON, SETTINGS, within_contract
from vae.config import TrainConfig, VAEConfig
from vae.model import one_hot
from vae.serve.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from vae.trainer import build_model

TINY = VAEConfig(encoder_hidden=(3,), head_hidden=2, decoder_hidden=(4,))  # 5 kB of weights: fast to parse
TINY_CONDITIONAL = VAEConfig(encoder_hidden=(3,), head_hidden=2, decoder_hidden=(4,), conditional=True)
META_KEYS = ("format", "config", "train_config", "metrics", "history", "data_sha256")


@pytest.fixture(scope="module", params=[TINY, TINY_CONDITIONAL], ids=["vae", "cvae"])
def valid(tmp_path_factory, request) -> bytes:
    path = tmp_path_factory.mktemp("ckpt") / "tiny.safetensors"
    save_checkpoint(path, build_model(request.param, 0), TrainConfig(epochs=2), {"test_loss": 150.0},
                    [{"epoch": 1, "test_loss": 151.0}], "ab" * 32)
    return path.read_bytes()


def split(blob: bytes) -> tuple[dict, bytes]:
    (n,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + n]), blob[8 + n:]


def join(header_text: str, data: bytes, length_delta: int = 0) -> bytes:
    head = header_text.encode("utf-8", "surrogatepass")
    return struct.pack("<Q", max(0, len(head) + length_delta)) + head + data


def paths(node, prefix=()):
    """Every place in a JSON tree, as a tuple of keys and indices."""
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield from paths(child, prefix + (key,))


def put(tree, path, value):
    for key in path[:-1]:
        tree = tree[key]
    if value is DELETE:
        del tree[path[-1]]
    else:
        tree[path[-1]] = value


DELETE = object()


def assert_contract(blob: bytes):
    ckpt = within_contract(load_checkpoint, CheckpointError, blob)
    if ckpt is not None:  # accepted: it must work on a page
        y = one_hot(torch.arange(3)) if ckpt.config.conditional else None
        with torch.no_grad():
            images = ckpt.model.decode_images(torch.zeros(3, ckpt.config.latent_dim), y)
        assert images.shape == (3, 28, 28) and torch.isfinite(images).all()


@SETTINGS
@given(data=st.data())
def test_any_node_of_the_header_replaced_or_removed(valid, data):
    header, weights = split(valid)
    where = data.draw(st.sampled_from([p for p in paths(header) if p]))
    put(header, where, data.draw(st.just(DELETE) | JSON))
    assert_contract(join(json.dumps(header), weights))


@SETTINGS
@given(data=st.data(), key=st.sampled_from(META_KEYS), raw=st.booleans())
def test_every_metadata_field_of_every_type(valid, data, key, raw):
    header, weights = split(valid)
    value = data.draw(JSON)
    header["__metadata__"][key] = value if raw else json.dumps(value)
    assert_contract(join(json.dumps(header), weights))


@SETTINGS
@given(data=st.data(), which=st.sampled_from(["config", "train_config"]))
def test_every_config_field_of_every_type(valid, data, which):
    header, weights = split(valid)
    fields = json.loads(header["__metadata__"][which])
    fields[data.draw(st.sampled_from(sorted(fields)))] = data.draw(JSON)
    header["__metadata__"][which] = json.dumps(fields)
    assert_contract(join(json.dumps(header), weights))


@SETTINGS
@given(data=st.data())
def test_offsets_dtypes_and_shapes(valid, data):
    header, weights = split(valid)
    name = data.draw(st.sampled_from(sorted(k for k in header if k != "__metadata__")))
    entry = header[name]
    part = data.draw(st.sampled_from(["data_offsets", "dtype", "shape"]))
    if part == "dtype":
        entry[part] = data.draw(st.sampled_from(["F16", "BF16", "F64", "I8", "U8", "I64", "BOOL", "F8_E4M3", "X", ""]))
    else:
        entry[part] = data.draw(st.lists(st.integers(-2**65, 2**65) | st.sampled_from([0, 1, 4, 8, 2**40]),
                                         max_size=4))
    assert_contract(join(json.dumps(header), weights))


@SETTINGS
@given(depth=st.sampled_from([1, 10, 100, 999, 1000, 5000, 100_000]), where=st.sampled_from(["header", "config"]),
       bracket=st.sampled_from(["[]", "{}"]))
def test_nesting_of_any_depth(valid, depth, where, bracket):
    header, weights = split(valid)
    open_, close = ('{"a":', "}") if bracket == "{}" else ("[", "]")
    if where == "config":
        header["__metadata__"]["config"] = open_ * depth + header["__metadata__"]["config"] + close * depth
        text = json.dumps(header)
    else:
        text = '{"deep": ' + open_ * depth + "0" + close * depth + ", " + json.dumps(header)[1:]
    assert_contract(join(text, weights))


@SETTINGS
@given(data=st.data())
def test_duplicated_keys(valid, data):
    header, weights = split(valid)
    key = data.draw(st.sampled_from(sorted(header)))
    text = json.dumps(header)
    text = "{" + json.dumps(key) + ": " + json.dumps(data.draw(JSON)) + ", " + text[1:]
    assert_contract(join(text, weights))


@SETTINGS
@given(data=st.data(), delta=st.integers(-64, 64), cut=st.integers(0, 6000))
def test_length_field_and_truncation(valid, data, delta, cut):
    header, weights = split(valid)
    blob = join(json.dumps(header), weights, delta)
    assert_contract(blob[:cut] if data.draw(st.booleans()) else blob)


def test_the_two_files_that_escaped_before_are_refused(valid):
    """On main before this contract: valid JSON of an unexpected type in the metadata, and a header nested deeper
    than Python's recursion limit, escaped as AttributeError and RecursionError."""
    header, weights = split(valid)
    header["__metadata__"] = ["not", "a", "mapping"]
    with pytest.raises(CheckpointError, match="metadata must map names to text") as caught:
        load_checkpoint(join(json.dumps(header), weights))
    assert not caught.value.unexpected
    header, weights = split(valid)
    with pytest.raises(CheckpointError, match="nests too deeply") as caught:
        load_checkpoint(join('{"deep": ' + "[" * 100_000 + "]" * 100_000 + ", " + json.dumps(header)[1:], weights))
    assert not caught.value.unexpected
