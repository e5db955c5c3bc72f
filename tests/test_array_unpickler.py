"""skmlp._array_unpickler: the restricted unpickler of data pickles, on its
own. The hostile pickles of load_mnist (payloads, misused NumPy names,
malformed opcodes, bounded memory) are in test_datasets_hostile.py; here, what
the module gives its callers."""

import gzip
import io
import os
import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skmlp._array_unpickler import (
    PickledArray,
    describe,
    load_array_pickle,
    unpickled_array,
)


def load(obj, protocol=2, compress=False, name="f.pkl", **kwargs):
    content = pickle.dumps(obj, protocol=protocol)
    if compress:
        content = gzip.compress(content)
    return load_array_pickle(io.BytesIO(content), len(content), name, **kwargs)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_arrays_in_tuples_and_lists_come_back_wrapped(protocol, compress):
    arrays = [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array([1, -2], dtype=">i8"),
        np.asfortranarray(np.eye(2)),
        np.array([True, False]),
    ]
    loaded = load(
        (arrays[0], [arrays[1], (arrays[2],)], arrays[3], 7, "text"), protocol, compress
    )
    assert isinstance(loaded, tuple) and loaded[3:] == (7, "text")
    got = [loaded[0], loaded[1][0], loaded[1][1][0], loaded[2]]
    for wrapped, expected in zip(got, arrays, strict=True):
        assert isinstance(wrapped, PickledArray)
        array = unpickled_array(wrapped)
        assert type(array) is np.ndarray and array.flags.writeable
        assert array.dtype == expected.dtype
        assert_array_equal(array, expected)


def test_unpickled_array_is_none_for_anything_else():
    assert unpickled_array([1.0, 2.0]) is None
    assert unpickled_array(np.zeros(2)) is None  # only what the pickle built
    assert unpickled_array(PickledArray()) is None


@pytest.mark.parametrize(
    "obj, text",
    [
        ((1, 2), "a tuple of length 2"),
        ([], "a list of length 0"),
        (PickledArray(), "an array without data"),
        (PickledArray(np.zeros((2, 3))), r"an array of shape (2, 3)"),
        (3.5, "an object of type float"),
        (len, "a function"),
    ],
)
def test_describe_names_an_object_for_a_message(obj, text):
    assert describe(obj) == text


def test_refusal_is_a_value_error_naming_the_file_and_what_was_refused():
    with pytest.raises(
        ValueError, match=r"^f\.pkl: refused to load posix\.system: a data pickle"
    ):
        load((os.system, ("true",)), name="f.pkl")
    with pytest.raises(ValueError, match=r"^f\.pkl: the pickle uses opcode EMPTY_DICT"):
        load({"X": 1}, protocol=4)


def test_no_pickle_at_all_gets_the_callers_hint():
    content = b"not a pickle"
    with pytest.raises(
        ValueError, match=r"^g: not a readable pickle \(.*\)\. Read it otherwise\.$"
    ):
        load_array_pickle(
            io.BytesIO(content), len(content), "g", hint=" Read it otherwise."
        )


def test_reads_stop_at_what_the_file_can_hold():
    # A BINBYTES8 of 2**40 bytes in a file of 13: refused before allocating.
    content = b"\x80\x04\x8e" + (2**40).to_bytes(8, "little") + b"."
    with pytest.raises(ValueError, match=r"reads past the end of the 12-byte file"):
        load_array_pickle(io.BytesIO(content), 12, "f")
