"""Cost of a checkpoint per epoch, against the training epoch it follows.

Trains the 784-800-800-10 ReLU network (float32, batch 128) for a few
epochs with ``skmlp.Checkpoint(path, every=1)``, in two settings: SGD with
Nesterov momentum (one optimizer buffer) and Adam with early stopping (two
buffers, the best weights and the held-out rows: the largest checkpoint).
For each epoch it measures, from callbacks around the Checkpoint:

- the epoch: from its start to the end of its training, validation and
  recording (what the fit costs without checkpoints);
- the checkpoint: capturing the training state (copies of the weights and
  buffers) and writing it, synced to disk, with ``os.replace``;

and prints their medians, the checkpoint's share of an epoch, and the size of
the file. It also times, apart, the digest of the data that the first
checkpoint of a fit computes (once per fit, and once when resuming), and the
write alone (``write_checkpoint`` of one captured state, repeated).

The data are Fashion-MNIST's 60,000 training images when
``/usr/share/datasets/fashion-mnist`` (or ``--fashion-mnist DIR``) has them,
random pixels otherwise (a checkpoint's cost does not depend on the pixels).
The checkpoints go to a temporary folder, or ``--dir DIR``: the time of the
sync depends on that disk.

Usage, from the repository root after ``python setup.py build_ext
--inplace``::

    python benchmarks/bench_checkpoint.py              # 60,000 images, 4 epochs
    python benchmarks/bench_checkpoint.py --quick      # 6,000 images, 2 epochs
    python benchmarks/bench_checkpoint.py --threads 2 --dir /var/tmp
"""

import argparse
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _common import (
    FASHION_MNIST_DIR,
    environment_summary,
    format_table,
    limit_threads,
    load_fashion_images,
)

from skmlp import Checkpoint, MLPDigitClassifier
from skmlp._checkpoint_file import read_checkpoint, write_checkpoint
from skmlp._fit_loop import TrainingData
from skmlp._training_state import data_digest

HIDDEN = (800, 800)
SETTINGS = {
    "nesterov": dict(solver="sgd", learning_rate=0.01, momentum=0.9),
    "adam + early stopping": dict(
        solver="adam", learning_rate=0.001, early_stopping=True, n_iter_no_change=99
    ),
}


class _EpochHook:
    """A callback of scikit-learn's callback API calling ``on_begin()`` and
    ``on_end()`` as each epoch begins and ends."""

    def __init__(self, on_begin=None, on_end=None):
        self.on_begin, self.on_end = on_begin, on_end

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        if context.task_name == "epoch" and self.on_begin is not None:
            self.on_begin()

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch" and self.on_end is not None:
            self.on_end()


class _Clock:
    """Callbacks around the Checkpoint: ``before`` notes when an epoch
    begins and when its recording ends (the Checkpoint is next), ``after``
    when the checkpoint is written."""

    def __init__(self):
        self.begin = self.recorded = None
        self.epochs, self.checkpoints = [], []

    def before(self):
        return _EpochHook(on_begin=self._begin, on_end=self._recorded)

    def after(self):
        return _EpochHook(on_end=self._written)

    def _begin(self):
        self.begin = time.perf_counter()

    def _recorded(self):
        self.recorded = time.perf_counter()
        self.epochs.append(self.recorded - self.begin)

    def _written(self):
        self.checkpoints.append(time.perf_counter() - self.recorded)


def measure(name, params, X, y, epochs, folder):
    path = Path(folder) / f"{name.split()[0]}.ckpt"
    clock = _Clock()
    clf = MLPDigitClassifier(
        HIDDEN, batch_size=128, max_iter=epochs, random_state=0, **params
    )
    clf.set_callbacks(clock.before(), Checkpoint(path), clock.after())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    size = os.path.getsize(path)
    state = read_checkpoint(path)
    writes = []
    for _ in range(5):
        start = time.perf_counter()
        write_checkpoint(path, state)
        writes.append(time.perf_counter() - start)
    # The first checkpoint also computed the data's digest: leave it out.
    epoch = statistics.median(clock.epochs)
    checkpoint = statistics.median(clock.checkpoints[1:] or clock.checkpoints)
    return [
        name,
        f"{epoch:.2f}",
        f"{checkpoint:.3f}",
        f"{100 * checkpoint / epoch:.1f} %",
        f"{statistics.median(writes):.3f}",
        f"{clock.checkpoints[0]:.3f}",
        f"{size / 2**20:.1f}",
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fashion-mnist", default=FASHION_MNIST_DIR, metavar="DIR")
    parser.add_argument("--quick", action="store_true", help="6,000 images, 2 epochs")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dir", default=None, help="where to write the checkpoints")
    args = parser.parse_args(argv)
    n_images, epochs = (6000, 2) if args.quick else (60000, 4)
    print(environment_summary(args.threads))
    X, y, source = load_fashion_images(args.fashion_mnist, n_images)
    folder = args.dir or tempfile.mkdtemp(prefix="bench_checkpoint-")
    print(
        f"{len(X)} {source} images, 784-{'-'.join(map(str, HIDDEN))}-10 ReLU, "
        f"float32, batch 128, {epochs} epochs, checkpoints in {folder}\n"
    )
    rows = []
    with limit_threads(args.threads):
        start = time.perf_counter()
        data = TrainingData(X, y, y.astype(np.intc), np.ones(len(y), np.float32), None)
        data_digest(data, np.unique(y))
        digest_seconds = time.perf_counter() - start
        for name, params in SETTINGS.items():
            rows.append(measure(name, params, X, y, epochs, folder))
    print(
        format_table(
            [
                "setting",
                "epoch s",
                "checkpoint s",
                "of an epoch",
                "write alone s",
                "first (with digest) s",
                "file MiB",
            ],
            rows,
        )
    )
    print(
        f"\nThe digest of the data (X, y, weights), once per fit and once per "
        f"resume: {digest_seconds:.3f} s. Medians over the epochs (the "
        "checkpoint column leaves out the first, which computes the digest)."
    )


if __name__ == "__main__":
    main()
