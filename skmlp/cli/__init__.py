"""The ``skmlp`` command line (also ``python -m skmlp``).

``skmlp train`` trains an MLPDigitClassifier on scikit-learn's 8 x 8 digits
or on MNIST-style files, reports its test accuracy and can save the model and
plots; ``skmlp evaluate`` scores a saved model; ``skmlp predict`` classifies
image files. With no command, ``skmlp`` runs ``skmlp train``.

Errors are reported in one line on stderr, ``skmlp: error: ...``, with exit
status 1 (a runtime problem: a missing or unreadable file, bad data, a fit
that diverged) or 2 (a bad command line), and 130 when interrupted; never
with a traceback.

Besides :func:`main`, the data sets of the command line are public for
scripts that want the same images (the gallery does): :func:`load_dataset`,
:func:`load_digits_split`, :class:`Dataset`, and the :class:`CommandError`
they raise.
"""

import os
import sys

from ._data import Dataset, load_dataset, load_digits_split
from ._errors import PROG, CommandError, report_error
from ._evaluate import run_evaluate
from ._parser import build_parser, with_default_command
from ._predict import run_predict
from ._suggest import unrecognized_message
from ._train import run_train

__all__ = ["CommandError", "Dataset", "load_dataset", "load_digits_split", "main"]

_COMMANDS = {"train": run_train, "evaluate": run_evaluate, "predict": run_predict}


def main(argv=None):
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``).

    Parameters
    ----------
    argv : list of str, default=None
        The arguments, without the program name.

    Returns
    -------
    status : int
        0 on success, 1 on an error, 2 on a bad command line, 130 when
        interrupted.

    Examples
    --------
    >>> from skmlp.cli import main
    >>> main(["train", "--epochs", "5", "--quiet"])  # doctest: +SKIP
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parse(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return _COMMANDS[args.command](args)
    except CommandError as exc:
        report_error(str(exc))
        return exc.status
    except MemoryError:
        report_error("out of memory")
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (skmlp ... | head): stop quietly. Python flushes
        # stdout again at exit, so point it at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _parse(argv):
    parser = build_parser()
    args, extra = parser.parse_known_args(with_default_command(argv))
    if extra:
        # Let the command's parser report them: its message points to its help.
        known = args.parser._option_string_actions
        args.parser.error(unrecognized_message(extra, known))
    return args
