"""``skmlp predict``: the label and top-3 probabilities of each image file."""

import math

import numpy as np

from ._errors import CommandError, report_error
from ._images import image_to_features, read_image
from ._model_io import load_model


def run_predict(args):
    """Classify each image; report a bad file and go on with the others."""
    model = load_model(args.model, trust_pickle=args.trust_pickle)
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
            report_error(exc)
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
