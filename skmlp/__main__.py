"""Command line: ``skmlp`` or ``python -m skmlp``.

``skmlp train`` trains an MLPDigitClassifier on scikit-learn's 8 x 8 digits
or on MNIST-style files, reports its test accuracy and can save the model and
plots; ``skmlp evaluate`` scores a saved model; ``skmlp predict`` classifies
image files. With no subcommand, ``skmlp`` runs ``skmlp train``.

Errors are reported in one line on stderr, ``skmlp: error: ...``, with exit
status 1 (a runtime problem: a missing or unreadable file) or 2 (a bad
command line), never with a traceback.
"""

import argparse
import importlib.util
import math
import os
import re
import sys
import textwrap
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__

PROG = "skmlp"

# File names --plots writes, in the order they are written.
PLOT_FILES = (
    "training_curve.png",
    "confusion_matrix.png",
    "misclassified.png",
    "hidden_weights.png",
    "digits.png",
)

MODEL_SUFFIXES = (".skops", ".joblib")

_PLOT_DPI = 100

EXAMPLES = """\
examples:
  skmlp                                   train on load_digits, print the report
  skmlp train --epochs 50 --save digits.skops --plots plots/
  skmlp train --data ~/data/mnist --hidden 500 --epochs 20 --save mnist.skops
  skmlp train --data mnist.pkl.gz --solver adam --learning-rate 0.001
  skmlp evaluate mnist.skops --data ~/data/mnist
  skmlp predict mnist.skops my_digit.png another.pgm

Run 'skmlp COMMAND --help' for the options of a command.

Exit status: 0 success, 1 error (a missing or unreadable file, bad data), \
2 bad command line, 130 interrupted.

Security: .joblib model files (and the mnist.pkl.gz pickle) are pickles, which \
run code when loaded: load only files you trust. skmlp loads a .skops file only \
if all the types it holds come from skmlp.
"""

LOADING_NOTE = (
    "A .joblib model is a pickle: loading it runs code, so load only files you "
    "trust. skmlp loads a .skops file only if all the types it holds come from "
    "skmlp."
)


class CommandError(Exception):
    """A problem to report in one line on stderr; ``status`` is the exit code."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Wraps one-line paragraphs to the terminal; keeps the line breaks of
    the others (the examples)."""

    def _fill_text(self, text, width, indent):
        paragraphs = text.strip("\n").split("\n\n")
        return "\n\n".join(
            textwrap.fill(
                p,
                width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
            )
            if "\n" not in p
            else textwrap.indent(p, indent)
            for p in paragraphs
        )


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors take one line, not a usage block."""

    def error(self, message):
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


# ------------------------------------------------------------ command line


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text):
    value = _float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _non_negative_float(text):
    value = _float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _momentum(text):
    value = _float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return value


def _float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _model_file(text):
    """A model file name with a suffix skmlp can save to and load from."""
    if Path(text).suffix.lower() not in MODEL_SUFFIXES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a .skops nor a .joblib file name"
        )
    return Path(text).expanduser()


def build_parser():
    """The argument parser of the command line, with its three subcommands."""
    parser = _Parser(
        prog=PROG,
        description=(
            "Train, evaluate and use multi-layer perceptrons on handwritten digits "
            "(scikit-learn's 8x8 load_digits, MNIST, Fashion-MNIST). With no "
            "command, skmlp runs 'skmlp train': a 64-500-10 tanh network on "
            "load_digits, in a few seconds."
        ),
        epilog=EXAMPLES,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skmlp {__version__}")
    commands = parser.add_subparsers(
        dest="command", title="commands", metavar="COMMAND"
    )
    _add_train_parser(commands)
    _add_evaluate_parser(commands)
    _add_predict_parser(commands)
    return parser


def _add_data_argument(parser, role):
    parser.add_argument(
        "--data",
        default="digits",
        metavar="PATH|digits",
        help=(
            "'digits' for scikit-learn's load_digits (8x8 images, a fixed "
            "stratified 75/25 train/test split), a folder of MNIST-style IDX "
            "files (MNIST, Fashion-MNIST; gzipped or not) or an mnist.pkl.gz "
            f"pickle; {role} (default: digits)"
        ),
    )


def _add_train_parser(commands):
    train = commands.add_parser(
        "train",
        help="train a network and report its test accuracy (the default command)",
        description=(
            "Train an MLPDigitClassifier and print its accuracy and per-class "
            "report on the test images. The defaults are the Theano MLP tutorial's "
            "network (500 tanh units, SGD with learning rate 0.01, L2 penalty "
            "1e-4, minibatches of 20) with Nesterov momentum 0.9."
        ),
        epilog=(
            "examples:\n"
            "  skmlp train --epochs 50 --early-stopping --plots plots/\n"
            "  skmlp train --data ~/data/fashion-mnist --hidden 500 500 "
            "--save fashion.skops\n"
            "  skmlp train --hidden 100 --activation relu --solver adam "
            "--learning-rate 0.001\n"
        ),
        formatter_class=_HelpFormatter,
    )
    data = train.add_argument_group("data")
    _add_data_argument(
        data, "the model trains on its training images and is tested on its test ones"
    )
    network = train.add_argument_group("network")
    network.add_argument(
        "--hidden",
        type=_positive_int,
        nargs="*",
        default=[500],
        metavar="UNITS",
        help="units of each hidden layer; none gives softmax regression (default: 500)",
    )
    network.add_argument(
        "--activation",
        default="tanh",
        choices=["tanh", "relu", "logistic", "identity"],
        help="activation of the hidden units (default: tanh)",
    )
    training = train.add_argument_group("training")
    training.add_argument(
        "--solver",
        default="sgd",
        choices=["sgd", "adam"],
        help="minibatch SGD or Adam (default: sgd)",
    )
    training.add_argument(
        "--learning-rate",
        type=_positive_float,
        default=0.01,
        metavar="RATE",
        help="step size (default: 0.01; try 0.001 with adam)",
    )
    training.add_argument(
        "--momentum",
        type=_momentum,
        default=0.9,
        help="Nesterov momentum of sgd; 0 gives the tutorial's plain SGD "
        "(default: 0.9)",
    )
    training.add_argument(
        "--l2",
        type=_non_negative_float,
        default=1e-4,
        help="L2 penalty on the weights (default: 1e-4)",
    )
    training.add_argument(
        "--l1",
        type=_non_negative_float,
        default=0.0,
        help="L1 penalty on the weights (default: 0)",
    )
    training.add_argument(
        "--batch-size",
        type=_positive_int,
        default=20,
        metavar="N",
        help="samples per minibatch (default: 20)",
    )
    training.add_argument(
        "--epochs",
        type=_positive_int,
        default=30,
        metavar="N",
        help="maximum number of passes over the training images (default: 30)",
    )
    training.add_argument(
        "--early-stopping",
        action="store_true",
        help="hold out 10%% of the training images, stop when their accuracy "
        "stops improving and keep the best epoch's weights",
    )
    training.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the initial weights and the shuffling (default: 0)",
    )
    output = train.add_argument_group("output")
    output.add_argument(
        "--save",
        type=_model_file,
        metavar="MODEL",
        help="save the trained model to MODEL.skops (needs skops) or MODEL.joblib",
    )
    output.add_argument(
        "--plots",
        type=Path,
        metavar="DIR",
        help=f"write {', '.join(PLOT_FILES)} to DIR (needs matplotlib)",
    )
    output.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar or per-epoch lines",
    )
    train.set_defaults(run=run_train, parser=train)


def _add_evaluate_parser(commands):
    evaluate = commands.add_parser(
        "evaluate",
        help="score a saved model on test images",
        description="Print a saved model's accuracy and per-class report on the "
        "test images of --data.",
        epilog=LOADING_NOTE,
        formatter_class=_HelpFormatter,
    )
    evaluate.add_argument("model", type=Path, metavar="MODEL", help=".skops or .joblib")
    _add_data_argument(evaluate, "the model is tested on its test images")
    evaluate.add_argument(
        "--plots",
        type=Path,
        metavar="DIR",
        help=f"write {', '.join(PLOT_FILES)} to DIR (needs matplotlib)",
    )
    evaluate.set_defaults(run=run_evaluate, parser=evaluate)


def _add_predict_parser(commands):
    predict = commands.add_parser(
        "predict",
        help="classify digit images (PNG, PGM, ...)",
        description=(
            "Print the predicted label and the three most probable labels of each "
            "image. Images are converted to grey, inverted if their background is "
            "light (MNIST digits are light on dark), stretched to [0, 1], padded "
            "to a square and shrunk (or enlarged) to the model's input size by "
            "area averaging. PGM (P2/P5) files are read directly; PNG and other "
            "formats need Pillow (which matplotlib installs)."
        ),
        epilog=LOADING_NOTE,
        formatter_class=_HelpFormatter,
    )
    predict.add_argument("model", type=Path, metavar="MODEL", help=".skops or .joblib")
    predict.add_argument(
        "images", type=Path, nargs="+", metavar="IMAGE", help="image files"
    )
    predict.set_defaults(run=run_predict, parser=predict)


def _with_default_command(argv):
    """``argv`` with 'train' in front when it names no command: ``skmlp`` and
    ``skmlp --epochs 5`` train, as before there were subcommands."""
    if not argv:
        return ["train"]
    if argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        return ["train", *argv]
    return argv


# -------------------------------------------------------------------- data


@dataclass
class Dataset:
    """Training and test images of one data set, flattened, in [0, 1]."""

    name: str
    image_shape: tuple
    X_train: np.ndarray = None
    y_train: np.ndarray = None
    X_test: np.ndarray = None
    y_test: np.ndarray = None


def load_dataset(spec, train=True):
    """The data named by --data: 'digits', an IDX folder or an mnist.pkl.gz.

    Only the test images are loaded when ``train`` is False.
    """
    if spec == "digits":
        return _load_digits()
    from .datasets import load_mnist

    path = Path(spec).expanduser()
    if path.is_file() and "idx" in path.name:
        raise CommandError(
            f"{path} is a single IDX file: pass the folder that holds the four IDX "
            "files of the data set"
        )
    try:
        test = load_mnist(path, subset="test")
        train_set = load_mnist(path, subset="train") if train else None
    except (OSError, ValueError) as exc:
        raise CommandError(_strip_period(str(exc))) from None
    dataset = Dataset(name=str(spec), image_shape=test.images.shape[1:])
    dataset.X_test, dataset.y_test = test.data, test.target
    if train_set is not None:
        dataset.X_train, dataset.y_train = train_set.data, train_set.target
    return dataset


def _load_digits():
    """load_digits scaled to [0, 1] in float32, split 75/25, stratified.

    The split is always the same (random_state=0), so that ``evaluate``
    scores a model on the very images ``train`` held out.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    return Dataset("load_digits", (8, 8), X_train, y_train, X_test, y_test)


def _strip_period(message):
    return message[:-1] if message.endswith(".") else message


# -------------------------------------------------------------------- train


def run_train(args):
    """``skmlp train``: train, report, and save the model and plots if asked."""
    start = time.perf_counter()
    _check_outputs(args.save, args.plots)
    data = load_dataset(args.data)
    clf = _build_classifier(args)
    _print_header(clf, data)
    fit_seconds, notes = _fit(clf, data, args.quiet)
    print(_training_summary(clf, notes))
    print()
    _print_scores(clf, data)
    if args.save:
        _save_model(clf, args.save)
        print(f"Saved the model to {args.save}")
    if args.plots:
        _write_plots(args.plots, clf, data)
    print(
        f"Time: {fit_seconds:.2f} s training, {time.perf_counter() - start:.2f} s "
        "in all"
    )
    return 0


def _check_outputs(save, plots):
    """Fail before training, not after, when the outputs cannot be written."""
    if save is not None:
        if not save.parent.is_dir():
            raise CommandError(
                f"cannot save the model to {save}: folder {save.parent} does not exist"
            )
        if save.suffix.lower() == ".skops":
            _import_skops()
    if plots is not None:
        _import_matplotlib()
        if plots.exists() and not plots.is_dir():
            raise CommandError(f"--plots {plots}: exists and is not a folder")


def _build_classifier(args):
    from . import MLPDigitClassifier

    return MLPDigitClassifier(
        hidden_layer_sizes=tuple(args.hidden),
        activation=args.activation,
        solver=args.solver,
        learning_rate=args.learning_rate,
        momentum=args.momentum,
        l1=args.l1,
        l2=args.l2,
        batch_size=args.batch_size,
        max_iter=args.epochs,
        early_stopping=args.early_stopping,
        random_state=args.seed,
    )


def _print_header(clf, data):
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
    solver = f"{clf.solver}, learning rate {clf.learning_rate:g}"
    if clf.solver == "sgd":
        solver += f", momentum {clf.momentum:g}"
    penalties = f"l2 {clf.l2:g}" + (f", l1 {clf.l1:g}" if clf.l1 else "")
    stopping = ", early stopping" if clf.early_stopping else ""
    print(
        f"Training: {solver}, {penalties}, batch size {clf.batch_size}, up to "
        f"{clf.max_iter} epochs{stopping}"
    )


def _fit(clf, data, quiet):
    """Train with a progress display; return the seconds and notes to report.

    Warnings become one-line notes: the epoch limit is reported in the summary
    and the others on stderr, as ``skmlp: warning: ...``.
    """
    from sklearn.exceptions import ConvergenceWarning

    progress_bar = not quiet and _attach_progress_bar(clf)
    clf.set_params(verbose=int(not quiet and not progress_bar))
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(data.X_train, data.y_train)
    seconds = time.perf_counter() - start
    # A saved model should neither print nor carry the progress bar.
    clf.set_params(verbose=0)
    if progress_bar:
        clf.set_callbacks()
    notes = []
    for warning in caught:
        message = str(warning.message)
        if issubclass(warning.category, ConvergenceWarning) and "maximum" in message:
            notes.append("epoch limit")
        else:
            print(f"{PROG}: warning: {message}", file=sys.stderr)
    return seconds, notes


def _attach_progress_bar(clf):
    """Give ``clf`` scikit-learn's rich progress bar when it can draw one."""
    if not sys.stdout.isatty() or importlib.util.find_spec("rich") is None:
        return False
    try:
        from sklearn.callback import ProgressBar
    except ImportError:  # scikit-learn < 1.9
        return False
    clf.set_callbacks(ProgressBar())
    return True


def _training_summary(clf, notes):
    if clf.early_stopping and clf.validation_scores_:
        best = int(np.argmax(clf.validation_scores_)) + 1
        return (
            f"Trained {clf.n_iter_} epochs; kept the weights of epoch {best} "
            f"(validation accuracy {clf.best_validation_score_:.4f})"
        )
    why = " (the --epochs limit)" if "epoch limit" in notes else ""
    return f"Trained {clf.n_iter_} epochs{why}; final training loss {clf.loss_:.4f}"


def _print_scores(model, data):
    from sklearn.metrics import classification_report

    y_pred = model.predict(data.X_test)
    n_right = int(np.sum(y_pred == data.y_test))
    n_test = len(data.y_test)
    print(
        f"Test accuracy: {n_right / n_test:.4f} ({n_right} of {n_test} test images "
        "right)"
    )
    print()
    print(classification_report(data.y_test, y_pred, digits=3, zero_division=0))


# ---------------------------------------------------------- save and load


def _import_skops():
    try:
        import skops.io
    except ImportError:
        raise CommandError(
            ".skops files need the skops package: pip install skops (or use a "
            ".joblib file)"
        ) from None
    return skops.io


def _save_model(model, path):
    try:
        if path.suffix.lower() == ".skops":
            _import_skops().dump(model, path)
        else:
            import joblib

            joblib.dump(model, path)
    except OSError as exc:
        raise CommandError(f"cannot save the model to {path}: {exc.strerror}") from None


def load_model(path):
    """The fitted classifier saved in ``path`` (.skops or .joblib).

    A .skops file is loaded only if every type it holds comes from skmlp:
    skops refuses unknown types unless trusted, and skmlp trusts only its own.
    A .joblib file is a pickle and is loaded as it is.
    """
    if not path.is_file():
        what = "is not a file" if path.exists() else "not found"
        raise CommandError(f"model file {what}: {path}")
    suffix = path.suffix.lower()
    if suffix == ".skops":
        model = _load_skops(path)
    elif suffix == ".joblib":
        model = _load_joblib(path)
    else:
        raise CommandError(
            f"{path}: unknown model format {suffix or '(no suffix)'}; expected a "
            ".skops or .joblib file",
            status=2,
        )
    if not (hasattr(model, "predict") and hasattr(model, "n_features_in_")):
        raise CommandError(
            f"{path}: holds a {type(model).__name__}, not a fitted classifier"
        )
    return model


def _load_skops(path):
    sio = _import_skops()
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # zipfile, json and skops errors alike
        raise CommandError(f"{path}: not a readable .skops file ({exc})") from None
    refused = [name for name in untrusted if not name.startswith("skmlp.")]
    if refused:
        raise CommandError(
            f"{path}: refusing to load types that do not come from skmlp: "
            f"{', '.join(refused)}. If you trust them, load the file in Python with "
            "skops.io.load(path, trusted=[...])"
        )
    try:
        return sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise CommandError(f"{path}: cannot load the model ({exc})") from None


def _load_joblib(path):
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:  # unpickling fails in any number of ways
        raise CommandError(
            f"{path}: not a readable .joblib file ({type(exc).__name__}: {exc})"
        ) from None


def _describe_model(model):
    network = model[-1] if hasattr(model, "steps") else model
    text = type(network).__name__
    if network is not model:
        text += f" at the end of a {type(model).__name__}"
    if hasattr(network, "coefs_"):
        units = [network.coefs_[0].shape[0], *(c.shape[1] for c in network.coefs_)]
        kind = (
            f"{network.activation} network" if len(units) > 2 else "softmax regression"
        )
        text += f", {'-'.join(map(str, units))} {kind}"
    if isinstance(getattr(network, "n_iter_", None), int):
        text += f", trained {network.n_iter_} epochs"
    return text


# ----------------------------------------------------------------- evaluate


def run_evaluate(args):
    """``skmlp evaluate``: score a saved model on the test images of --data."""
    start = time.perf_counter()
    model = load_model(args.model)
    if args.plots:
        _check_outputs(None, args.plots)
    data = load_dataset(args.data, train=False)
    _check_n_features(model, data, args.model)
    print(f"Model: {args.model} ({_describe_model(model)})")
    rows, columns = data.image_shape
    print(f"Data:  {len(data.X_test)} test images of {data.name}, {rows}x{columns}")
    print()
    _print_scores(model, data)
    if args.plots:
        _write_plots(args.plots, model, data)
    print(f"Time: {time.perf_counter() - start:.2f} s")
    return 0


def _check_n_features(model, data, path):
    n_features = data.X_test.shape[1]
    if model.n_features_in_ != n_features:
        side = math.isqrt(model.n_features_in_)
        shape = (
            f" ({side}x{side} images)" if side * side == model.n_features_in_ else ""
        )
        rows, columns = data.image_shape
        raise CommandError(
            f"{path} takes {model.n_features_in_} pixels{shape}, but {data.name} "
            f"has {n_features} ({rows}x{columns} images)"
        )


# ------------------------------------------------------------------ predict


def run_predict(args):
    """``skmlp predict``: print the label and top-3 probabilities of each image."""
    model = load_model(args.model)
    side = math.isqrt(model.n_features_in_)
    if side * side != model.n_features_in_:
        raise CommandError(
            f"{args.model} takes {model.n_features_in_} features, not the pixels "
            "of a square image"
        )
    status = 0
    for path in args.images:
        # Report a bad file and go on with the others, as cat and ls do.
        try:
            features = image_to_features(read_image(path), side)
        except CommandError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            status = 1
            continue
        print(_prediction_line(model, path, features))
    return status


def _prediction_line(model, path, features):
    X = features.reshape(1, -1).astype(np.float32)
    if not hasattr(model, "predict_proba"):
        return f"{path}: {model.predict(X)[0]}"
    proba = model.predict_proba(X)[0]
    top = np.argsort(proba)[::-1][:3]
    ranked = ", ".join(f"{model.classes_[i]}: {proba[i]:.1%}" for i in top)
    return f"{path}: {model.classes_[top[0]]}  ({ranked})"


_PGM_TOKEN = re.compile(rb"(?:\s|#[^\r\n]*)*([0-9]+)")


def read_image(path):
    """The image in ``path`` as a 2-D float array of grey levels in [0, 1].

    PGM (P2 and P5) is parsed here; other formats go to Pillow (or, without
    it, matplotlib). Transparent pixels count as white.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    if data[:2] in (b"P2", b"P5"):
        return _parse_pgm(data, path)
    return _read_with_pillow(path)


def _parse_pgm(data, path):
    """Grey levels of a plain (P2) or binary (P5) PGM file."""
    fields, position = [], 2
    for _ in range(3):
        match = _PGM_TOKEN.match(data, position)
        if match is None:
            raise CommandError(f"{path}: not a valid PGM file (bad header)")
        fields.append(int(match.group(1)))
        position = match.end()
    width, height, max_value = fields
    if width < 1 or height < 1 or not 1 <= max_value <= 65535:
        raise CommandError(
            f"{path}: not a valid PGM file ({width}x{height}, maximum {max_value})"
        )
    n_pixels = width * height
    if data[:2] == b"P5":
        dtype = np.dtype("u1") if max_value < 256 else np.dtype(">u2")
        position += 1  # the single whitespace character after the maximum
        if len(data) - position < n_pixels * dtype.itemsize:
            raise CommandError(f"{path}: truncated PGM file")
        pixels = np.frombuffer(data, dtype=dtype, count=n_pixels, offset=position)
    else:
        values = re.sub(rb"#[^\r\n]*", b"", data[position:]).split()
        if len(values) < n_pixels:
            raise CommandError(f"{path}: truncated PGM file")
        try:
            pixels = np.array(values[:n_pixels], dtype=np.int64)
        except ValueError:
            raise CommandError(f"{path}: not a valid PGM file") from None
    return np.clip(pixels.reshape(height, width) / max_value, 0.0, 1.0)


def _read_with_pillow(path):
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        return _read_with_matplotlib(path)
    try:
        with Image.open(path) as image:
            return _pillow_grey(image)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise CommandError(
            f"{path}: not an image skmlp can read (PNG, PGM or another format "
            "Pillow reads)"
        ) from None


def _pillow_grey(image):
    """Grey levels in [0, 1] of a Pillow image, transparency over white."""
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        pixels = np.asarray(image, dtype=float)
        return pixels / (65535.0 if image.mode != "F" else max(pixels.max(), 1.0))
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        from PIL import Image

        white = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(white, image.convert("RGBA"))
    return np.asarray(image.convert("L"), dtype=float) / 255.0


def _read_with_matplotlib(path):
    try:
        import matplotlib.image
    except ImportError:
        raise CommandError(
            f"{path}: reading PNG images needs Pillow (pip install pillow); PGM "
            "files need nothing"
        ) from None
    try:
        pixels = np.asarray(matplotlib.image.imread(path), dtype=float)
    except Exception:
        raise CommandError(f"{path}: not an image skmlp can read") from None
    if pixels.max() > 1.0:  # 8-bit formats come as 0..255
        pixels = pixels / 255.0
    if pixels.ndim == 3 and pixels.shape[2] == 4:  # transparency over white
        alpha = pixels[..., 3:]
        pixels = pixels[..., :3] * alpha + (1.0 - alpha)
    if pixels.ndim == 3:  # ITU-R 601 luma, as Pillow's convert("L")
        pixels = pixels[..., :3] @ np.array([0.299, 0.587, 0.114])
    return pixels


def image_to_features(grey, side):
    """A grey image as a model input: light digit on dark, [0, 1], side x side.

    The background is the median of the border pixels: a light one is
    inverted, since the digits MNIST and load_digits hold are light on dark.
    Grey levels are then stretched from the background to the darkest ink
    (so that a photo's grey paper becomes 0), the image is padded to a square
    (keeping the digit's proportions) and resized by area averaging.
    """
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = float(np.median(border))
    if background > 0.5:
        grey, background = 1.0 - grey, 1.0 - background
    ink = float(grey.max())
    if ink - background < 1e-3:
        raise CommandError("the image is blank: no digit to classify")
    grey = np.clip((grey - background) / (ink - background), 0.0, 1.0)
    return area_resize(_pad_to_square(grey), side, side).ravel()


def _pad_to_square(image):
    rows, columns = image.shape
    size = max(rows, columns)
    top, left = (size - rows) // 2, (size - columns) // 2
    square = np.zeros((size, size))
    square[top : top + rows, left : left + columns] = image
    return square


def area_resize(image, rows, columns):
    """``image`` resized to rows x columns, each new pixel the mean of the area
    of the old ones it covers (exact for any ratio, up or down)."""
    return (
        _area_weights(image.shape[0], rows)
        @ image
        @ _area_weights(image.shape[1], columns).T
    )


def _area_weights(n_in, n_out):
    """(n_out, n_in) matrix: the share of each old pixel in each new one."""
    new_edges = np.linspace(0.0, n_in, n_out + 1)
    old_edges = np.arange(n_in + 1.0)
    overlap = np.minimum(new_edges[1:, None], old_edges[None, 1:]) - np.maximum(
        new_edges[:-1, None], old_edges[None, :-1]
    )
    overlap = np.clip(overlap, 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


# -------------------------------------------------------------------- plots


def _import_matplotlib():
    if importlib.util.find_spec("matplotlib") is None:
        raise CommandError(
            '--plots needs matplotlib: pip install "skmlp[plot]" (or pip install '
            "matplotlib)"
        )


def _write_plots(folder, model, data):
    """Write the PNGs of PLOT_FILES into ``folder`` and say so."""
    import matplotlib

    # Files only: no window. Leave the backend alone if pyplot is already in
    # use, as when main() runs inside a notebook.
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import (
        ConfusionMatrixDisplay,
        DigitsGridDisplay,
        HiddenWeightsDisplay,
        MisclassifiedDigitsDisplay,
        TrainingCurveDisplay,
    )

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create {folder}: {exc.strerror}") from None
    shape = data.image_shape
    network = model[-1] if hasattr(model, "steps") else model
    X_sample, y_sample, sample_name = data.X_train, data.y_train, "Training"
    if X_sample is None:
        X_sample, y_sample, sample_name = data.X_test, data.y_test, "Test"
    figures = {
        "training_curve.png": lambda: TrainingCurveDisplay.from_estimator(model),
        "confusion_matrix.png": lambda: _confusion_matrix(
            ConfusionMatrixDisplay, model, data
        ),
        "misclassified.png": lambda: MisclassifiedDigitsDisplay.from_estimator(
            model, data.X_test, data.y_test, image_shape=shape
        ),
        "hidden_weights.png": lambda: HiddenWeightsDisplay.from_estimator(
            network, n_units=100, image_shape=shape
        ),
        "digits.png": lambda: DigitsGridDisplay.from_data(
            X_sample,
            y_sample,
            image_shape=shape,
            n_images=50,
            title=f"{sample_name} images of {data.name}",
        ),
    }
    written = []
    for name in PLOT_FILES:
        # A model from elsewhere (evaluate) may have no curve or no weights.
        if name == "training_curve.png" and not getattr(network, "loss_curve_", None):
            continue
        if name == "hidden_weights.png" and not hasattr(network, "coefs_"):
            continue
        display = figures[name]()
        path = folder / name
        try:
            display.figure_.savefig(path, dpi=_PLOT_DPI, bbox_inches="tight")
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}") from None
        finally:
            plt.close(display.figure_)
        written.append(name)
    print(f"Wrote {len(written)} plots to {folder}: {', '.join(written)}")


def _confusion_matrix(display_class, model, data):
    display = display_class.from_estimator(
        model, data.X_test, data.y_test, cmap="Blues", colorbar=False
    )
    accuracy = float(np.mean(model.predict(data.X_test) == data.y_test))
    display.ax_.set_title(f"Confusion matrix on {data.name} (accuracy {accuracy:.4f})")
    return display


# --------------------------------------------------------------------- main


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
    >>> from skmlp.__main__ import main
    >>> main(["train", "--epochs", "5", "--quiet"])  # doctest: +SKIP
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(_with_default_command(argv))
        if extra:
            # Let the command's parser report them: its message points to its help.
            args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.run(args)
    except CommandError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.status
    except MemoryError:
        print(f"{PROG}: error: out of memory: try a smaller network", file=sys.stderr)
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


if __name__ == "__main__":
    sys.exit(main())
