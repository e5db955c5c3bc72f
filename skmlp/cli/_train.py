"""``skmlp train``: train, report, and save the model and plots if asked."""

import importlib.util
import math
import sys
import time
import warnings

import numpy as np

from .. import __version__
from .._checkpoint_file import read_checkpoint
from .._optimizers import SOLVERS
from ..augmentation import DigitAugmentation
from ._checkpoints import checkpoint_plan, resume_error
from ._data import load_dataset
from ._errors import PROG, CommandError, report_error
from ._model_io import check_save_target, save_model
from ._options import build_classifier
from ._plots import check_plots_target, write_plots
from ._progress import noting_interrupts, progress_bar
from ._report import print_scores


def run_train(args):
    """Train the network the options describe, report, save, plot.

    The outputs are checked before training starts. A fit interrupted with
    Ctrl-C raises KeyboardInterrupt before anything is reported or written
    (checkpoints aside: the last one stays, to resume from); a fit that
    diverges before its first epoch ends is an error, and nothing is written
    either.
    """
    start = time.perf_counter()
    if args.save is not None:
        check_save_target(args.save)
    if args.plots is not None:
        check_plots_target(args.plots)
    _check_minibatch_options(args)
    clf = build_classifier(args)
    checkpoints = checkpoint_plan(args, clf)
    data = load_dataset(args.data)
    if clf.augment is not None:
        clf.set_params(augment=_augment_for(clf.augment, data))
    _print_header(clf, data, checkpoints)
    fit_seconds, notes = _fit(clf, data, args.quiet, checkpoints)
    print(_training_summary(clf, notes))
    print()
    print_scores(clf, data)
    status = 0
    if args.save:
        # An output that cannot be written is one line; the others go on.
        try:
            save_model(clf, args.save)
            print(f"Saved the model to {args.save}")
        except CommandError as exc:
            report_error(exc)
            status = exc.status
    if args.plots:
        status = write_plots(args.plots, clf, data) or status
    print(
        f"Time: {fit_seconds:.2f} s training, {time.perf_counter() - start:.2f} s "
        "in all"
    )
    return status


def _check_minibatch_options(args):
    """--augment and --max-norm change the steps of a minibatch solver: the
    solver's record must read them."""
    solver = SOLVERS[args.solver]
    given = [
        (option, parameter)
        for option, parameter, value in (
            ("--augment", "augment", args.augment),
            ("--max-norm", "max_norm", args.max_norm),
        )
        if value is not None and parameter not in solver.parameters
    ]
    if given:
        options = [option for option, _ in given]
        able = [
            name
            for name, other in SOLVERS.items()
            if all(parameter in other.parameters for _, parameter in given)
        ]
        raise CommandError(
            f"{' and '.join(options)} {'needs' if len(given) == 1 else 'need'} a "
            f"minibatch solver: --solver {' or '.join(able)}",
            status=2,
        )


def _augment_for(settings, data):
    """The --augment settings for the images of ``data``: their shape, unless
    the command line gave one, which must hold the images' pixels."""
    settings = {"image_shape": tuple(data.image_shape), **settings}
    try:
        with warnings.catch_warnings():
            # The fit warns again, as a note; errors are usage errors now.
            warnings.simplefilter("ignore", UserWarning)
            DigitAugmentation.from_param(settings).check_images(data.X_train.shape[1])
    except ValueError as error:
        raise CommandError(f"argument --augment: {error}", status=2) from None
    return settings


def _print_header(clf, data, checkpoints):
    n_classes = len(np.unique(data.y_train))
    units = [data.X_train.shape[1], *clf.hidden_layer_sizes, n_classes]
    kind = (
        f"{clf.activation} network" if clf.hidden_layer_sizes else "softmax regression"
    )
    print(
        f"skmlp {__version__}: training a {'-'.join(map(str, units))} {kind} on "
        f"{data.name}"
    )
    rows, columns = data.image_shape
    print(
        f"Data:     {len(data.X_train)} training and {len(data.X_test)} test images "
        f"of {rows}x{columns} pixels, {n_classes} classes"
    )
    print(f"Training: {_describe_training(clf)}")
    if checkpoints is not None:
        callback = checkpoints.callback
        every = (
            "every epoch" if callback.every == 1 else f"every {callback.every} epochs"
        )
        print(f"Checkpoints: {callback.path}, {every}")
        if checkpoints.resume_from is not None:
            print(
                f"Resuming from the checkpoint of epoch {checkpoints.resumed_epoch} "
                f"(of {clf.max_iter})"
            )


def _describe_training(clf):
    reads = SOLVERS[clf.solver].parameters
    parts = [clf.solver]
    if "learning_rate" in reads:
        parts.append(f"learning rate {clf.learning_rate:g}")
    if "momentum" in reads:
        parts.append(f"momentum {clf.momentum:g}")
    parts.append(f"l2 {clf.l2:g}")
    if clf.l1:
        parts.append(f"l1 {clf.l1:g}")
    parts.append(
        f"batch size {clf.batch_size}" if "batch_size" in reads else "full batch"
    )
    if clf.max_norm is not None:
        parts.append(f"max-norm {clf.max_norm:g}")
    if clf.augment is not None:
        augmentation = DigitAugmentation.from_param(clf.augment)
        parts.append(f"augmented by {' '.join(repr(augmentation).split())}")
    stopping = ", early stopping" if clf.early_stopping else ""
    return f"{', '.join(parts)}, up to {clf.max_iter} epochs{stopping}"


def _fit(clf, data, quiet, checkpoints=None):
    """Train with a progress display; return the seconds and notes to report.

    Warnings become one-line notes: the epoch limit is reported in the summary
    and the others on stderr, as ``skmlp: warning: ...``. A fit that ends with
    no usable model raises a CommandError instead. With ``checkpoints`` (a
    :class:`~skmlp.cli._checkpoints.CheckpointPlan`), the fit writes them,
    and resumes from one if asked; Ctrl-C then says how to go on.
    """
    from sklearn.exceptions import ConvergenceWarning

    callbacks = [] if checkpoints is None else [checkpoints.callback]
    progress_bar = not quiet and _attach_progress_bar(clf, callbacks)
    if callbacks and not progress_bar:
        clf.set_callbacks(*callbacks)
    clf.set_params(verbose=int(not quiet and not progress_bar))
    fit_params = {}
    if checkpoints is not None and checkpoints.resume_from is not None:
        fit_params["resume_from"] = checkpoints.resume_from
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, noting_interrupts():
        warnings.simplefilter("always")
        try:
            clf.fit(data.X_train, data.y_train, **fit_params)
        except MemoryError:
            raise CommandError(
                "out of memory while training: try a smaller network or --batch-size"
            ) from None
        except ValueError as exc:
            if "resume_from" not in fit_params or not str(exc).startswith(
                str(checkpoints.resume_from)
            ):
                raise
            raise resume_error(exc, checkpoints.resume_from) from None
        except KeyboardInterrupt:
            if checkpoints is not None:
                _say_how_to_resume(checkpoints.callback.path)
            raise
    seconds = time.perf_counter() - start
    # A saved model should neither print nor carry the progress bar or the
    # checkpoints.
    clf.set_params(verbose=0)
    if progress_bar or callbacks:
        clf.set_callbacks()
    _check_trained(clf)
    notes = []
    for warning in caught:
        message = str(warning.message)
        if issubclass(warning.category, ConvergenceWarning) and "maximum" in message:
            notes.append("epoch limit")
        else:
            print(f"{PROG}: warning: {message}", file=sys.stderr)
    return seconds, notes


def _check_trained(clf):
    """Refuse a fit that left no usable model: one that diverged before it
    could keep an epoch, or ended with a non-finite loss."""
    loss = getattr(clf, "loss_", math.nan)
    if clf.n_iter_ > 0 and math.isfinite(loss):
        return
    what = (
        "training diverged in its first epoch (the loss or the weights blew up)"
        if clf.n_iter_ == 0
        else f"training ended with a loss of {loss}"
    )
    hint = (
        f"lower --learning-rate (now {clf.learning_rate:g})"
        if "learning_rate" in SOLVERS[clf.solver].parameters
        else "check --l2 and the scale of the data"
    )
    raise CommandError(f"{what}: there is no model to report or save; {hint}")


def _attach_progress_bar(clf, callbacks=()):
    """Give ``clf`` scikit-learn's rich progress bar when it can draw one: one
    that stops where training stopped on Ctrl-C; with ``callbacks``."""
    if not sys.stdout.isatty() or importlib.util.find_spec("rich") is None:
        return False
    try:
        clf.set_callbacks(progress_bar(), *callbacks)
    except ImportError:  # scikit-learn < 1.9
        return False
    return True


def _say_how_to_resume(path):
    """After Ctrl-C: which epoch the checkpoint at ``path`` holds, if any."""
    try:
        epoch = read_checkpoint(path).n_iter
    except (OSError, ValueError):
        print(f"{PROG}: no checkpoint was written to {path}", file=sys.stderr)
        return
    print(
        f"{PROG}: the checkpoint at {path} holds epoch {epoch}: run the same "
        "command with --resume to go on from there",
        file=sys.stderr,
    )


def _training_summary(clf, notes):
    if clf.early_stopping and clf.validation_scores_:
        best = int(np.argmax(clf.validation_scores_)) + 1
        return (
            f"Trained {clf.n_iter_} epochs; kept the weights of epoch {best} "
            f"(validation accuracy {clf.best_validation_score_:.4f})"
        )
    why = " (the --epochs limit)" if "epoch limit" in notes else ""
    return f"Trained {clf.n_iter_} epochs{why}; final training loss {clf.loss_:.4f}"
