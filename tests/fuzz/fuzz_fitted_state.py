"""Fuzz target: the check of a fitted state read from a model file
(skmlp._fitted_state.check_network_state, run when pickle, joblib or skops
restores an MLPDigitClassifier and by the command line's model loader).

The input's bytes choose which attributes of a small fitted model to forge
and what to put there (arrays of any shape and dtype, lists of them, numbers,
strings, None). The state must either be refused with a ValueError naming the
estimator, or be one prediction can use: predict_proba on rows of
n_features_in_ features then gives one finite probability per class.

Run it: ``python tests/fuzz/fuzz_fitted_state.py -max_total_time=600`` (see
run_fuzzers.py).
"""

import warnings

import numpy as np
from _harness import fuzz, instrumented_imports

with instrumented_imports():
    from skmlp import MLPDigitClassifier
    from skmlp._fitted_state import check_network_state

_X = np.random.RandomState(0).rand(30, 6)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _MODEL = MLPDigitClassifier((4,), max_iter=2, random_state=0).fit(
        _X, np.arange(30) % 3
    )
_STATE = dict(_MODEL.__dict__)

ATTRIBUTES = (
    "coefs_",
    "intercepts_",
    "classes_",
    "n_features_in_",
    "out_activation_",
    "activation",
)
DTYPES = ("f4", "f8", "i8", "u1", "b1", "U3", "O")
WORDS = ("softmax", "logistic", "relu", "tanh", "identity", "")


class Bytes:
    """The fuzzer's input, read a byte at a time (zeros once it is over)."""

    def __init__(self, data):
        self.data, self.position = data, 0

    def byte(self):
        value = self.data[self.position] if self.position < len(self.data) else 0
        self.position += 1
        return value

    def over(self):
        return self.position >= len(self.data)


def forged_value(source, depth=0):
    kind = source.byte() % 8
    if kind == 0:
        return None
    if kind == 1:
        return source.byte() - 128  # an int, negative ones too
    if kind == 2:
        return bool(source.byte() & 1)
    if kind == 3:
        return WORDS[source.byte() % len(WORDS)]
    if kind == 4 and depth < 2:
        return [forged_value(source, depth + 1) for _ in range(source.byte() % 4)]
    shape = tuple(source.byte() % 7 for _ in range(source.byte() % 4))
    dtype = np.dtype(DTYPES[source.byte() % len(DTYPES)])
    array = np.zeros(shape, dtype=dtype)
    if dtype.kind in "fiub":
        array.flat[:] = [source.byte() for _ in range(array.size)]
    return array


def forged_state(data):
    source = Bytes(data)
    state = dict(_STATE)
    while not source.over():
        name = ATTRIBUTES[source.byte() % len(ATTRIBUTES)]
        if name in ("coefs_", "intercepts_") and source.byte() & 1:
            layers = list(state[name]) if isinstance(state[name], list) else []
            if layers:
                layers[source.byte() % len(layers)] = forged_value(source)
            state[name] = layers
        else:
            state[name] = forged_value(source)
    return state


def TestOneInput(data: bytes) -> None:
    state = forged_state(data)
    try:
        check_network_state(state)
    except ValueError as exc:
        assert str(exc).startswith("MLPDigitClassifier is damaged: "), exc
        return
    model = object.__new__(MLPDigitClassifier)
    model.__dict__.update(state)
    X = np.random.RandomState(1).rand(3, state["n_features_in_"])
    proba = model.predict_proba(X)
    assert proba.shape == (3, len(state["classes_"]))
    assert np.isfinite(proba).all()
    model.predict(X)


def seed_corpus():
    """No forgery, and a few single ones (a layer, the classes, a word)."""
    return [
        b"",
        b"\x00\x01\x00\x05",
        b"\x02\x05\x02\x03",
        b"\x04\x03\x01",
        b"\x05\x03\x02",
    ]


if __name__ == "__main__":
    fuzz(TestOneInput, seed_corpus)
