"""The datasets a model can be trained on: 28x28 grey images in ten classes, with the names of those classes.

A dataset's name is part of a model's identity: `TrainConfig.dataset` is stored in every checkpoint, so every page
shows a model the images it was trained on and names their classes. `npz` is the copy the project ships in `data/`
(None: readable only from a torchvision folder with `python -m vae.train --data-root`).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    name: str  # as stored in checkpoints and typed on the command line
    title: str  # as the pages write it
    item: str  # what one image is called in a sentence: "digit", "item"
    classes: tuple[str, ...]
    torchvision: str  # the torchvision.datasets class that reads its folder
    npz: str | None
    sha256: str | None  # of the shipped npz file
    box: int = 20  # the longer side of an image's content in its 28x28 field (MNIST: 20; Fashion-MNIST: 28)

    def label(self, index: int) -> str:
        return self.classes[int(index)]


DATASETS = {d.name: d for d in (
    Dataset("mnist", "MNIST", "digit", tuple(str(k) for k in range(10)), "MNIST", "mnist.npz",
            "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"),
    # Xiao, Rasul & Vollgraf (2017), the class names of the dataset's own README.
    Dataset("fashion-mnist", "Fashion-MNIST", "item",
            ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
            "FashionMNIST", "fashion-mnist.npz",
            "5b6d2c4c694a91887af8ab7d039c04f80af3c29378d731c93a538d2e831aa469", box=28),
    # Clanuwat et al. (2018), Kuzushiji-MNIST: ten cursive hiragana, named by their modern reading.
    Dataset("kmnist", "Kuzushiji-MNIST", "character", ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
            "KMNIST", None, None, box=28),
)}
SHIPPED = tuple(name for name, d in DATASETS.items() if d.npz)


def dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, not {name!r:.40}")
    return DATASETS[name]
