"""Command-line values checked against MLPDigitClassifier's own constraints.

Each ``skmlp train`` option that sets a parameter of the estimator takes its
choices and its valid range from ``MLPDigitClassifier._parameter_constraints``.
A value the estimator would refuse is refused while the command line is
parsed, as a usage error naming the option (exit status 2), never as a
traceback from ``fit``; and the choices cannot fall behind the estimator's.
"""

import argparse
import math
import numbers

from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    make_constraint,
    validate_parameter_constraints,
)

from .._classifier import MLPDigitClassifier
from ..augmentation import DigitAugmentation

# The estimator parameter each option of ``skmlp train`` sets (argparse's
# destination names).
OPTION_PARAMETERS = {
    "hidden": "hidden_layer_sizes",
    "activation": "activation",
    "solver": "solver",
    "learning_rate": "learning_rate",
    "momentum": "momentum",
    "l2": "l2",
    "l1": "l1",
    "batch_size": "batch_size",
    "epochs": "max_iter",
    "early_stopping": "early_stopping",
    "seed": "random_state",
    "max_norm": "max_norm",
    "augment": "augment",
}


def _constraints(parameter):
    return MLPDigitClassifier._parameter_constraints[parameter]


def choices(parameter):
    """The string values the estimator accepts for ``parameter``, sorted."""
    options = set()
    for constraint in map(make_constraint, _constraints(parameter)):
        if isinstance(constraint, StrOptions):
            options |= constraint.options - constraint.deprecated
    return sorted(options)


def describe(parameter):
    """The values of ``parameter`` a command line can give, in words.

    Only the constraints that a word or a number can meet are named: the
    estimator also takes arrays and RandomState instances, which a command
    line cannot pass.
    """
    texts = [_describe_constraint(c) for c in _text_constraints(parameter)]
    if len(texts) == 1:
        return texts[0]
    return f"{', '.join(texts[:-1])} or {texts[-1]}"


def _text_constraints(parameter):
    for constraint in map(make_constraint, _constraints(parameter)):
        # A compound constraint (random_state's) lists its parts.
        for part in getattr(constraint, "_constraints", [constraint]):
            if isinstance(part, (Interval, StrOptions)) and not part.hidden:
                yield part


def _describe_constraint(constraint):
    if isinstance(constraint, StrOptions):
        return " or ".join(repr(option) for option in sorted(constraint.options))
    return str(constraint)


def parameter_type(parameter, convert):
    """An argparse ``type`` that reads a value of ``parameter`` from its text.

    Parameters
    ----------
    parameter : str
        A parameter of MLPDigitClassifier.
    convert : callable
        Turns the text into a Python value (``int``, ``float``, ...); raises
        ValueError when it cannot.

    Returns
    -------
    parse : callable
        Takes the text and returns the value if the estimator's constraints
        accept it, else raises ``argparse.ArgumentTypeError``: argparse then
        reports a usage error naming the option.
    """

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if value is None or not _satisfies_constraints(parameter, value):
            raise argparse.ArgumentTypeError(
                f"expected {describe(parameter)}, got {text!r}"
            )
        return value

    parse.__name__ = parameter  # argparse names the type in some messages
    return parse


def _satisfies_constraints(parameter, value):
    try:
        validate_parameter_constraints(
            {parameter: _constraints(parameter)},
            {parameter: value},
            caller_name=MLPDigitClassifier.__name__,
        )
    except InvalidParameterError:
        return False
    return True


def int_or_word(text):
    """``text`` as an int if it is one, else the word itself (``'auto'``)."""
    try:
        return int(text)
    except ValueError:
        return text


class AugmentAction(argparse.Action):
    """``--augment [KEY=VALUE ...]``: the settings of a DigitAugmentation.

    ``--augment`` alone takes the defaults; each ``KEY=VALUE`` changes one
    setting (``rotation=8``, ``flip=true``, ``scale=0.9,1.1``). The settings
    are checked by DigitAugmentation itself, and refused as a usage error
    naming the option. Stores a dict, which the estimator's ``augment``
    takes as it is.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        settings = {}
        for item in values:
            key, equals, text = item.partition("=")
            if not equals or not key:
                raise argparse.ArgumentError(
                    self, f"expected KEY=VALUE settings, got {item!r}"
                )
            settings[key] = _setting_value(text)
        try:
            DigitAugmentation.from_param(settings, "augment")
        except (TypeError, ValueError) as error:
            message = str(error).removeprefix("The 'augment' parameter: ")
            raise argparse.ArgumentError(self, message) from None
        setattr(namespace, self.dest, settings)


def _setting_value(text):
    """A setting's value from its text: a bool (true, false), a pair (two
    numbers with a comma between), an int, a float, or else the text itself
    (which DigitAugmentation then refuses, naming the setting)."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if "," in text:
        return tuple(_setting_value(part) for part in text.split(","))
    for convert in (int, float):
        try:
            value = convert(text)
        except ValueError:
            continue
        if isinstance(value, numbers.Real):
            return value
    return text


def build_classifier(args):
    """The MLPDigitClassifier that the options of ``skmlp train`` describe."""
    params = {
        parameter: getattr(args, option)
        for option, parameter in OPTION_PARAMETERS.items()
    }
    params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    return MLPDigitClassifier(**params)
