"""Learning-rate schedules, evaluated between epochs.

Each returns the step size for the coming epoch from the base
``learning_rate`` and the progress so far; ``'adaptive'`` is driven by the
stopping rule instead (see ``MLPDigitClassifier``).
"""

import math

SCHEDULES = ("constant", "invscaling", "adaptive", "inverse_time", "cosine")


def scheduled_learning_rate(
    schedule, learning_rate, *, epoch, max_epochs, samples_seen, power_t, decay
):
    """Step size of the next epoch.

    Parameters
    ----------
    schedule : str
        One of :data:`SCHEDULES`.
    learning_rate : float
        The base step size (``MLPDigitClassifier.learning_rate``).
    epoch : int
        Epochs completed in the current fit.
    max_epochs : int
        Epochs the current fit may run (``max_iter``).
    samples_seen : int
        Training samples seen over the model's life (``t_``).
    power_t : float
        Exponent of ``'invscaling'``.
    decay : float
        Decay rate of ``'inverse_time'``.

    Returns
    -------
    float
        ``'constant'`` and ``'adaptive'``: ``learning_rate``;
        ``'invscaling'``: ``learning_rate / (samples_seen + 1) ** power_t`` (as
        MLPClassifier); ``'inverse_time'``: ``learning_rate / (1 + decay *
        epoch)`` (the Theano tutorials' decay); ``'cosine'``: ``learning_rate *
        (1 + cos(pi * epoch / max_epochs)) / 2``.
    """
    if schedule == "invscaling":
        return learning_rate / (samples_seen + 1) ** power_t
    if schedule == "inverse_time":
        return learning_rate / (1.0 + decay * epoch)
    if schedule == "cosine":
        return learning_rate * 0.5 * (1.0 + math.cos(math.pi * epoch / max_epochs))
    return learning_rate
