"""Fixtures of the array API tests: each namespace they run on, on the CPU."""

import pytest
from array_api_helpers import NAMESPACES, namespace_on_cpu


@pytest.fixture(params=NAMESPACES)
def namespace(request):
    """An array API namespace on the CPU (:class:`Namespace`): array_api_strict
    (NumPy underneath) and PyTorch, each skipped where it is not installed."""
    return namespace_on_cpu(request.param)
