"""A small random classification problem and network, for the engine's tests."""

import numpy as np

from skmlp._network import ParameterLayout, initialize


def random_problem(
    hidden, activation, *, n_features, n_classes, n_samples, dtype=np.float64, seed=0
):
    """X, y (int32 codes), sample weights, the layout and Glorot-initialised
    parameters of a network with these hidden layers; the biases are drawn
    non-zero, so that their gradients are exercised too."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features)).astype(dtype)
    y = rng.randint(n_classes, size=n_samples).astype(np.intc)
    sample_weight = rng.uniform(0.5, 2.0, size=n_samples).astype(dtype)
    layout = ParameterLayout([n_features, *hidden, n_classes])
    params = initialize(
        layout,
        init="glorot_uniform",
        init_scale=None,
        output_init="same",
        activation=activation,
        random_state=rng,
        dtype=dtype,
    )
    params[~layout.weight_mask()] = rng.normal(
        scale=0.5, size=(~layout.weight_mask()).sum()
    )
    return X, y, sample_weight, layout, params
