"""The argument parser of ``skmlp``: its three commands and their options."""

import argparse
import textwrap
from pathlib import Path

from .. import __version__
from .._images import FORMAT_NAMES
from .._optimizers import SOLVERS, solvers_reading
from ..augmentation import settings_help
from ._errors import PROG
from ._file_trust import ALL_LOADING, MODEL_LOADING
from ._model_io import MODEL_SUFFIXES
from ._options import AugmentAction, choices, int_or_word, parameter_type
from ._plots import PLOT_FILES

EXAMPLES = f"""\
examples:
  skmlp                                   train on load_digits, print the report
  skmlp train --epochs 50 --save digits.skops --plots plots/
  skmlp train --data ~/data/mnist --hidden 500 --epochs 20 --save mnist.skops
  skmlp train --data mnist.pkl.gz --solver adam --learning-rate 0.001
  skmlp train --data ~/data/mnist --hidden 800 --activation relu --augment
  skmlp evaluate mnist.skops --data ~/data/mnist
  skmlp predict mnist.skops my_digit.png another.pgm
  skmlp predict mnist.skops my_digits/

Run 'skmlp COMMAND --help' for the options of a command.

Exit status: 0 success, 1 error (a missing or unreadable file, bad data, \
training diverged), 2 bad command line, 130 interrupted.

Security: {ALL_LOADING}

skmlp never downloads anything: MNIST's four files come from Yann LeCun's \
site or one of its mirrors, downloaded by you.
"""


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
    """An ArgumentParser whose usage errors take one line, not a usage block,
    and which takes no abbreviation of an option: ``--epoch`` is not
    ``--epochs`` (the command line suggests the option instead)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser():
    """The argument parser of the command line, with its three commands.

    Each command's parser is stored as the ``parser`` default of its
    arguments, so that errors found later can point to the right help.
    """
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


def with_default_command(argv):
    """``argv`` with 'train' in front when it names no command: ``skmlp`` and
    ``skmlp --epochs 5`` train, as before there were commands."""
    if not argv:
        return ["train"]
    if argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        return ["train", *argv]
    return argv


def _model_file(text):
    """A model file name with a suffix skmlp can save to and load from."""
    if Path(text).suffix.lower() not in MODEL_SUFFIXES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a .skops nor a .joblib file name"
        )
    return Path(text).expanduser()


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


def _add_plots_argument(parser):
    parser.add_argument(
        "--plots",
        type=Path,
        metavar="DIR",
        help=f"write {', '.join(PLOT_FILES)} to DIR (needs matplotlib)",
    )


def _add_trust_pickle_argument(parser):
    parser.add_argument(
        "--trust-pickle",
        action="store_true",
        help="load a .joblib model, which is a pickle and runs whatever code it "
        "holds: only for a file you made or trust (a .skops model needs no trust)",
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
            "  skmlp train --data ~/data/mnist --hidden 800 --activation relu "
            "--augment --max-norm 3\n"
            "  skmlp train --data ~/data/fashion-mnist --augment rotation=0 "
            "scale=1,1 elastic_alpha=0 shift=2 flip=true\n"
            "  skmlp train --data ~/data/mnist --hidden 800 800 --epochs 100 "
            "--checkpoint mnist.ckpt --checkpoint-every 5\n"
            "  skmlp train --data ~/data/mnist --hidden 800 800 --epochs 100 "
            "--checkpoint mnist.ckpt --checkpoint-every 5 --resume\n"
        ),
        formatter_class=_HelpFormatter,
    )
    data = train.add_argument_group("data")
    _add_data_argument(
        data, "the model trains on its training images and is tested on its test ones"
    )
    _add_network_arguments(train.add_argument_group("network"))
    _add_training_arguments(train.add_argument_group("training"))
    _add_output_arguments(train.add_argument_group("output"))
    _add_checkpoint_arguments(train.add_argument_group("checkpoints"))
    train.set_defaults(parser=train)


def _add_network_arguments(network):
    network.add_argument(
        "--hidden",
        type=parameter_type("hidden_layer_sizes", int),
        nargs="*",
        default=[500],
        metavar="UNITS",
        help="units of each hidden layer; none gives softmax regression (default: 500)",
    )
    network.add_argument(
        "--activation",
        default="tanh",
        choices=choices("activation"),
        help="activation of the hidden units (default: tanh)",
    )


def _solver_descriptions():
    """'minibatch SGD, minibatch Adam or full-batch L-BFGS', from the records."""
    words = [solver.description for solver in SOLVERS.values()]
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _add_training_arguments(training):
    training.add_argument(
        "--solver",
        default="sgd",
        choices=choices("solver"),
        help=f"{_solver_descriptions()} (default: sgd)",
    )
    training.add_argument(
        "--learning-rate",
        type=parameter_type("learning_rate", float),
        default=0.01,
        metavar="RATE",
        help=f"step size of {' and '.join(solvers_reading('learning_rate'))} "
        "(default: 0.01; try 0.001 with adam)",
    )
    training.add_argument(
        "--momentum",
        type=parameter_type("momentum", float),
        default=0.9,
        help=f"Nesterov momentum of {' and '.join(solvers_reading('momentum'))}; 0 "
        "gives the tutorial's plain SGD (default: 0.9)",
    )
    training.add_argument(
        "--l2",
        type=parameter_type("l2", float),
        default=1e-4,
        help="L2 penalty on the weights (default: 1e-4)",
    )
    training.add_argument(
        "--l1",
        type=parameter_type("l1", float),
        default=0.0,
        help="L1 penalty on the weights (default: 0)",
    )
    training.add_argument(
        "--batch-size",
        type=parameter_type("batch_size", int_or_word),
        default=20,
        metavar="N",
        help="samples per minibatch, or 'auto' for min(200, n_samples) (default: 20)",
    )
    training.add_argument(
        "--epochs",
        type=parameter_type("max_iter", int),
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
        "--max-norm",
        type=parameter_type("max_norm", float),
        default=None,
        metavar="R",
        help="after each update, scale every hidden unit's incoming weights "
        "back to length R when longer (Srivastava et al. used 3-4; default: none)",
    )
    training.add_argument(
        "--augment",
        action=AugmentAction,
        nargs="*",
        default=None,
        metavar="KEY=VALUE",
        help="distort the training images anew at every epoch (random "
        "rotation, zoom, shift, elastic distortion, erasing of a rectangle; "
        "test images never); alone it takes the defaults, made for 28x28 "
        "digits, and KEY=VALUE changes one of them: "
        + settings_help().replace("%", "%%")
        + " (default: no distortion)",
    )
    training.add_argument(
        "--seed",
        type=parameter_type("random_state", int),
        default=0,
        help="seed of the initial weights and the shuffling (default: 0)",
    )


def _add_output_arguments(output):
    output.add_argument(
        "--save",
        type=_model_file,
        metavar="MODEL",
        help="save the trained model to MODEL.skops (needs skops) or MODEL.joblib; "
        "written to a temporary file then renamed, so an interrupted or failed "
        "save leaves any previous MODEL as it was",
    )
    _add_plots_argument(output)
    output.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar or per-epoch lines",
    )


def _minibatch_solvers():
    return [name for name, solver in SOLVERS.items() if solver.minibatch]


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _add_checkpoint_arguments(checkpoints):
    checkpoints.add_argument(
        "--checkpoint",
        type=Path,
        metavar="PATH",
        help="write the whole state of the training (weights, optimizer, "
        "progress, early stopping, random streams) to PATH at the end of every "
        "--checkpoint-every epochs, replacing the previous one atomically, so "
        "that a training killed at any moment can go on with --resume; "
        "minibatch solvers (sgd, adam) only",
    )
    checkpoints.add_argument(
        "--checkpoint-every",
        type=_positive_int,
        default=None,
        metavar="N",
        help="epochs between two checkpoints (default: 1)",
    )
    checkpoints.add_argument(
        "--resume",
        action="store_true",
        help="go on from the checkpoint at --checkpoint PATH, with the same data "
        "and options as the training that wrote it: it ends with the same "
        "model, bit for bit, as a training never interrupted",
    )


def _add_evaluate_parser(commands):
    evaluate = commands.add_parser(
        "evaluate",
        help="score a saved model on test images",
        description="Print a saved model's accuracy and per-class report on the "
        "test images of --data.",
        epilog=MODEL_LOADING,
        formatter_class=_HelpFormatter,
    )
    evaluate.add_argument("model", type=Path, metavar="MODEL", help=".skops or .joblib")
    _add_data_argument(evaluate, "the model is tested on its test images")
    _add_plots_argument(evaluate)
    _add_trust_pickle_argument(evaluate)
    evaluate.set_defaults(parser=evaluate)


def _add_predict_parser(commands):
    predict = commands.add_parser(
        "predict",
        help=f"classify digit images ({FORMAT_NAMES})",
        description=(
            "Print the predicted label and the three most probable labels of each "
            "image. Each image is normalised as the model's training digits were "
            "made: for a 784-feature model (MNIST) the ink's bounding box is "
            "scaled to 20 pixels on its longer side and centred by its centre of "
            "mass in 28x28; for a 64-feature model (load_digits) the digit is "
            "scaled into a 32x32 bitmap whose ink is counted in 4x4 blocks. Dark "
            "ink on light paper and light on dark both work, in any colour, with "
            "transparency, on a noisy background. Images are read by Pillow "
            f"({FORMAT_NAMES}), at most 40 megapixels; a folder stands for its "
            "image files, sorted by name. A file that cannot be read or holds no "
            "digit is reported and the others are still classified (exit status 1)."
        ),
        epilog=MODEL_LOADING,
        formatter_class=_HelpFormatter,
    )
    predict.add_argument("model", type=Path, metavar="MODEL", help=".skops or .joblib")
    predict.add_argument(
        "images",
        type=Path,
        nargs="+",
        metavar="IMAGE",
        help="image files, or folders: a folder's image files are classified in "
        "the order of their names",
    )
    predict.add_argument(
        "--show",
        type=Path,
        metavar="DIR",
        help=(
            "write the normalised image the model saw for each IMAGE to "
            "DIR/<name>.png, enlarged to 224x224, and print where"
        ),
    )
    _add_trust_pickle_argument(predict)
    predict.set_defaults(parser=predict)
