"""Output layers: the loss the engine minimises, its output deltas, and the
probabilities of prediction.

``output_loss_delta``, ``output_probabilities``, ``uninformed_loss``,
``output_reads_indicators`` and ``output_smooths_labels`` pick the output
layer's kernels (and say what it trains on) with one C switch each. Two output layers:

- ``SOFTMAX``: softmax with cross-entropy over exclusive classes (targets are
  class codes, optionally smoothed: ``(1 - eps) * onehot + eps / K``). Each
  kernel subtracts the row maximum before exponentiating.
- ``SIGMOID``: one sigmoid per label with the binary cross-entropy summed over
  the labels (targets are a 0/1 indicator matrix, multilabel). Each kernel
  exponentiates ``-|z|`` only, the ``log1p(exp(-|z|))`` form.

Either way, one pass per row, and any finite logits give finite results.
"""
from cython cimport floating
from libc.math cimport NAN, log

from ._math cimport _abs, _exp, _log, _log1p
from ._types cimport SIGMOID, SOFTMAX, OutputLayer


cdef extern from "_vector_passes.h" nogil:
    # exp of each value, in place, in a loop that vectorises (see the header):
    # the softmax's exponentials.
    void skmlp_exp_f(float *x, Py_ssize_t n)
    void skmlp_exp_d(double *x, Py_ssize_t n)


cdef inline void _exp_inplace(floating *x, Py_ssize_t n) noexcept nogil:
    """x := exp(x), in one vectorised loop (fdlibm's exp, below one ulp)."""
    if floating is float:
        skmlp_exp_f(x, n)
    else:
        skmlp_exp_d(x, n)


# The softmax takes the exponentials of this many rows in one call: one row's
# ten classes are too few for the vector loop to pay for its call (it was a
# quarter of the non-GEMM time of a 64-100-10 step at batch 32).
cdef enum:
    _EXP_BLOCK_ROWS = 64


cdef inline floating _row_max(const floating *row, Py_ssize_t n) noexcept nogil:
    """The largest of row[0], ..., row[n - 1] (n >= 1)."""
    cdef Py_ssize_t j
    cdef floating row_max = row[0]
    for j in range(1, n):
        if row[j] > row_max:
            row_max = row[j]
    return row_max


# ---------------------------------------------------------------------------
# Dispatch on the output layer

cdef double output_loss_delta(
    OutputLayer output,                 # IN
    floating *z,                        # IN/OUT (n_rows, n_outputs): logits in, dJ/dz out
    const int *y,                       # IN     (n_rows,) class codes (SOFTMAX)
    const unsigned char *indicators,    # IN     (n_rows, n_outputs) 0/1 targets (SIGMOID)
    const floating *sample_weight,      # IN     (n_rows,)
    Py_ssize_t n_rows,                  # IN
    Py_ssize_t n_outputs,               # IN
    double delta_scale,                 # IN     1 / (sum of the weights the loss averages over)
    double label_smoothing,             # IN     eps of the SOFTMAX targets, in [0, 1)
) noexcept nogil:
    """Return the weighted sum of the rows' losses; z := their gradient * scale.

    Each output layer reads its own kind of target; the other pointer is unused
    (and may be NULL). ``label_smoothing`` is read by SOFTMAX only (the engine
    refuses it for SIGMOID). NaN for an unknown output layer, which the engine
    reports as divergence.
    """
    if output == SOFTMAX:
        return softmax_cross_entropy_delta(z, y, sample_weight, n_rows, n_outputs,
                                           delta_scale, label_smoothing)
    if output == SIGMOID:
        return sigmoid_binary_cross_entropy_delta(z, indicators, sample_weight,
                                                  n_rows, n_outputs, delta_scale)
    return NAN


cdef void output_probabilities(
    OutputLayer output,         # IN
    floating *z,                # IN/OUT (n_rows, n_outputs): logits in, probabilities out
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_outputs,       # IN
    bint take_log,              # IN     log-probabilities instead
) noexcept nogil:
    """The output layer's (log-)probabilities, row by row, in place."""
    if output == SOFTMAX:
        if take_log:
            log_softmax(z, n_rows, n_outputs)
        else:
            softmax(z, n_rows, n_outputs)
    elif output == SIGMOID:
        if take_log:
            log_sigmoid(z, n_rows * n_outputs)
        else:
            sigmoid(z, n_rows * n_outputs)


cdef double uninformed_loss(OutputLayer output, Py_ssize_t n_outputs) noexcept nogil:
    """The loss per sample of a model that knows nothing (uniform outputs:
    1 / n_outputs for each class, or 1/2 for each label)."""
    if output == SOFTMAX:
        return log(<double> n_outputs)
    if output == SIGMOID:
        return n_outputs * log(2.0)
    return NAN


cdef bint output_reads_indicators(OutputLayer output) noexcept nogil:
    """Whether the output layer trains on a 0/1 indicator matrix (one output
    per label) rather than on class codes (one output per class)."""
    return output == SIGMOID


cdef bint output_smooths_labels(OutputLayer output) noexcept nogil:
    """Whether the output layer's loss reads label_smoothing."""
    return output == SOFTMAX


# ---------------------------------------------------------------------------
# Softmax and cross-entropy over exclusive classes

cdef double softmax_cross_entropy_delta(
    floating *z,                    # IN/OUT (n_rows, n_classes): logits in, dJ/dz out
    const int *y,                   # IN     (n_rows,) class codes
    const floating *sample_weight,  # IN     (n_rows,)
    Py_ssize_t n_rows,              # IN
    Py_ssize_t n_classes,           # IN
    double delta_scale,             # IN     1 / (sum of the weights the loss averages over)
    double label_smoothing,         # IN     eps in [0, 1): targets (1 - eps) onehot + eps / K
) noexcept nogil:
    """Return sum_i s_i * CE(t_i, softmax(z_i)); z := (softmax(z) - t) * s * scale.

    t_i = (1 - eps) * onehot(y_i) + eps / n_classes (Szegedy et al.'s label
    smoothing); eps = 0 is the plain cross-entropy, bit for bit. With
    a = log(sum_j exp(z_ij - max z_i)), CE(t_i, softmax(z_i)) = a - sum_j t_ij
    (z_ij - max z_i). The row maximum is subtracted before exponentiating, so
    any finite logits give a finite loss and a finite gradient.
    """
    cdef Py_ssize_t i, j, start = 0, stop
    cdef floating *row
    cdef floating row_max, true_logit, total, inverse_total, weight
    cdef double shifted_sum, target_logit, loss = 0
    cdef double off_target = label_smoothing / n_classes
    cdef double on_target = 1 - label_smoothing
    # Each row's target term, taken before its logits become exponentials.
    cdef double target_logits[_EXP_BLOCK_ROWS]
    while start < n_rows:
        stop = min(start + _EXP_BLOCK_ROWS, n_rows)
        for i in range(start, stop):
            row = z + i * n_classes
            row_max = _row_max(row, n_classes)
            true_logit = row[y[i]] - row_max
            target_logit = true_logit
            if label_smoothing > 0:
                # sum_j t_ij (z_ij - max): before z is overwritten by exponentials.
                shifted_sum = 0
                for j in range(n_classes):
                    shifted_sum += <double> (row[j] - row_max)
                target_logit = on_target * true_logit + off_target * shifted_sum
            target_logits[i - start] = target_logit
            for j in range(n_classes):
                row[j] = row[j] - row_max
        _exp_inplace(z + start * n_classes, (stop - start) * n_classes)
        for i in range(start, stop):
            row = z + i * n_classes
            total = 0
            for j in range(n_classes):
                total += row[j]
            loss += sample_weight[i] * (<double> _log(total) - target_logits[i - start])
            weight = sample_weight[i] * delta_scale
            inverse_total = weight / total
            for j in range(n_classes):
                row[j] *= inverse_total
            if label_smoothing > 0:
                for j in range(n_classes):
                    row[j] -= <floating> (off_target * weight)
                row[y[i]] -= <floating> (on_target * weight)
            else:
                row[y[i]] -= weight
        start = stop
    return loss


cdef void softmax(
    floating *z,                # IN/OUT (n_rows, n_classes): logits in, probabilities out
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_classes,       # IN
) noexcept nogil:
    """z_i := exp(z_i - max z_i) / sum_j exp(z_ij - max z_i)"""
    cdef Py_ssize_t i, j
    cdef floating *row
    cdef floating row_max, total
    for i in range(n_rows):
        row = z + i * n_classes
        row_max = _row_max(row, n_classes)
        for j in range(n_classes):
            row[j] = row[j] - row_max
    _exp_inplace(z, n_rows * n_classes)
    for i in range(n_rows):
        row = z + i * n_classes
        total = 0
        for j in range(n_classes):
            total += row[j]
        total = 1 / total
        for j in range(n_classes):
            row[j] *= total


cdef void log_softmax(
    floating *z,                # IN/OUT (n_rows, n_classes): logits in, log-probabilities out
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_classes,       # IN
) noexcept nogil:
    """z_i := z_i - max z_i - log(sum_j exp(z_ij - max z_i))"""
    cdef Py_ssize_t i, j
    cdef floating *row
    cdef floating row_max, total
    for i in range(n_rows):
        row = z + i * n_classes
        row_max = _row_max(row, n_classes)
        total = 0
        for j in range(n_classes):
            total += _exp(row[j] - row_max)
        # Shift first, then subtract the log-normaliser: adding log(total) to a
        # large row_max would round it away.
        total = _log(total)
        for j in range(n_classes):
            row[j] = (row[j] - row_max) - total


# ---------------------------------------------------------------------------
# A sigmoid per label and the binary cross-entropy summed over the labels

cdef double sigmoid_binary_cross_entropy_delta(
    floating *z,                        # IN/OUT (n_rows, n_labels): logits in, dJ/dz out
    const unsigned char *indicators,    # IN     (n_rows, n_labels) 0/1 targets
    const floating *sample_weight,      # IN     (n_rows,)
    Py_ssize_t n_rows,                  # IN
    Py_ssize_t n_labels,                # IN
    double delta_scale,                 # IN     1 / (sum of the weights the loss averages over)
) noexcept nogil:
    """Return sum_i s_i * sum_j BCE(t_ij, sigmoid(z_ij)); z := (sigmoid(z) - t) * s * scale.

    BCE(t, sigmoid(z)) = max(z, 0) - t * z + log1p(exp(-|z|)): exp of -|z| only,
    so any finite logit (1e30 in float32 too) gives a finite loss and delta.
    """
    cdef Py_ssize_t i, j
    cdef floating *row
    cdef const unsigned char *targets
    cdef floating logit, decay, weight, linear_part
    cdef double row_loss, loss = 0
    for i in range(n_rows):
        row = z + i * n_labels
        targets = indicators + i * n_labels
        weight = sample_weight[i] * delta_scale
        row_loss = 0
        for j in range(n_labels):
            logit = row[j]
            decay = _exp(-_abs(logit))
            # max(z, 0) - t * z without cancellation: max(-z, 0) when t = 1.
            if targets[j]:
                linear_part = -logit if logit < 0 else 0
            else:
                linear_part = logit if logit > 0 else 0
            row_loss += <double> linear_part + <double> _log1p(decay)
            # sigmoid(z) = 1 / (1 + e) for z >= 0, e / (1 + e) below, e = exp(-|z|).
            row[j] = ((1 if logit >= 0 else decay) / (1 + decay) - targets[j]) * weight
        loss += sample_weight[i] * row_loss
    return loss


cdef void sigmoid(
    floating *z,                # IN/OUT (n_values,): logits in, probabilities out
    Py_ssize_t n_values,        # IN
) noexcept nogil:
    """z := 1 / (1 + exp(-z)), from exp(-|z|)"""
    cdef Py_ssize_t i
    cdef floating decay
    for i in range(n_values):
        decay = _exp(-_abs(z[i]))
        z[i] = (1 if z[i] >= 0 else decay) / (1 + decay)


cdef void log_sigmoid(
    floating *z,                # IN/OUT (n_values,): logits in, log-probabilities out
    Py_ssize_t n_values,        # IN
) noexcept nogil:
    """z := log(sigmoid(z)): z - log1p(exp(z)) for z < 0, log(1 / (1 + exp(-z))) else.

    Below 0, exact where sigmoid(z) itself would underflow (log sigmoid(-1e30)
    is -1e30, not log(0)); from 0 up, the logarithm of the very probability
    ``sigmoid`` gives, so that log_proba == log(proba) as for MLPClassifier
    (-log1p(exp(-z)) would keep digits that the probability, rounded to 1,
    has lost).
    """
    cdef Py_ssize_t i
    cdef floating decay
    for i in range(n_values):
        decay = _exp(-_abs(z[i]))
        if z[i] < 0:
            z[i] = z[i] - _log1p(decay)
        else:
            z[i] = _log(1 / (1 + decay))


# ---------------------------------------------------------------------------
# Python entry points for the tests (one per kernel, compared with NumPy)

def _softmax_cross_entropy_delta_for_tests(
    floating[:, ::1] z, const int[::1] y, const floating[::1] sample_weight,
    double delta_scale, double label_smoothing=0.0,
):
    return softmax_cross_entropy_delta(
        &z[0, 0], &y[0], &sample_weight[0], z.shape[0], z.shape[1], delta_scale,
        label_smoothing,
    )


def _exp_for_tests(floating[::1] x):
    """x := exp(x) by the softmax's vectorised exp."""
    if x.shape[0]:
        _exp_inplace(&x[0], x.shape[0])


def _softmax_for_tests(floating[:, ::1] z, bint take_log):
    if take_log:
        log_softmax(&z[0, 0], z.shape[0], z.shape[1])
    else:
        softmax(&z[0, 0], z.shape[0], z.shape[1])


def _sigmoid_binary_cross_entropy_delta_for_tests(
    floating[:, ::1] z, const unsigned char[:, ::1] indicators,
    const floating[::1] sample_weight, double delta_scale,
):
    if (indicators.shape[0] != z.shape[0] or indicators.shape[1] != z.shape[1]
            or sample_weight.shape[0] != z.shape[0]):
        raise ValueError("z, indicators and sample_weight do not match")
    return sigmoid_binary_cross_entropy_delta(
        &z[0, 0], &indicators[0, 0], &sample_weight[0], z.shape[0], z.shape[1],
        delta_scale,
    )


def _sigmoid_for_tests(floating[:, ::1] z, bint take_log):
    if take_log:
        log_sigmoid(&z[0, 0], z.shape[0] * z.shape[1])
    else:
        sigmoid(&z[0, 0], z.shape[0] * z.shape[1])


def _uninformed_loss_for_tests(int output, Py_ssize_t n_outputs):
    return uninformed_loss(<OutputLayer> output, n_outputs)


def reads_indicators(int output):
    """Whether an :class:`OutputLayer` trains on an indicator matrix (else on
    class codes)."""
    return output_reads_indicators(<OutputLayer> output)


def smooths_labels(int output):
    """Whether an :class:`OutputLayer` trains on smoothed targets when asked."""
    return output_smooths_labels(<OutputLayer> output)
