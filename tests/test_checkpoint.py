"""Checkpoints (skmlp.Checkpoint, fit's resume_from): a fit stopped after a
checkpoint and resumed from it ends with the bits of a fit never stopped;
resuming with other parameters or data is refused.

The fits here stop in-process (a callback presses Ctrl-C as an epoch
begins); tests/test_checkpoint_kill.py kills a process with SIGKILL. Equal
bits hold because both fits run the same products on the same kernels and
one BLAS thread (networks far below skmlp's two-thread threshold).
"""

import hashlib
import os
import warnings

import numpy as np
import pytest
from callback_hooks import Hooks
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

from skmlp import Checkpoint, MLPDigitClassifier
from skmlp._checkpoint_file import read_checkpoint

pytest.importorskip("sklearn.callback")  # set_callbacks: scikit-learn >= 1.9

MAX_ITER = 7


class _CtrlCAt(Hooks):
    """Presses Ctrl-C as epoch ``epoch`` (counted from 0) of the fit begins."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_fit_task_begin(self, estimator, context):
        if context.task_name == "epoch" and context.task_id == self.epoch:
            raise KeyboardInterrupt


@pytest.fixture(scope="module")
def data(digits):
    X, y = digits
    return X[:400], y[:400]


def _params(**params):
    return {
        "hidden_layer_sizes": (16,),
        "max_iter": MAX_ITER,
        "batch_size": 32,
        "random_state": 0,
        **params,
    }


def _fit(X, y, callbacks=(), **fit_params):
    clf = MLPDigitClassifier(**_params(**fit_params.pop("params", {})))
    if callbacks:
        clf.set_callbacks(*callbacks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y, **fit_params)


def model_digest(clf):
    """A digest of everything a fit leaves: weights, optimizer state, curves,
    counters."""
    digest = hashlib.sha256()
    for array in clf.coefs_ + clf.intercepts_:
        digest.update(array.tobytes())
    state = clf._optimizer_state
    for name in sorted(state["buffers"]):
        digest.update(state["buffers"][name].tobytes())
    for curve in (
        clf.loss_curve_,
        clf.learning_rate_curve_,
        clf.validation_scores_ or [],
        clf.validation_loss_curve_ or [],
    ):
        digest.update(np.asarray(curve, dtype=np.float64).tobytes())
    counters = (state["n_steps"], clf.t_, clf.n_iter_, clf._no_improvement_count)
    digest.update(repr((counters, clf.best_loss_, clf.best_validation_score_)).encode())
    return digest.hexdigest()


def _stopped_then_resumed(X, y, path, stop_at, every=1, **fit_params):
    """The model of a fit stopped (Ctrl-C) as epoch ``stop_at`` begins, with
    checkpoints every ``every`` epochs, then resumed from its checkpoint."""
    with pytest.raises(KeyboardInterrupt):
        _fit(X, y, (Checkpoint(path, every=every), _CtrlCAt(stop_at)), **fit_params)
    return _fit(X, y, resume_from=path, **fit_params)


ROUND_TRIPS = {
    "sgd": dict(solver="sgd", momentum=0.0, learning_rate=0.05),
    "nesterov": dict(solver="sgd", learning_rate=0.05),
    "momentum": dict(solver="sgd", nesterov=False, learning_rate=0.05),
    "adam": dict(solver="adam", learning_rate=0.01),
    "dropout-augment-max-norm": dict(
        solver="sgd",
        learning_rate=0.05,
        dropout=0.25,
        augment=dict(rotation=10, elastic_alpha=8.0, elastic_sigma=3.0, erase=0.3),
        max_norm=2.0,
    ),
    "early-stopping": dict(early_stopping=True, n_iter_no_change=2, tol=0.05),
    "adaptive": dict(solver="sgd", lr_schedule="adaptive", n_iter_no_change=1, tol=0.1),
    "cosine-l1-smoothing": dict(lr_schedule="cosine", l1=1e-4, label_smoothing=0.1),
    "invscaling-no-shuffle": dict(
        solver="sgd", lr_schedule="invscaling", shuffle=False, learning_rate=0.2
    ),
    "class-weight": dict(class_weight="balanced"),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_a_resumed_fit_ends_with_the_bits_of_an_uninterrupted_one(
    data, tmp_path, name, dtype
):
    X, y = data
    X = X.astype(dtype)
    params = ROUND_TRIPS[name]
    whole = _fit(X, y, params=params)
    resumed = _stopped_then_resumed(X, y, tmp_path / "fit.ckpt", 3, params=params)
    assert resumed.n_iter_ == whole.n_iter_
    assert model_digest(resumed) == model_digest(whole)
    assert resumed.predict_proba(X).tobytes() == whole.predict_proba(X).tobytes()


def test_the_round_trips_exercise_what_they_name(data, tmp_path):
    """The fits above reach the states they claim to: the adaptive step is
    divided, early stopping stops before max_iter and keeps best weights,
    and the checkpoint was written at the epoch before the stop."""
    X, y = data
    adaptive = _fit(X, y, params=ROUND_TRIPS["adaptive"])
    assert len(set(adaptive.learning_rate_curve_)) > 1
    stopping = _fit(X, y, params=ROUND_TRIPS["early-stopping"])
    assert stopping.n_iter_ < MAX_ITER
    path = tmp_path / "fit.ckpt"
    with pytest.raises(KeyboardInterrupt):
        _fit(X, y, (Checkpoint(path), _CtrlCAt(3)), params=ROUND_TRIPS["adam"])
    assert read_checkpoint(path).n_iter == 3


@pytest.mark.parametrize("done", [2, 3, MAX_ITER])
def test_resuming_from_any_epoch_and_every_n_epochs(data, tmp_path, done):
    """With every=2, the checkpoint is that of the last even epoch done; one
    of the last epoch resumes to the same end (nothing left to train but the
    decisions after it)."""
    X, y = data
    params = ROUND_TRIPS["dropout-augment-max-norm"]
    whole = _fit(X, y, params=params)
    path = tmp_path / "fit.ckpt"
    if done == MAX_ITER:
        _fit(X, y, (Checkpoint(path),), params=params)
        assert read_checkpoint(path).n_iter == MAX_ITER
        resumed = _fit(X, y, resume_from=path, params=params)
    else:
        resumed = _stopped_then_resumed(X, y, path, done, every=2, params=params)
        assert read_checkpoint(path).n_iter == done // 2 * 2
    assert model_digest(resumed) == model_digest(whole)


def test_a_stop_before_the_first_checkpoint_leaves_no_file(data, tmp_path):
    X, y = data
    path = tmp_path / "fit.ckpt"
    with pytest.raises(KeyboardInterrupt):
        _fit(X, y, (Checkpoint(path, every=2), _CtrlCAt(1)))
    assert not path.exists()


def test_sparse_input_and_a_validation_set_of_ones_own(data, tmp_path):
    X, y = data
    fit_params = dict(X_val=X[:50], y_val=y[:50], params=dict(early_stopping=True))
    Xs = sparse.csr_matrix(X)
    whole = _fit(Xs, y, **fit_params)
    resumed = _stopped_then_resumed(Xs, y, tmp_path / "fit.ckpt", 2, **fit_params)
    assert model_digest(resumed) == model_digest(whole)


def test_a_warm_started_fit_resumes_with_its_earlier_epochs(data, tmp_path):
    """A checkpoint of a warm-started fit holds the earlier fits' curves and
    samples seen; the resumed fit starts from it, whatever the estimator
    holds (here nothing)."""
    X, y = data

    def warm(callbacks=(), **fit_params):
        clf = MLPDigitClassifier(**_params(warm_start=True))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
            clf.set_callbacks(*callbacks) if callbacks else None
            return clf.fit(X, y, **fit_params)

    whole = warm()
    path = tmp_path / "fit.ckpt"
    with pytest.raises(KeyboardInterrupt):
        warm((Checkpoint(path), _CtrlCAt(2)))
    resumed = _fit(X, y, resume_from=path, params=dict(warm_start=True))
    assert len(resumed.loss_curve_) == 2 * MAX_ITER
    assert model_digest(resumed) == model_digest(whole)


def test_the_file_is_replaced_atomically_each_time(data, tmp_path):
    """Every checkpoint replaces the previous file (a new inode each time, no
    temporary file left), and holds the epoch it was written at."""
    X, y = data
    path = tmp_path / "fit.ckpt"
    seen = []

    class Watch(Hooks):
        def on_fit_task_end(self, estimator, context):
            if context.task_name == "epoch":
                seen.append((os.stat(path).st_ino, read_checkpoint(path).n_iter))

    _fit(X, y, (Checkpoint(path), Watch()))
    assert [epoch for _, epoch in seen] == list(range(1, MAX_ITER + 1))
    assert len({inode for inode, _ in seen}) > 1
    assert os.listdir(tmp_path) == ["fit.ckpt"]


# ------------------------------------------------------------- refusals


def _checkpointed(X, y, tmp_path, **params):
    path = tmp_path / "fit.ckpt"
    with pytest.raises(KeyboardInterrupt):
        _fit(X, y, (Checkpoint(path), _CtrlCAt(2)), params=params)
    return path


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            dict(learning_rate=0.002),
            r"learning_rate=0.001 in the checkpoint, 0.002 now",
        ),
        (dict(max_iter=9), r"max_iter=7 in the checkpoint, 9 now"),
        (dict(dropout=0.1), r"dropout=\[0.0\] in the checkpoint, \[0.1\] now"),
        (dict(augment=dict(rotation=5)), r"augment=null in the checkpoint"),
        (dict(random_state=1), r"random_state=0 in the checkpoint, 1 now"),
        (dict(hidden_layer_sizes=(17,)), r"hidden_layer_sizes=\[16\]"),
        (dict(solver="sgd"), r"solver=\"adam\" in the checkpoint, \"sgd\" now"),
    ],
)
def test_other_parameters_are_refused_naming_them(data, tmp_path, changes, message):
    X, y = data
    path = _checkpointed(X, y, tmp_path)
    with pytest.raises(ValueError, match=message):
        _fit(X, y, resume_from=path, params=changes)


def test_verbose_and_warm_start_may_change(data, tmp_path, capsys):
    X, y = data
    whole = _fit(X, y)
    path = _checkpointed(X, y, tmp_path)
    resumed = _fit(X, y, resume_from=path, params=dict(verbose=1, warm_start=True))
    assert model_digest(resumed) == model_digest(whole)
    assert "Epoch    7" in capsys.readouterr().out


def test_equal_parameters_given_otherwise_are_the_same(data, tmp_path):
    """An augmentation given as a dict or an instance, a dropout rate as a
    float or a list, hidden sizes as a tuple or a list: the same training."""
    from skmlp.augmentation import DigitAugmentation

    X, y = data
    path = _checkpointed(
        X, y, tmp_path, augment={"rotation": 5}, dropout=0.2, hidden_layer_sizes=(16,)
    )
    params = dict(
        augment=DigitAugmentation(rotation=5.0), dropout=[0.2], hidden_layer_sizes=[16]
    )
    _fit(X, y, resume_from=path, params=params)


@pytest.mark.parametrize(
    "change",
    ["X", "y", "sample_weight", "rows", "dtype", "features"],
)
def test_other_data_are_refused(data, tmp_path, change):
    X, y = data
    path = _checkpointed(X, y, tmp_path)
    fit_params = {}
    if change == "X":
        X = X.copy()
        X[5, 7] += 0.5
    elif change == "y":
        y = y.copy()
        y[3] = (y[3] + 1) % 10
    elif change == "sample_weight":
        fit_params["sample_weight"] = np.ones(len(y)) * 2
    elif change == "rows":
        X, y = X[:-1], y[:-1]
    elif change == "dtype":
        X = X.astype(np.float32)
    else:
        X = X[:, :-1]
    message = "other data" if change not in ("dtype", "features") else "network of"
    with pytest.raises(ValueError, match=message):
        _fit(X, y, resume_from=path, **fit_params)


def test_lbfgs_and_partial_fit_write_no_checkpoints(data, tmp_path):
    X, y = data
    path = tmp_path / "fit.ckpt"
    clf = MLPDigitClassifier(**_params(solver="lbfgs"))
    with pytest.raises(ValueError, match="minibatch solvers"):
        clf.set_callbacks(Checkpoint(path)).fit(X, y)
    with pytest.raises(ValueError, match="after each partial_fit call"):
        MLPDigitClassifier(**_params()).set_callbacks(Checkpoint(path)).partial_fit(
            X, y, classes=np.unique(y)
        )
    with pytest.raises(ValueError, match="resume_from continues a fit of a minibatch"):
        MLPDigitClassifier(**_params(solver="lbfgs")).fit(X, y, resume_from=path)
    assert not path.exists()


@pytest.mark.parametrize("every, error", [(0, ValueError), (1.5, TypeError)])
def test_every_is_a_positive_int(data, tmp_path, every, error):
    X, y = data
    clf = MLPDigitClassifier(**_params()).set_callbacks(
        Checkpoint(tmp_path / "a", every=every)
    )
    with pytest.raises(error, match="every must be"):
        clf.fit(X, y)


def test_a_link_at_the_path_is_refused_before_training(data, tmp_path):
    X, y = data
    target = tmp_path / "precious"
    target.write_text("keep me")
    link = tmp_path / "fit.ckpt"
    link.symlink_to(target)
    clf = MLPDigitClassifier(**_params()).set_callbacks(Checkpoint(link))
    with pytest.raises(ValueError, match="symbolic link"):
        clf.fit(X, y)
    assert target.read_text() == "keep me"


def test_one_checkpoint_writes_one_fit_at_a_time(data, tmp_path):
    """Two fits at once writing one file would each overwrite the other's:
    a fit that starts while another writes the path is refused, again after
    a refused one (whose teardown scikit-learn still calls); once the first
    ends, the path is free again."""
    X, y = data
    checkpoint = Checkpoint(tmp_path / "fit.ckpt")
    inner = MLPDigitClassifier(**_params(max_iter=1))
    inner.set_callbacks(checkpoint)
    errors = []

    class StartAnother(Hooks):
        def on_fit_task_begin(self, estimator, context):
            if context.task_name == "epoch" and context.task_id < 2:
                try:
                    inner.fit(X, y)
                except ValueError as exc:
                    errors.append(str(exc))

    _fit(X, y, (checkpoint, StartAnother()))
    assert len(errors) == 2
    assert all("another fit running now writes" in error for error in errors)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        inner.fit(X, y)  # free again


def test_a_missing_or_damaged_checkpoint_is_one_error(data, tmp_path):
    X, y = data
    with pytest.raises(FileNotFoundError):
        _fit(X, y, resume_from=tmp_path / "missing.ckpt")
    damaged = tmp_path / "damaged.ckpt"
    damaged.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ValueError, match="damaged.ckpt: not a readable zip"):
        _fit(X, y, resume_from=damaged)


def test_checkpoint_repr_and_protocol():
    from sklearn.callback import FitCallback

    checkpoint = Checkpoint("run.ckpt", every=3)
    assert repr(checkpoint) == "Checkpoint('run.ckpt', every=3)"
    assert isinstance(checkpoint, FitCallback)


def _rewritten(path, arrays=None, drop=(), **fields):
    """The checkpoint at ``path`` with some arrays replaced or dropped and
    some fields of its document changed: consistent in itself."""
    import io
    import json
    import zipfile

    from numpy.lib import format as npy_format

    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    document = json.loads(members["checkpoint.json"])
    for name, array in (arrays or {}).items():
        buffer = io.BytesIO()
        npy_format.write_array(buffer, array)
        members[f"{name}.npy"] = buffer.getvalue()
        if name not in document["arrays"]:
            document["arrays"].append(name)
    for name in drop:
        del members[f"{name}.npy"]
        document["arrays"].remove(name)
    document.update(fields)
    members["checkpoint.json"] = json.dumps(document)
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def test_a_checkpoint_valid_in_itself_but_not_for_the_fit_is_refused(data, tmp_path):
    """Rows held out where the fit holds none, or best weights where it
    watches no validation score: a forged checkpoint of the right
    parameters and data is refused before training."""
    X, y = data
    path = _checkpointed(X, y, tmp_path, early_stopping=True, n_iter_no_change=50)
    state = read_checkpoint(path)
    everything = np.concatenate([state.train_order, state.validation_rows])
    _rewritten(
        path,
        {"train_order": everything},
        drop=["validation_rows"],
        n_validation=0,
    )
    params = dict(early_stopping=True, n_iter_no_change=50)
    with pytest.raises(ValueError, match="its fit does not hold rows of X out"):
        _fit(X, y, resume_from=path, params=params)

    (tmp_path / "plain").mkdir()
    path = _checkpointed(X, y, tmp_path / "plain", n_iter_no_change=50)
    _rewritten(path, {"best_params": read_checkpoint(path).params})
    with pytest.raises(ValueError, match="holds best weights of early stopping"):
        _fit(X, y, resume_from=path, params=dict(n_iter_no_change=50))


def test_the_state_is_captured_only_when_a_checkpoint_is_due(
    data, tmp_path, monkeypatch
):
    """Other callbacks that ask for the epoch's model cost no capture (nor
    the data's digest); a capture kept for later refuses to run: it would
    describe another epoch."""
    from skmlp._fit_loop import Fitter

    X, y = data
    captured, kept = [], []
    original = Fitter.training_state

    def counting(self):
        captured.append(self.progress.n_iter_)
        return original(self)

    monkeypatch.setattr(Fitter, "training_state", counting)

    class Keeps(Hooks):
        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            if context.task_name == "epoch":
                kept.append(fitted_estimator._training_state)

    _fit(X, y, (Keeps(),))
    assert captured == [] and len(kept) == MAX_ITER
    with pytest.raises(RuntimeError, match="captured while the callbacks"):
        kept[0]()
    _fit(X, y, (Keeps(), Checkpoint(tmp_path / "fit.ckpt", every=3)))
    assert captured == [3, 6]
