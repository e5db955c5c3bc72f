"""A restricted unpickler for data pickles: arrays of numbers, tuples, lists.

:func:`load_array_pickle` reads a pickle such as the ``mnist.pkl.gz`` of the
Theano and Nielsen tutorials without ever letting the file reach NumPy's or
Python's own reconstruction code: the few globals it allows are stand-ins
that check their arguments and build plain arrays of numbers, and only the
opcodes needed for numbers, strings, tuples, lists and those calls are run.
(NumPy's own ``dtype.__setstate__`` would let a pickle mark a float dtype as
holding object pointers; CPython's C unpickler lets a 9-byte LONG_BINPUT
allocate gigabytes: hence the pure-Python unpickler, whose memo is a dict, and
the stand-ins.) Its reads go through a
:class:`~skmlp._untrusted_files.BoundedReader`, so that no length in the
pickle makes it allocate more than the file can hold.

What it returns holds :class:`PickledArray` wrappers where the pickle has
arrays: :func:`unpickled_array` unwraps one, and :func:`describe` names any
object for a message. The caller checks the layout it expects.
"""

import math
import pickle
import pickletools
import struct

import numpy as np

from ._untrusted_files import (
    MAX_ARRAY_DIMS,
    BoundedReader,
    content_limit,
    gzip_stream,
)

__all__ = ["PickledArray", "describe", "load_array_pickle", "unpickled_array"]

# Opcodes run beyond this are refused: a pickle of six arrays needs about a
# hundred, and the pure-Python unpickler spends about a microsecond on each.
_MAX_PICKLE_OPCODES = 100_000

# The dtypes a data pickle may hold: booleans, integers and floats.
_PICKLE_DTYPES = frozenset(
    ["b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"]
)


class _Refused(Exception):
    """A data pickle refused; the caller adds the file's name to the message."""


class _PickledDtype:
    """A dtype as a data pickle describes it: a plain number type."""

    __slots__ = ("dtype", "_has_state")

    def __init__(self, dtype):
        self.dtype = dtype
        self._has_state = False

    def set_state(self, state):
        # NumPy's dtype state: (version, byteorder, subdtype, names, fields,
        # elsize, alignment, flags); a plain number type has these defaults.
        if (
            self._has_state
            or not isinstance(state, tuple)
            or len(state) != 8
            or state[1] not in ("<", ">", "|", "=")
            or state[2:] != (None, None, None, -1, -1, 0)
        ):
            raise _Refused(
                f"the state of dtype {self.dtype.str[1:]!r} is not a plain "
                "number type's"
            )
        if state[1] in "<>":
            self.dtype = self.dtype.newbyteorder(state[1])
        self._has_state = True


class PickledArray:
    """An array of numbers as a data pickle describes it; ``array`` is None
    until its state has been set."""

    __slots__ = ("array",)

    def __init__(self, array=None):
        self.array = array

    def set_state(self, state):
        # NumPy's ndarray state: (version, shape, dtype, is_fortran, data),
        # or the same without the version (version 0).
        if isinstance(state, tuple) and len(state) == 5:
            state = state[1:]
        if self.array is not None or not isinstance(state, tuple) or len(state) != 4:
            raise _Refused("an array's state is not NumPy's")
        shape, dtype, is_fortran, data = state
        if is_fortran not in (0, 1):
            raise _Refused("an array's state is not NumPy's")
        self.array = _array_from_bytes(data, dtype, shape, "F" if is_fortran else "C")


def _array_from_bytes(data, dtype, shape, order):
    """A new writable array of ``shape`` from the bytes of a data pickle, or
    _Refused if they do not describe one."""
    if not isinstance(dtype, _PickledDtype):
        raise _Refused(f"an array's dtype is {describe(dtype)}")
    if not (
        isinstance(shape, tuple)
        and len(shape) <= MAX_ARRAY_DIMS
        and all(type(n) is int and n >= 0 for n in shape)
    ):
        raise _Refused(f"an array's shape is not a tuple of sizes: {describe(shape)}")
    if not isinstance(data, (str, bytes, bytearray)) or order not in ("C", "F"):
        raise _Refused(f"an array's data are {describe(data)}, not bytes")
    n_bytes = math.prod(shape) * dtype.dtype.itemsize
    if len(data) != n_bytes:
        raise _Refused(
            f"an array of shape {shape} and dtype {dtype.dtype.str[1:]!r} needs "
            f"{n_bytes} bytes of data; the pickle gives {len(data)}"
        )
    # Python 2 wrote the data as str, which encoding="latin1" decodes one
    # character per byte; a bytearray makes the array writable.
    buffer = bytearray(data, "latin1") if isinstance(data, str) else bytearray(data)
    return np.frombuffer(buffer, dtype=dtype.dtype).reshape(shape, order=order)


class _PickledNdarrayClass:
    """Stands for numpy.ndarray, which a data pickle names as the class of
    each array it rebuilds."""

    __slots__ = ()


_NDARRAY_CLASS = _PickledNdarrayClass()


def _reconstruct(subtype, shape, typecode):
    """Stands for numpy's ``_reconstruct(ndarray, (0,), b"b")``: an array whose
    state (shape, dtype, data) the pickle sets next, with BUILD."""
    if subtype is not _NDARRAY_CLASS:
        raise _Refused(f"numpy's _reconstruct is asked for {describe(subtype)}")
    return PickledArray()


def _frombuffer(buffer, dtype, shape, order):
    """Stands for numpy's ``_frombuffer``, which pickle protocol 5 uses."""
    return PickledArray(_array_from_bytes(buffer, dtype, shape, order))


def _dtype(code, align=False, copy=True):
    """Stands for ``numpy.dtype(code, align, copy)``, for number types only."""
    if not isinstance(code, str) or code not in _PICKLE_DTYPES:
        raise _Refused(
            f"the pickle asks for dtype {code!r:.40}; a data pickle holds only "
            "booleans, integers and floats"
        )
    return _PickledDtype(np.dtype(code))


def _latin1_encode(text, encoding):
    """Stands for ``_codecs.encode(text, "latin1")``: how Python 3 writes
    bytes (an array's data) in pickle protocols 0 to 2."""
    if not isinstance(text, str) or encoding != "latin1":
        raise _Refused("the pickle calls _codecs.encode other than for latin-1 text")
    return text.encode("latin1")


def _empty_bytes(*args):
    """Stands for ``bytes()``: how Python 3 writes ``b""`` in protocols 0 to 2."""
    if args:
        raise _Refused("the pickle calls bytes() with arguments")
    return b""


# The only globals a data pickle may name, as (module, name), and the
# stand-ins that replace them. NumPy wrote numpy.core before NumPy 2.
_PICKLE_GLOBALS = {
    ("numpy", "ndarray"): _NDARRAY_CLASS,
    ("numpy", "dtype"): _dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("_codecs", "encode"): _latin1_encode,
    ("__builtin__", "bytes"): _empty_bytes,
}

# The opcodes a data pickle may use: numbers, strings, bytes, tuples, lists,
# the memo, globals, calls and BUILD. Refused: dictionaries and sets (ints
# that collide in a hash table make them quadratic), instance creation
# (INST, OBJ, NEWOBJ), extensions, persistent IDs and out-of-band buffers.
_PICKLE_OPCODES = frozenset(
    """PROTO FRAME STOP MARK POP POP_MARK DUP NONE NEWTRUE NEWFALSE INT BININT
    BININT1 BININT2 LONG LONG1 LONG4 FLOAT BINFLOAT STRING BINSTRING
    SHORT_BINSTRING BINBYTES SHORT_BINBYTES BINBYTES8 BYTEARRAY8 UNICODE
    BINUNICODE SHORT_BINUNICODE BINUNICODE8 EMPTY_TUPLE TUPLE TUPLE1 TUPLE2
    TUPLE3 EMPTY_LIST LIST APPEND APPENDS GET BINGET LONG_BINGET PUT BINPUT
    LONG_BINPUT MEMOIZE GLOBAL STACK_GLOBAL REDUCE BUILD""".split()
)


class _ArrayUnpickler(pickle._Unpickler):
    """An unpickler that builds arrays of numbers, tuples and lists only.

    It runs the allowed opcodes of Python's pure-Python unpickler, at most
    ``_MAX_PICKLE_OPCODES`` of them, and replaces the globals of
    ``_PICKLE_GLOBALS`` by their stand-ins; anything else raises _Refused.
    """

    def __init__(self, file):
        # The tutorials' file was written by Python 2: its strings (the
        # arrays' data among them) need latin1 to unpickle in Python 3.
        super().__init__(file, encoding="latin1")
        self._n_opcodes = 0

    def find_class(self, module, name):
        try:
            return _PICKLE_GLOBALS[module, name]
        except (KeyError, TypeError):
            raise _Refused(
                f"refused to load {module}.{name}: a data pickle may only build "
                "NumPy arrays of numbers in tuples and lists, so skmlp never "
                "calls anything else it names"
            ) from None

    def _count_opcode(self):
        self._n_opcodes += 1
        if self._n_opcodes > _MAX_PICKLE_OPCODES:
            raise _Refused(
                f"the pickle runs more than {_MAX_PICKLE_OPCODES} opcodes; one "
                "of arrays needs about a hundred"
            )

    def _load_build(self):
        state = self.stack.pop()
        target = self.stack[-1]
        if not isinstance(target, (PickledArray, _PickledDtype)):
            raise _Refused(f"the pickle sets the state of {describe(target)}")
        target.set_state(state)

    def _load_bytearray8(self):
        # As pickle's own, but read before allocating: self.read refuses a
        # size the file cannot hold, where bytearray(size) would zero it all.
        (size,) = struct.unpack("<Q", self.read(8))
        self.append(bytearray(self.read(size)))


def _counted(load):
    def counted_load(self):
        self._count_opcode()
        load(self)

    return counted_load


def _refuse(opcode_name):
    def refuse(self):
        raise _Refused(
            f"the pickle uses opcode {opcode_name}, which a data pickle of arrays "
            "never needs"
        )

    return refuse


def _array_dispatch():
    """The dispatch table of _ArrayUnpickler: pickle's own for the allowed
    opcodes, counted, and a refusal for every other opcode."""
    overrides = {
        "BUILD": _ArrayUnpickler._load_build,
        "BYTEARRAY8": _ArrayUnpickler._load_bytearray8,
    }
    dispatch = {}
    for opcode in pickletools.opcodes:
        key = opcode.code.encode("latin1")[0]
        if opcode.name not in _PICKLE_OPCODES:
            dispatch[key] = _refuse(opcode.name)
        else:
            dispatch[key] = _counted(
                overrides.get(opcode.name, pickle._Unpickler.dispatch[key])
            )
    return dispatch


_ArrayUnpickler.dispatch = _array_dispatch()


def load_array_pickle(file, file_size, name, hint=""):
    """The object in a data pickle, built by the restricted unpickler.

    Parameters
    ----------
    file : binary file object
        The pickle, positioned at its start and seekable, possibly gzipped
        (recognised from the content).
    file_size : int
        Its size in bytes, which bounds what may be read from it.
    name : str or path-like
        How error messages name it.
    hint : str, default=""
        Appended to the message for a file that is no pickle at all (what the
        caller reads instead).

    Returns
    -------
    obj : object
        Numbers, strings, bytes, tuples and lists, and a
        :class:`PickledArray` for each array.

    Raises
    ------
    ValueError
        Naming ``name``: for anything but arrays of numbers in tuples and
        lists (with what was refused), for data past the end of the pickle,
        and for a pickle that cannot be read.
    """
    with gzip_stream(file) as (stream, compressed):
        reader = BoundedReader(
            stream, *content_limit(file_size, compressed), error=_Refused, kind="pickle"
        )
        try:
            obj = _ArrayUnpickler(reader).load()
            if not reader.at_end():
                raise _Refused("unexpected data after the end of the pickle")
        except _Refused as exc:
            raise ValueError(f"{name}: {exc}.") from None
        except Exception as exc:  # a corrupt pickle can fail in many ways
            raise ValueError(
                f"{name}: not a readable pickle ({type(exc).__name__}: {exc}).{hint}"
            ) from exc
    return obj


def unpickled_array(obj):
    """The array an unpickled object stands for, or None if it is no array.

    Lists of numbers are not arrays here: they can hold the same object many
    times over (through the pickle's memo), which np.asarray would multiply.
    """
    return obj.array if isinstance(obj, PickledArray) else None


def describe(obj):
    """A short description of an unpickled object for error messages."""
    if isinstance(obj, (tuple, list)):
        return f"a {type(obj).__name__} of length {len(obj)}"
    if isinstance(obj, np.ndarray):
        return f"an array of shape {obj.shape}"
    if isinstance(obj, PickledArray):
        if obj.array is None:
            return "an array without data"
        return f"an array of shape {obj.array.shape}"
    if isinstance(obj, _PickledDtype):
        return f"the dtype {obj.dtype.str[1:]!r}"
    if obj is _NDARRAY_CLASS:
        return "the class numpy.ndarray"
    if callable(obj):
        return "a function"
    return f"an object of type {type(obj).__name__}"
