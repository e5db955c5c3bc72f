"""The engine's enums, for Python: :class:`Activation` (built from the C
header's list of activations), :class:`OutputLayer`, :class:`Update` and
:class:`Status` (declared in ``_types.pxd``)."""
import enum

# The Python name Activation cannot be assigned directly: _types.pxd declares
# it as the C enum.
globals()["Activation"] = enum.IntEnum(
    "Activation",
    [(activation_name(code).decode().upper(), code) for code in range(N_ACTIVATIONS)],
    module=__name__,
)
