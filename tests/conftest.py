import numpy as np
import pytest
from sklearn.datasets import load_digits


@pytest.fixture(scope="session")
def digits():
    """load_digits scaled to [0, 1], float64."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="session")
def digits_split(digits):
    """A fixed stratified train/test split of the scaled digits."""
    from sklearn.model_selection import train_test_split

    X, y = digits
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture
def rng():
    return np.random.RandomState(0)
