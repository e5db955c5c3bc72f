"""``skmlp evaluate``: score a saved model on the test images of --data."""

import time

from .._image_shape import square_side
from ._data import load_dataset
from ._errors import CommandError
from ._model_io import load_model
from ._plots import check_plots_target, write_plots
from ._report import print_scores


def run_evaluate(args):
    """Load the model, print its scores on the test images, draw the plots."""
    start = time.perf_counter()
    model = load_model(args.model, trust_pickle=args.trust_pickle)
    if args.plots:
        check_plots_target(args.plots)
    data = load_dataset(args.data, train=False)
    _check_n_features(model, data, args.model)
    print(f"Model: {args.model} ({describe_model(model)})")
    rows, columns = data.image_shape
    print(f"Data:  {len(data.X_test)} test images of {data.name}, {rows}x{columns}")
    print()
    try:
        print_scores(model, data)
    except ValueError as exc:  # a model file holding arrays fit never made
        raise CommandError(
            f"{args.model}: the model cannot classify the test images: {exc}"
        ) from None
    status = write_plots(args.plots, model, data) if args.plots else 0
    print(f"Time: {time.perf_counter() - start:.2f} s")
    return status


def describe_model(model):
    """A one-line description: the class, its layers, its epochs."""
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


def _check_n_features(model, data, path):
    n_features = data.X_test.shape[1]
    if model.n_features_in_ != n_features:
        side = square_side(model.n_features_in_)
        shape = f" ({side}x{side} images)" if side is not None else ""
        rows, columns = data.image_shape
        raise CommandError(
            f"{path} takes {model.n_features_in_} pixels{shape}, but {data.name} "
            f"has {n_features} ({rows}x{columns} images){_data_hint(model, data)}"
        )


def _data_hint(model, data):
    """How to name the model's test images when --data gave load_digits (the
    default, which a user of an MNIST model may not know they left)."""
    if data.name != "load_digits":
        return ""
    if model.n_features_in_ == 28 * 28:
        return (
            ": pass its test images with --data, the folder of MNIST's (or "
            "Fashion-MNIST's) four IDX files or an mnist.pkl.gz, as in "
            "'skmlp evaluate MODEL --data ~/data/mnist'"
        )
    return (
        ": pass its test images with --data (a folder of IDX files or an mnist.pkl.gz)"
    )
