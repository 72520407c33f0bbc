"""What a browser fetches to train a model as vae.trainer does, published by vae/serve/published.py: TensorFlow.js
(vendor/tfjs), the project's training code (the JavaScript beside vae/'s Python, and the worker that runs it), and
the data, which vae/data.js reads:

- A dataset's split: its n images as n x 784 uint8 pixels, row after row, then its n labels as uint8. Made at run
  time from the shipped .npz (never committed): 47 MB of MNIST's training pixels are 9.8 MB gzipped.
- The test set binarized once with vae.trainer's fixed seed (a model trained on binarized data is scored on it):
  n x 784 bytes of 0 or 1.
- The noise vae.trainer.evaluate draws for the test set: n x latent_dim float32, little-endian.
"""
import numpy as np

from vae.config import TrainConfig
from vae.data import DATA_DIR, load_dataset, read_arrays
from vae.datasets import dataset
from vae.serve.published import ROOT, STATIC_DIR, publish, publish_folder
from vae.trainer import eval_noise, eval_targets

TFJS = ROOT / "vendor" / "tfjs"
TFJS_FILES = ("tf.min.js", "tf-backend-wasm.min.js", "tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm",
              "tfjs-backend-wasm-threaded-simd.wasm")
# The browser's training code, by its path in the project: ES modules that import each other by relative paths,
# published together as one folder (the page's controller imports the worker's modules, the worker the maths)
CODE = ("vae/generator.js", "vae/model.js", "vae/losses.js", "vae/collapse.js", "vae/trainer.js", "vae/data.js",
        "vae/serve/train_worker.js", "vae/serve/run_store.js", "ui/assets/train_controller.js")


def publish_code(root=STATIC_DIR) -> dict:
    """{"tfjs": URL of the library's folder, "code": URL of the training code's folder}, each ending in '/'."""
    return {"tfjs": publish_folder("tfjs", {name: (TFJS / name).read_bytes() for name in TFJS_FILES}, root),
            "code": publish_folder("code", {path: (ROOT / path).read_bytes() for path in CODE}, root)}


def split_bytes(name: str, split: str) -> tuple[bytes, int]:
    """(the file's bytes, the number of images) of split "train" or "test" of a shipped dataset."""
    arrays = read_arrays(DATA_DIR / dataset(name).npz)
    images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
    return np.ascontiguousarray(images.reshape(len(images), -1)).tobytes() + labels.tobytes(), len(images)


def binarized_test_bytes(name: str) -> bytes:
    targets = eval_targets(load_dataset(name), TrainConfig(binarize=True, dataset=name))
    return targets.numpy().astype(np.uint8).tobytes()


def eval_noise_bytes(n: int, latent_dim: int, batch_size: int) -> bytes:
    return eval_noise(n, latent_dim, batch_size)[0].numpy().astype("<f4").tobytes()


def publish_dataset(name: str, root=STATIC_DIR) -> dict:
    """{"train": {"url", "n"}, "test": {"url", "n"}} of a shipped dataset, gzipped (vae/data.js's `files`)."""
    files = {}
    for split in ("train", "test"):
        blob, n = split_bytes(name, split)
        files[split] = {"url": publish(f"{name}-{split}", blob, ".u8", gzipped=True, root=root), "n": n}
    return files


def publish_binarized(name: str, root=STATIC_DIR) -> dict:
    return {"url": publish(f"{name}-test-binarized", binarized_test_bytes(name), ".u8", gzipped=True, root=root)}


def publish_eval_noise(n: int, latent_dim: int, batch_size: int, root=STATIC_DIR) -> dict:
    return {"url": publish(f"eval-noise-{latent_dim}d", eval_noise_bytes(n, latent_dim, batch_size), ".f32",
                           root=root), "latent_dim": latent_dim}
