"""The engine's enums, for Python: :class:`Activation`, :class:`OutputLayer`,
:class:`Update` and :class:`Status` (declared in ``_types.pxd``)."""
