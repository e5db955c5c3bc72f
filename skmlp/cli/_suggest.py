"""'Did you mean ...?': the option meant by one the command line does not know.

People type options as their other tools spell them: scikit-learn's
parameter names (``--max_iter``, ``--hidden_layer_sizes``), underscores for
hyphens (``--learning_rate``), other libraries' short names (``--lr``). An
unknown option is matched, in this order, against the command's options
written with hyphens, against those habits, then against the options' own
spellings (``--epoch`` is close to ``--epochs``), never silently: the
parsers take no abbreviation.
"""

import difflib

from ._options import OPTION_PARAMETERS

# Other tools' names of skmlp train's options (besides the estimator's
# parameter names, which OPTION_PARAMETERS gives).
HABITS = {
    "lr": "learning-rate",
    "learning-rate-init": "learning-rate",
    "hidden-layers": "hidden",
    "hidden-units": "hidden",
    "layers": "hidden",
    "units": "hidden",
    "n-epochs": "epochs",
    "num-epochs": "epochs",
    "iterations": "epochs",
    "random-seed": "seed",
    "output": "save",
    "model": "save",
}


def suggest_option(unknown, known):
    """The option of ``known`` that ``unknown`` most likely meant, or None.

    Parameters
    ----------
    unknown : str
        An argument the parser did not recognise, such as ``--learning_rate``
        or ``--lr=0.1``.
    known : iterable of str
        The option strings of the command's parser.

    Returns
    -------
    option : str or None
        A long option of ``known``, or None when ``unknown`` is not an
        option (a stray value) or is like none of them.

    Examples
    --------
    >>> known = ["--learning-rate", "--epochs", "--hidden", "-h"]
    >>> suggest_option("--learning_rate", known)
    '--learning-rate'
    >>> suggest_option("--lr=0.1", known)
    '--learning-rate'
    >>> suggest_option("--epoch", known)
    '--epochs'
    >>> suggest_option("0.1", known) is None
    True
    """
    if not unknown.startswith("-"):
        return None
    long_options = sorted(option for option in known if option.startswith("--"))
    name = unknown.split("=", 1)[0].lstrip("-").lower().replace("_", "-")
    if f"--{name}" in long_options:
        return f"--{name}"
    for alias in (HABITS.get(name), _parameter_option(name)):
        if alias is not None and f"--{alias}" in long_options:
            return f"--{alias}"
    close = difflib.get_close_matches(f"--{name}", long_options, n=1, cutoff=0.75)
    return close[0] if close else None


def _parameter_option(name):
    """The option that sets the estimator parameter ``name`` (hyphenated),
    as ``--max-iter`` -> ``epochs``; None if no option does."""
    for option, parameter in OPTION_PARAMETERS.items():
        if parameter.replace("_", "-") == name:
            return option.replace("_", "-")
    return None


def unrecognized_message(extra, known):
    """The usage error for the arguments ``extra`` the parser did not know,
    with a suggestion for each unknown option that resembles a known one."""
    message = f"unrecognized arguments: {' '.join(extra)}"
    suggestions = {}
    for argument in extra:
        option = suggest_option(argument, known)
        if option is not None:
            suggestions[argument.split("=", 1)[0]] = option
    if len(suggestions) == 1:
        message += f"; did you mean {next(iter(suggestions.values()))}?"
    elif suggestions:
        hints = ", ".join(
            f"{option} (for {typed})" for typed, option in suggestions.items()
        )
        message += f"; did you mean {hints}?"
    return message
