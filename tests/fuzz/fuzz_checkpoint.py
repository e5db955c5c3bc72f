"""Fuzz target: the checkpoint reader (skmlp._checkpoint_file, run by
``fit(resume_from=...)`` and ``skmlp train --checkpoint ... --resume``).

The first byte of an input chooses what the reader sees: 0 mod 3, the rest
of the input as the file; 1, a valid checkpoint whose JSON document is the
rest of the input (mutations reach the document's checks); 2, a valid
checkpoint whose array member chosen by the second byte is the rest (the
.npy headers and values). Any input must either give a training state that
holds what the format promises (weights and optimizer buffers finite and of
the network's size, curves of one length, rows numbering every sample once,
streams in range), or a ValueError naming the file.

Run it: ``python tests/fuzz/fuzz_checkpoint.py -max_total_time=600`` (see
run_fuzzers.py).
"""

import io
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
from _harness import fuzz, instrumented_imports

with instrumented_imports():
    from skmlp import Checkpoint, MLPDigitClassifier
    from skmlp._checkpoint_file import read_checkpoint_from
    from skmlp._optimizers import CHECKPOINT_OPTIMIZERS

NAME = "<fuzz input>"


def _valid_checkpoints():
    """The members of two small checkpoints: Adam with early stopping (best
    weights, held-out rows), Nesterov in float32."""
    X = np.random.RandomState(0).rand(40, 6)
    y = np.arange(40) % 3
    checkpoints = []
    with tempfile.TemporaryDirectory() as folder:
        for params, dtype in [
            (dict(early_stopping=True, n_iter_no_change=9), np.float64),
            (dict(solver="sgd"), np.float32),
        ]:
            path = Path(folder) / "fit.ckpt"
            clf = MLPDigitClassifier((4,), max_iter=2, random_state=0, **params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf.set_callbacks(Checkpoint(path)).fit(X.astype(dtype), y)
            with zipfile.ZipFile(path) as archive:
                checkpoints.append(
                    {info.filename: archive.read(info) for info in archive.infolist()}
                )
    return checkpoints


_CHECKPOINTS = _valid_checkpoints()


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def file_content(data):
    """The file the reader sees for the fuzzer's ``data``."""
    mode = data[0] % 3 if data else 0
    if mode == 0:
        return data[1:]
    members = dict(_CHECKPOINTS[(data[0] // 3) % 2])
    if mode == 1:
        members["checkpoint.json"] = data[1:]
    else:
        names = sorted(name for name in members if name.endswith(".npy"))
        chosen = names[data[1] % len(names)] if len(data) > 1 else names[0]
        members[chosen] = data[2:]
    return _zip(members)


def TestOneInput(data: bytes) -> None:
    try:
        state = read_checkpoint_from(io.BytesIO(file_content(data)), NAME)
    except ValueError as exc:
        assert str(exc).startswith(NAME), exc
        return
    n_units = state.n_units
    n_params = sum(a * b + b for a, b in zip(n_units[:-1], n_units[1:]))
    assert state.params.shape == (n_params,) and np.isfinite(state.params).all()
    assert state.params.dtype in (np.float32, np.float64)
    optimizer = CHECKPOINT_OPTIMIZERS[state.optimizer]
    assert set(state.optimizer_buffers) == set(optimizer.buffer_names)
    for buffer in state.optimizer_buffers.values():
        assert buffer.shape == (n_params,) and buffer.dtype == state.params.dtype
        assert np.isfinite(buffer).all()
    n_curve = len(state.loss_curve)
    assert 1 <= state.n_iter <= n_curve == len(state.learning_rate_curve)
    assert state.loss == state.loss_curve[-1]
    rows = [state.train_order]
    if state.validation_rows is not None:
        rows.append(state.validation_rows)
    rows = np.concatenate(rows)
    assert (np.sort(rows) == np.arange(len(rows))).all()
    assert 0 <= state.dropout_state < 2**64 and 0 <= state.augment_seed < 2**63
    rng = np.random.default_rng()
    rng.bit_generator.state = state.shuffle_state  # a state PCG64 takes


def seed_corpus():
    """Each valid checkpoint whole, its document alone, and each of its
    arrays alone, in the three modes."""
    seeds = []
    for which, members in enumerate(_CHECKPOINTS):
        seeds.append(bytes([3 * which]) + _zip(members))
        seeds.append(bytes([3 * which + 1]) + members["checkpoint.json"])
        names = sorted(name for name in members if name.endswith(".npy"))
        for index, name in enumerate(names):
            seeds.append(bytes([3 * which + 2, index]) + members[name])
    return seeds


if __name__ == "__main__":
    fuzz(TestOneInput, seed_corpus)
