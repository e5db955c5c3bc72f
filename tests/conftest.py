import importlib.util
import os
import signal
from pathlib import Path

# scikit-learn's array API dispatch (tests/array_api and the estimator checks'
# array API checks) needs SciPy's own array API support, which SciPy reads
# when it is first imported: before anything below imports it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest
from build_check import check_build
from sklearn.datasets import load_digits


def pytest_sessionstart(session):
    """Stop at once when the skmlp under test is a source checkout whose
    compiled modules are older than their .pyx/.pxd sources (before anything
    imports them)."""
    spec = importlib.util.find_spec("skmlp")
    if spec is None or spec.origin is None:
        return
    message = check_build(Path(spec.origin).parent)
    if message is not None:
        pytest.exit(message, returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_terminal_summary(terminalreporter):
    """Say, in a section of its own, when the bitwise regression guard did
    not run because no hashes are recorded for this machine's BLAS kernels:
    a skip among thousands of passes would go unseen."""
    from test_bitwise_regression import NO_HASHES

    unchecked = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if NO_HASHES in str(report.longrepr)
    ]
    if not unchecked:
        return
    reason = str(unchecked[0].longrepr[-1]).removeprefix("Skipped: ")
    terminalreporter.section("bitwise regression guard not checked", yellow=True)
    terminalreporter.line(
        f"{len(unchecked)} configurations skipped: {reason}. Record them with "
        "`python tests/test_bitwise_regression.py --record` (see its docstring)."
    )


@pytest.fixture(scope="session", autouse=True)
def _child_interpreters_import_the_tested_skmlp(tmp_path_factory):
    """Run the session from an empty folder, with the tested skmlp first on
    PYTHONPATH.

    Tests start child interpreters (``python -m skmlp``, ``python -c``), which
    put their working directory first on ``sys.path``. From the repository
    root that is the source folder, whose compiled modules exist only in an
    editable build: against an installed skmlp (as CI tests it), the children
    would import uncompiled sources, or another build, instead of the skmlp
    under test.
    """
    import skmlp

    tested = str(Path(skmlp.__file__).resolve().parent.parent)
    previous_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [tested, previous_path]))
    previous_cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    os.chdir(previous_cwd)
    if previous_path is None:
        del os.environ["PYTHONPATH"]
    else:
        os.environ["PYTHONPATH"] = previous_path


@pytest.fixture(scope="session", autouse=True)
def _ctrl_c_reaches_the_tests():
    """Let the Ctrl-C tests send SIGINT even when the session started with
    it ignored.

    A shell without job control starts background jobs (``cmd &``, as CI
    scripts and ``nohup`` do) with SIGINT ignored; Python then leaves it
    ignored, and so do the interpreters the tests start, since an ignored
    signal stays ignored across ``exec``. A handled one is reset to the
    default there, so handling it here reaches them too.
    """
    if not hasattr(signal, "SIGINT"):
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="session")
def digits():
    """load_digits scaled to [0, 1], float64."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="session")
def digits_split(digits):
    """A fixed stratified train/test split of the scaled digits."""
    from sklearn.model_selection import train_test_split

    X, y = digits
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture
def rng():
    return np.random.RandomState(0)
