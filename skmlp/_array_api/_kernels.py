"""The engine's numerics in array API calls: the plain twin of the compiled
kernels.

One function per job of the compiled engine's kernels, on arrays of any
namespace: the hidden layers' activations and their derivatives, inverted
dropout, the output layers (softmax with the cross-entropy, a sigmoid per
label with the binary cross-entropy) and their deltas, back-propagation, the
penalties ``l1 * sum|W| + l2 * sum W**2`` and their gradient, every update
rule, and the max-norm projection. Each is the formula of the compiled
kernel's docstring, written as whole-array operations: where the compiled
loops fuse passes and sum in their own order, these give the same values
to rounding (the tests compare the two).

The functions take ``xp``, the namespace (``array_api_compat``'s wrapper
where there is one), and never synchronise with the host: a loss is a 0-d
array, never a Python float. The passes of every minibatch prefer what is
cheap everywhere: ReLU and its derivative by clipping (``where`` with a
scalar is one of PyTorch's slow CPU kernels), the update rules in place on
the optimizer's buffers (no parameter-sized temporary where one can be
avoided).
"""

import math

from sklearn.externals.array_api_compat import device

from .._engine._activations import LEAKY_RELU_SLOPE
from .._engine._types import Activation, OutputLayer, Update

# ---------------------------------------------------------------------------
# Hidden layers


def activation_forward(xp, z, activation):
    """f(z) for an :class:`~skmlp._engine._types.Activation` code."""
    if activation == Activation.IDENTITY:
        return z
    if activation == Activation.LOGISTIC:
        return 1.0 / (1.0 + xp.exp(-z))
    if activation == Activation.TANH:
        return xp.tanh(z)
    if activation == Activation.RELU:
        return xp.clip(z, 0.0, None)
    if activation == Activation.LEAKY_RELU:
        return xp.where(z > 0, z, LEAKY_RELU_SLOPE * z)
    raise ValueError(f"Unknown activation code {activation}.")


def activation_backward(xp, delta, a, activation):
    """delta * f'(z), with f'(z) written in terms of a = f(z)."""
    if activation == Activation.IDENTITY:
        return delta
    if activation == Activation.LOGISTIC:
        return delta * (a * (1.0 - a))
    if activation == Activation.TANH:
        return delta * (1.0 - a * a)
    if activation == Activation.RELU:
        # a >= 0: ceil(clip(a, 0, 1)) is 1 where a > 0, else 0, exactly.
        return delta * xp.ceil(xp.clip(a, 0.0, 1.0))
    if activation == Activation.LEAKY_RELU:
        return xp.where(a > 0, delta, LEAKY_RELU_SLOPE * delta)
    raise ValueError(f"Unknown activation code {activation}.")


def dropout_mask(xp, uniforms, rate):
    """Inverted dropout's mask from draws uniform in [0, 1): 0 (dropped, with
    probability ``rate``) or ``1 / (1 - rate)``, so that the expected
    activation is unchanged and prediction needs no rescaling.

    ``floor(u + 1 - rate)`` is 1 where ``u >= rate``, else 0 (up to the
    rounding of the sum, which moves the rate by less than one part in
    2**24): no boolean array.
    """
    mask = xp.floor(uniforms + (1.0 - rate))
    mask *= 1.0 / (1.0 - rate)
    return mask


def forward(xp, X, weights, biases, activation, masks=None):
    """The forward pass of a minibatch up to the output logits.

    Parameters
    ----------
    xp : namespace
    X : array of shape (n_rows, n_units[0])
    weights, biases : lists of arrays
        ``weights[l]`` of shape ``(n_units[l], n_units[l + 1])``.
    activation : Activation
        The hidden layers'.
    masks : list of (array or None), default=None
        One dropout mask per hidden layer (None: no dropout there).

    Returns
    -------
    units : list of arrays
        ``units[l]`` is ``f(z_l)`` of hidden layer ``l`` (``l >= 1``), before
        dropout (``units[0]`` is X): the activations the derivatives read.
    inputs : list of arrays
        ``inputs[l]`` is what layer ``l``'s weights multiply: X, then each
        hidden layer's units after dropout.
    logits : array of shape (n_rows, n_units[-1])
    """
    units, inputs = [X], [X]
    a = X
    last = len(weights) - 1
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w + b
        if l == last:
            return units, inputs, z
        h = activation_forward(xp, z, activation)
        units.append(h)
        mask = None if masks is None else masks[l]
        a = h if mask is None else h * mask
        inputs.append(a)
    raise ValueError("A network has at least one layer.")


def backward(xp, weights, units, inputs, masks, output_delta, activation):
    """The data gradient of each layer, back-propagated from the output delta.

    Parameters
    ----------
    xp : namespace
    weights : list of arrays
    units, inputs : lists of arrays
        From :func:`forward`.
    masks : list of (array or None) or None
        The forward pass's dropout masks.
    output_delta : array of shape (n_rows, n_units[-1])
        dJ/dz of the logits.
    activation : Activation

    Returns
    -------
    weight_gradients, bias_gradients : lists of arrays
        ``inputs[l].T @ delta_l`` and the column sums of ``delta_l``.
    """
    n_layers = len(weights)
    weight_gradients, bias_gradients = [None] * n_layers, [None] * n_layers
    delta = output_delta
    for l in range(n_layers - 1, -1, -1):
        weight_gradients[l] = inputs[l].T @ delta
        bias_gradients[l] = xp.sum(delta, axis=0)
        if l > 0:
            delta = delta @ weights[l].T
            mask = None if masks is None else masks[l - 1]
            if mask is not None:
                delta = delta * mask
            delta = activation_backward(xp, delta, units[l], activation)
    return weight_gradients, bias_gradients


# ---------------------------------------------------------------------------
# Output layers


def output_loss_delta(xp, output, logits, targets, sample_weight, delta_scale):
    """The weighted sum of the rows' losses, and its gradient times the scale.

    Parameters
    ----------
    xp : namespace
    output : OutputLayer
    logits : array of shape (n_rows, n_outputs)
    targets : array of shape (n_rows, n_outputs), of the logits' dtype
        SOFTMAX: each row's target distribution (one-hot, or smoothed:
        ``(1 - eps) * onehot + eps / n_outputs``; :func:`softmax_targets`).
        SIGMOID: the 0/1 indicators of the labels.
    sample_weight : array of shape (n_rows,)
    delta_scale : float
        1 / (the sum of the weights the loss averages over).

    Returns
    -------
    loss : 0-d array
        ``sum_i s_i * CE(t_i, p_i)`` (the binary cross-entropy summed over the
        labels, for SIGMOID).
    delta : array of shape (n_rows, n_outputs)
        ``(p - t) * s * delta_scale``.
    """
    if output == OutputLayer.SOFTMAX:
        # CE(t, softmax(z)) = log(sum_j exp(z_j - m)) - sum_j t_j (z_j - m),
        # m the row maximum: any finite logits give a finite loss.
        shifted = logits - xp.max(logits, axis=1, keepdims=True)
        exponentials = xp.exp(shifted)
        totals = xp.sum(exponentials, axis=1, keepdims=True)
        row_losses = xp.log(totals[:, 0]) - xp.sum(targets * shifted, axis=1)
        probabilities = exponentials / totals
    elif output == OutputLayer.SIGMOID:
        # BCE(t, sigmoid(z)) = max(z, 0) - t z + log1p(exp(-|z|)), from
        # exp(-|z|) only; max(-z, 0) for the labels that are on.
        decay = xp.exp(-xp.abs(logits))
        linear = xp.where(targets > 0, xp.where(logits < 0, -logits, 0.0), 0.0)
        linear = linear + xp.where(targets > 0, 0.0, xp.where(logits > 0, logits, 0.0))
        row_losses = xp.sum(linear + xp.log1p(decay), axis=1)
        probabilities = xp.where(logits >= 0, 1.0, decay) / (1.0 + decay)
    else:
        raise ValueError(f"Unknown output layer code {output}.")
    loss = xp.sum(sample_weight * row_losses)
    delta = (probabilities - targets) * (sample_weight * delta_scale)[:, None]
    return loss, delta


def softmax_targets(xp, codes, n_classes, label_smoothing, dtype):
    """The target distributions of class codes:
    ``(1 - eps) * onehot + eps / n_classes`` (``eps = 0``: one-hot)."""
    classes = xp.arange(n_classes, dtype=codes.dtype, device=device(codes))
    onehot = xp.astype(codes[:, None] == classes[None, :], dtype)
    if label_smoothing == 0:
        return onehot
    return onehot * (1.0 - label_smoothing) + label_smoothing / n_classes


def uninformed_loss(output, n_outputs):
    """The loss per sample of a model that knows nothing (uniform outputs:
    1 / n_outputs for each class, or 1/2 for each label)."""
    if output == OutputLayer.SOFTMAX:
        return math.log(n_outputs)
    if output == OutputLayer.SIGMOID:
        return n_outputs * math.log(2.0)
    raise ValueError(f"Unknown output layer code {output}.")


def output_probabilities(xp, output, logits, take_log=False):
    """The output layer's (log-)probabilities of logits."""
    if output == OutputLayer.SOFTMAX:
        shifted = logits - xp.max(logits, axis=1, keepdims=True)
        if take_log:
            # Shift first, then subtract the log-normaliser: adding it to a
            # large row maximum would round it away.
            return shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
        exponentials = xp.exp(shifted)
        return exponentials / xp.sum(exponentials, axis=1, keepdims=True)
    if output == OutputLayer.SIGMOID:
        decay = xp.exp(-xp.abs(logits))
        if take_log:
            # z - log1p(exp(z)) below 0 (exact where sigmoid underflows);
            # log of the probability itself from 0 up, as the compiled kernel.
            return xp.where(
                logits < 0, logits - xp.log1p(decay), xp.log(1.0 / (1.0 + decay))
            )
        return xp.where(logits >= 0, 1.0, decay) / (1.0 + decay)
    raise ValueError(f"Unknown output layer code {output}.")


# ---------------------------------------------------------------------------
# Penalties


def penalty(xp, weights, l1, l2):
    """l1 * sum|W| + l2 * sum W**2 over the weight matrices (a 0-d array, or
    the Python float 0.0 when both are 0)."""
    value = 0.0
    for w in weights:
        if l1 != 0:
            value = value + l1 * xp.sum(xp.abs(w))
        if l2 != 0:
            value = value + l2 * xp.sum(w * w)
    return value


def add_penalty_gradient(xp, grad, params, weight_mask, l1, l2):
    """grad + l1 * sign(W) + 2 * l2 * W on the weights of the flat buffer
    (``weight_mask``: 1 on weights, 0 on biases, which are not penalised)."""
    if l1 != 0:
        grad = grad + (l1 * weight_mask) * xp.sign(params)
    if l2 != 0:
        grad = grad + (2.0 * l2 * weight_mask) * params
    return grad


# ---------------------------------------------------------------------------
# Update rules: one step on the flat parameter buffer, in place


def sgd_step(xp, params, grad, state, settings, step_size):
    """w -= lr * g (g is overwritten)"""
    grad *= settings["learning_rate"]
    params -= grad


def momentum_step(xp, params, grad, state, settings, step_size):
    """v = mu * v - lr * g; w += v (g is overwritten)"""
    (velocity,) = state
    grad *= settings["learning_rate"]
    velocity *= settings["momentum"]
    velocity -= grad
    params += velocity


def nesterov_step(xp, params, grad, state, settings, step_size):
    """v = mu * v - lr * g; w += mu * v - lr * g (g is overwritten)"""
    (velocity,) = state
    mu = settings["momentum"]
    grad *= settings["learning_rate"]
    velocity *= mu
    velocity -= grad
    params -= grad
    params += mu * velocity


def adam_step(xp, params, grad, state, settings, step_size):
    """m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g**2;
    w -= step * m / (sqrt(v) + eps), step from :func:`adam_step_size`
    (g is overwritten)."""
    m, v = state
    beta_1, beta_2 = settings["beta_1"], settings["beta_2"]
    squares = (1.0 - beta_2) * grad
    squares *= grad
    v *= beta_2
    v += squares
    grad *= 1.0 - beta_1
    m *= beta_1
    m += grad
    denominator = xp.sqrt(v)
    denominator += settings["epsilon"]
    step = step_size * m
    step /= denominator
    params -= step


def adam_step_size(learning_rate, beta_1, beta_2, n_steps):
    """Adam's bias-corrected step size after ``n_steps`` steps (this one
    counted): ``lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``."""
    return learning_rate * (math.sqrt(1 - beta_2**n_steps) / (1 - beta_1**n_steps))


#: Each update rule's step, by the engine's :class:`Update` code: the
#: compiled rules' formulas (``skmlp/_engine/_update_rules.pyx``).
UPDATE_RULES = {
    Update.SGD: sgd_step,
    Update.MOMENTUM: momentum_step,
    Update.NESTEROV: nesterov_step,
    Update.ADAM: adam_step,
}


# ---------------------------------------------------------------------------
# Max-norm


def max_norm_factors(xp, w, max_norm):
    """The factor of each column of w (a hidden unit's incoming weights) that
    puts it back on the L2 ball of radius ``max_norm``: ``max_norm /
    ||w[:, j]||`` for the columns longer than that, exactly 1 for the others."""
    squares = xp.sum(w * w, axis=0)
    over = squares > max_norm * max_norm
    return xp.where(over, max_norm / xp.sqrt(xp.where(over, squares, 1.0)), 1.0)
