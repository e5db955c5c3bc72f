"""The checkpoint file format (skmlp._checkpoint_file): written and read back
whole, and every forged file refused with one ValueError naming it, before
memory is spent on what it declares and without running code from it."""

import io
import json
import os
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy_format
from numpy.testing import assert_array_equal

from skmlp import Checkpoint, MLPDigitClassifier
from skmlp._checkpoint_file import (
    MAX_JSON_BYTES,
    read_checkpoint,
    read_checkpoint_from,
    write_checkpoint,
)

pytest.importorskip("sklearn.callback")  # set_callbacks: scikit-learn >= 1.9


@pytest.fixture(scope="module")
def checkpoints(digits, tmp_path_factory):
    """Checkpoint files of small fits: Adam with early stopping (best weights
    and held-out rows), and Nesterov in float32."""
    X, y = digits
    X, y = X[:300], y[:300]
    folder = tmp_path_factory.mktemp("checkpoints")
    paths = {}
    for name, params, dtype in [
        ("adam", dict(early_stopping=True, n_iter_no_change=50), np.float64),
        ("nesterov", dict(solver="sgd"), np.float32),
    ]:
        paths[name] = folder / f"{name}.ckpt"
        clf = MLPDigitClassifier((8,), max_iter=3, random_state=0, **params)
        clf.set_callbacks(Checkpoint(paths[name]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X.astype(dtype), y)
    return paths


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(members, method=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _npy(array):
    buffer = io.BytesIO()
    npy_format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _read(content):
    return read_checkpoint_from(io.BytesIO(content), "forged.ckpt")


def _with_document(path, **changes):
    members = _members(path)
    document = json.loads(members["checkpoint.json"])
    document.update(changes)
    members["checkpoint.json"] = json.dumps(document)
    return _zip(members)


def _with_array(path, name, array):
    members = _members(path)
    members[f"{name}.npy"] = _npy(array)
    return _zip(members)


def test_what_is_written_is_read_back(checkpoints, tmp_path):
    state = read_checkpoint(checkpoints["adam"])
    assert state.n_iter == 3 and state.optimizer == "adam"
    assert state.best_params is not None and state.validation_rows is not None
    copy = tmp_path / "copy.ckpt"
    size = write_checkpoint(copy, state)
    assert size == os.path.getsize(copy)
    again = read_checkpoint(copy)
    for field in state.__dataclass_fields__:
        ours, theirs = getattr(state, field), getattr(again, field)
        if isinstance(ours, np.ndarray):
            assert ours.dtype == theirs.dtype
            assert_array_equal(ours, theirs)
        elif isinstance(ours, dict) and field == "optimizer_buffers":
            for name in ours:
                assert_array_equal(ours[name], theirs[name])
        else:
            assert ours == theirs, field
    nesterov = read_checkpoint(checkpoints["nesterov"])
    assert nesterov.params.dtype == np.float32 and nesterov.best_params is None
    assert set(nesterov.optimizer_buffers) == {"velocity"}


def test_numpy_reads_it_without_pickle(checkpoints):
    with np.load(checkpoints["adam"], allow_pickle=False) as archive:
        assert {"params", "optimizer_m", "optimizer_v", "train_order"} <= set(
            archive.files
        )
        assert archive["loss_curve"].shape == (3,)


FORGED_DOCUMENTS = [
    (dict(format="other"), "does not name the format"),
    (dict(version=2), "format version 2; this skmlp reads version 1"),
    (dict(extra=1), r"other fields \(\['extra'\]\)"),
    (dict(dtype="float16"), "is not float32 or float64"),
    (dict(n_units=[64, "8", 10]), "is not a list of layer sizes"),
    (dict(n_units=[64, 0, 10]), "is not a list of layer sizes"),
    (dict(optimizer="rmsprop"), "is none of"),
    (dict(learning_rate=float("nan")), "learning_rate is nan"),
    (dict(learning_rate=-1.0), "learning_rate is -1.0"),
    (dict(t=-5), "t is -5"),
    (dict(n_steps=2**70), "n_steps is"),
    (dict(n_iter=True), "n_iter is True"),
    (dict(n_iter=4), "n_curve 3 is not a count of at least n_iter"),
    (dict(dropout_state=2**64), "dropout_state is"),
    (dict(augment_seed=-1), "augment_seed is -1"),
    (dict(data_digest="xyz"), "data_digest is"),
    (dict(parameters=[1, 2]), "parameters is"),
    (dict(best_validation_score=1.5), "best_validation_score is 1.5"),
    (dict(loss=0.123), "does not end with loss"),
    (dict(n_samples=301), r"train_order.npy holds int64 of shape \(270,\)"),
    (dict(n_validation=1), "n_validation 1 is not 0 nor"),
    (dict(arrays=["params"]), "are not the format's"),
    (dict(shuffle_state={"bit_generator": "MT19937"}), "shuffle_state is"),
]


@pytest.mark.parametrize("changes, message", FORGED_DOCUMENTS)
def test_a_forged_document_is_refused(checkpoints, changes, message):
    prefix = "forged.ckpt: not a usable skmlp checkpoint: "
    with pytest.raises(ValueError, match=f"^{prefix}.*{message}"):
        _read(_with_document(checkpoints["adam"], **changes))


def test_a_document_that_is_not_json_nor_an_object_is_refused(checkpoints):
    members = _members(checkpoints["adam"])
    for content, message in [
        (b"\xff\xfe{", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        (b'{"format": 1, "format": 2}', "duplicate keys"),
        (b"[1, 2]", "is not an object"),
        (json.dumps({f"k{i}": i for i in range(10)}).encode(), "name the format"),
    ]:
        with pytest.raises(ValueError, match=message):
            _read(_zip({**members, "checkpoint.json": content}))
    big = b" " * (MAX_JSON_BYTES + 1)
    with pytest.raises(ValueError, match="more than the 1048576"):
        _read(_zip({**members, "checkpoint.json": big}))


FORGED_ARRAYS = [
    ("params", lambda a: a.astype(np.float32), "holds float32"),
    ("params", lambda a: a[:-1], r"of shape \("),
    ("params", lambda a: np.asfortranarray(np.stack([a, a], axis=1)), "shape"),
    ("params", lambda a: np.array([{"run": "code"}] * len(a)), "holds object"),
    ("params", lambda a: np.where(np.arange(len(a)) == 3, np.inf, a), "not all finite"),
    ("optimizer_v", lambda a: -a - 1, "negative values"),
    ("optimizer_m", lambda a: a * np.nan, "m is not all finite"),
    ("best_params", lambda a: a * np.nan, "best weights are not all finite"),
    ("train_order", lambda a: np.sort(a)[::-1] * 0, "number each of the 300"),
    ("train_order", lambda a: a + 1000, "number each of the 300"),
    ("validation_rows", lambda a: a[::-1].copy(), None),  # any order is fine
    ("loss_curve", lambda a: a * np.inf, "loss curve is not finite"),
    ("learning_rate_curve", lambda a: -a, "learning-rate curve"),
    ("validation_scores", lambda a: a + 2, "validation curves"),
]


@pytest.mark.parametrize(
    "name, forge, message", FORGED_ARRAYS, ids=[f[0] for f in FORGED_ARRAYS]
)
def test_a_forged_array_is_refused(checkpoints, name, forge, message):
    with np.load(checkpoints["adam"], allow_pickle=False) as archive:
        array = archive[name]
    content = _with_array(checkpoints["adam"], name, forge(array))
    if message is None:
        _read(content)
        return
    with pytest.raises(ValueError, match=f"not a usable skmlp checkpoint: .*{message}"):
        _read(content)


def test_an_object_array_is_never_unpickled(checkpoints, monkeypatch):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("unpickled")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    content = _with_array(checkpoints["adam"], "train_order", np.array([os.getpid]))
    with pytest.raises(ValueError, match="holds object"):
        _read(content)


def test_members_must_be_the_formats(checkpoints):
    members = _members(checkpoints["adam"])
    with pytest.raises(ValueError, match=r"members the format does not have"):
        _read(_zip({**members, "payload.npy": _npy(np.zeros(3))}))
    without = {k: v for k, v in members.items() if k != "optimizer_m.npy"}
    with pytest.raises(ValueError, match=r"no \['optimizer_m.npy'\]"):
        _read(_zip(without))
    with pytest.raises(ValueError, match="has no checkpoint.json"):
        _read(_zip({"params.npy": members["params.npy"]}))
    with pytest.raises(ValueError, match="compressed or encrypted"):
        _read(_zip(members, zipfile.ZIP_DEFLATED))
    twice = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: duplicate name
        with zipfile.ZipFile(twice, "w") as archive:
            for name, content in members.items():
                archive.writestr(name, content)
            archive.writestr("params.npy", members["params.npy"])
    with pytest.raises(ValueError, match="holds 'params.npy' twice"):
        _read(twice.getvalue())


def test_a_member_of_other_size_or_content_is_refused(checkpoints):
    members = _members(checkpoints["adam"])
    with pytest.raises(ValueError, match="declares .* bytes"):
        _read(_zip({**members, "params.npy": members["params.npy"] + b"\0" * 8}))
    # A flipped byte in the data: the zip's CRC.
    content = bytearray(_zip(members))
    position = content.index(members["params.npy"][-64:])
    content[position] ^= 0xFF
    with pytest.raises(ValueError, match="corrupt zip archive|Bad CRC"):
        _read(bytes(content))


def test_a_declared_network_is_not_allocated_before_its_size_is_checked(
    checkpoints,
):
    """A document declaring a network of 2**31 x 2**31 units, and a member
    declaring 8 GiB of weights, are refused without allocating them."""
    members = _members(checkpoints["adam"])
    document = json.loads(members["checkpoint.json"])
    document["n_units"] = [2**31 - 1, 2**31 - 1, 10]
    members["checkpoint.json"] = json.dumps(document)
    header = io.BytesIO()
    npy_format.write_array_header_2_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (2**30,)}
    )
    members["params.npy"] = header.getvalue()
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="not a usable skmlp checkpoint"):
            _read(_zip(members))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


def test_files_that_are_not_checkpoints(tmp_path, checkpoints):
    with pytest.raises(ValueError, match="forged.ckpt: not a readable zip"):
        _read(b"not a zip at all")
    folder = tmp_path / "folder.ckpt"
    folder.mkdir()
    with pytest.raises(ValueError, match="folder.ckpt: a folder, not a regular file"):
        read_checkpoint(folder)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.ckpt"
        os.mkfifo(fifo)
        with pytest.raises(ValueError, match="a FIFO"):
            read_checkpoint(fifo)
    # A model file is not a checkpoint.
    model = tmp_path / "model.skops"
    model.write_bytes(_zip({"schema.json": b"{}"}))
    with pytest.raises(ValueError, match="has no checkpoint.json"):
        read_checkpoint(model)
