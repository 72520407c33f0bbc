import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vae.data import load_mnist  # noqa: E402


@pytest.fixture(scope="session")
def mnist():
    return load_mnist()


@pytest.fixture(scope="session")
def small_mnist(mnist):
    """2,000 training and 500 test images: enough for a loss to fall in a second."""
    return replace(mnist, x_train=mnist.x_train[:2000], y_train=mnist.y_train[:2000],
                   x_test=mnist.x_test[:500], y_test=mnist.y_test[:500])


@pytest.fixture
def generator():
    return torch.Generator().manual_seed(0)
