"""The images ``--data`` names: load_digits, an IDX folder or mnist.pkl.gz."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._errors import CommandError
from ._paths import refuse_special_file


@dataclass
class Dataset:
    """Training and test images of one data set, flattened, in [0, 1].

    Attributes
    ----------
    name : str
        How reports and plot titles name the data set.
    image_shape : tuple of int
        (rows, columns) of one image.
    X_train, y_train, X_test, y_test : ndarray or None
        The images (one flattened image a row) and labels of each split;
        the training ones are None when only the test ones were loaded.
    """

    name: str
    image_shape: tuple
    X_train: np.ndarray = None
    y_train: np.ndarray = None
    X_test: np.ndarray = None
    y_test: np.ndarray = None


def load_dataset(spec, train=True):
    """The data named by ``--data``: 'digits', an IDX folder or an mnist.pkl.gz.

    Parameters
    ----------
    spec : str
        'digits' for :func:`load_digits_split`, else the path of a folder of
        IDX files or of an mnist.pkl.gz pickle (read by
        :func:`skmlp.datasets.load_mnist`).
    train : bool, default=True
        Whether to load the training images too, not only the test ones.

    Returns
    -------
    dataset : Dataset

    Raises
    ------
    CommandError
        When the path is missing, unreadable, not a regular file or a folder
        (a FIFO or a device, which could block or never end), or holds no data
        set load_mnist reads.
    """
    if spec == "digits":
        return load_digits_split()
    from ..datasets import load_mnist

    path = Path(spec).expanduser()
    _refuse_unreadable_inputs(path)
    if path.is_file() and "idx" in path.name:
        raise CommandError(
            f"{path} is a single IDX file: pass the folder that holds the four IDX "
            "files of the data set"
        )
    try:
        test = load_mnist(path, subset="test")
        train_set = load_mnist(path, subset="train") if train else None
    except (OSError, ValueError) as exc:
        raise CommandError(_strip_period(str(exc))) from None
    dataset = Dataset(name=str(spec), image_shape=test.images.shape[1:])
    dataset.X_test, dataset.y_test = test.data, test.target
    if train_set is not None:
        dataset.X_train, dataset.y_train = train_set.data, train_set.target
    return dataset


def _refuse_unreadable_inputs(path):
    """Refuse a --data path, or an IDX file in a --data folder, that is a FIFO
    or a device: reading it could block forever or never end."""
    refuse_special_file(path, "--data")
    if not path.is_dir():
        return
    try:
        entries = list(path.iterdir())
    except OSError as exc:
        raise CommandError(f"--data {path}: {exc.strerror}") from None
    for entry in entries:
        if "idx" in entry.name:
            refuse_special_file(entry, "--data: IDX file")


def load_digits_split():
    """scikit-learn's load_digits scaled to [0, 1] in float32, split 75/25.

    The split is stratified and always the same (``random_state=0``), so
    that ``skmlp evaluate`` scores a model on the very images ``skmlp train``
    held out.

    Returns
    -------
    dataset : Dataset
        1347 training and 450 test images of 8 x 8 pixels.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    return Dataset("load_digits", (8, 8), X_train, y_train, X_test, y_test)


def _strip_period(message):
    return message[:-1] if message.endswith(".") else message
