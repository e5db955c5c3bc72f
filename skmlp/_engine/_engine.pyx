"""The training engine: minibatch epochs and full-batch gradients, without the GIL.

An :class:`Engine` is built once per fit. It owns every scratch buffer of a
training step (the gathered minibatch, the activations, the deltas, the
gradient), so the loop over minibatches allocates nothing. Parameters live in
one flat buffer laid out by :mod:`skmlp._network` (``W_0, b_0, W_1, b_1, ...``,
each ``W_l`` row-major of shape ``(n_units[l], n_units[l + 1])``); optimizer
state buffers have the same layout.

Python is entered only between epochs, and every ``signal_interval``
minibatches to let a pending Ctrl-C raise ``KeyboardInterrupt`` once the
current minibatch is finished.
"""
from cython cimport floating
from cpython.exc cimport PyErr_CheckSignals
from libc.math cimport isfinite

import numpy as np

from ._activations cimport (
    activation_backward,
    bias_activation,
    dropout_activation_backward,
    dropout_forward,
)
from ._blas cimport gemm
from ._losses cimport output_loss_delta
from ._rows cimport gather_csr_rows, gather_rows
from ._types cimport (
    ADAM,
    COMPLETED,
    DIVERGED,
    GRADIENT,
    IDENTITY,
    MOMENTUM,
    NESTEROV,
    SGD,
    SOFTMAX,
    Activation,
    Hyper,
    Layout,
    OutputLayer,
    Update,
)
from ._updates cimport add_penalty_gradient, begin_step, update_biases, update_weights

from ._blas import check_gemm_dimensions
from .._sparse import check_sparse_structure


cdef extern from *:
    """
    /* Flush denormals to zero while training: momentum decays the velocity of
       weights whose gradient is exactly zero (say, of always-blank pixels)
       geometrically into the denormal range, where x86 arithmetic is ~100x
       slower. Set on the training thread only, and restored afterwards. */
    #if defined(__SSE2__) || defined(_M_X64)
    #include <xmmintrin.h>
    static unsigned int skmlp_flush_denormals(void) {
        unsigned int mode = _mm_getcsr();
        _mm_setcsr(mode | 0x8040);  /* flush-to-zero | denormals-are-zero */
        return mode;
    }
    static void skmlp_restore_float_mode(unsigned int mode) { _mm_setcsr(mode); }
    #else
    static unsigned int skmlp_flush_denormals(void) { return 0; }
    static void skmlp_restore_float_mode(unsigned int mode) { (void) mode; }
    #endif
    """
    unsigned int flush_denormals "skmlp_flush_denormals" () noexcept nogil
    void restore_float_mode "skmlp_restore_float_mode" (unsigned int mode) noexcept nogil


def n_state_buffers(int update):
    """How many parameter-sized optimizer buffers an :class:`Update` keeps."""
    return {SGD: 0, MOMENTUM: 1, NESTEROV: 1, ADAM: 2}.get(update, 0)


cdef inline floating *_data(floating[::1] buffer) noexcept nogil:
    """Pointer to the first element, or NULL for an empty (unused) buffer."""
    return &buffer[0] if buffer.shape[0] > 0 else NULL


cdef inline floating *_at(floating *buffer, Py_ssize_t offset) noexcept nogil:
    """buffer + offset, or NULL for an unused (NULL) buffer."""
    return buffer + offset if buffer != NULL else NULL


cdef void _forward(
    const Layout *layout,
    const floating *params,     # IN
    floating *activations,      # IN/OUT the batch in layer 0; logits out in layer L
    Py_ssize_t n_rows,
    floating *masks,            # OUT    dropout masks, laid out as the deltas
    unsigned long long *rng_state,  # IN/OUT for the dropout masks
) noexcept nogil:
    """Forward pass of a gathered minibatch up to the output logits, with
    dropout on the hidden layers that have a rate."""
    cdef Py_ssize_t l, n_in, n_out
    cdef const floating *w
    cdef floating *z
    for l in range(layout.n_layers):
        n_in = layout.n_units[l]
        n_out = layout.n_units[l + 1]
        w = params + layout.w_offset[l]
        z = activations + layout.a_offset[l + 1]
        gemm(False, False, n_rows, n_out, n_in, 1, activations + layout.a_offset[l],
             n_in, w, n_out, 0, z, n_out)
        bias_activation(z, params + layout.b_offset[l], n_rows, n_out,
                        IDENTITY if l == layout.n_layers - 1 else layout.activation)
        if l < layout.n_layers - 1 and layout.dropout[l + 1] > 0:
            dropout_forward(z, masks + layout.d_offset[l + 1], n_rows * n_out,
                            layout.dropout[l + 1], rng_state)


cdef double _backward(
    const Layout *layout,
    const Hyper *hyper,
    floating *params,           # IN/OUT updated in place (not with GRADIENT)
    floating *grad,             # OUT    scratch, or the gradient with GRADIENT
    floating *state_1,          # IN/OUT velocity (SGD family) or first moment (Adam)
    floating *state_2,          # IN/OUT second moment (Adam)
    floating *activations,      # IN     forward activations; output deltas in layer L
    floating *deltas,           # OUT    scratch for the hidden layers' deltas
    const floating *masks,      # IN     dropout masks of the forward pass
    Py_ssize_t n_rows,
    double step_size,           # IN     from begin_step
    bint accumulate,            # GRADIENT only: add to grad instead of overwriting
) noexcept nogil:
    """Back-propagate the output deltas and update each layer as soon as its
    gradient is known. Return the penalty of the weights before the update
    (0 with GRADIENT, whose caller adds the penalty once)."""
    cdef Py_ssize_t l, n_in, n_out
    cdef floating *w
    cdef floating *a
    cdef floating *delta
    cdef double value = 0

    for l in range(layout.n_layers - 1, -1, -1):
        n_in = layout.n_units[l]
        n_out = layout.n_units[l + 1]
        w = params + layout.w_offset[l]
        a = activations + layout.a_offset[l]
        if l == layout.n_layers - 1:
            delta = activations + layout.a_offset[l + 1]
        else:
            delta = deltas + layout.d_offset[l + 1]

        # The previous layer's delta needs this layer's weights before their update.
        if l > 0:
            gemm(False, True, n_rows, n_in, n_out, 1, delta, n_out, w, n_out,
                 0, deltas + layout.d_offset[l], n_in)
            if layout.dropout[l] > 0:
                dropout_activation_backward(
                    deltas + layout.d_offset[l], a, masks + layout.d_offset[l],
                    n_rows * n_in, layout.activation)
            else:
                activation_backward(deltas + layout.d_offset[l], a, n_rows * n_in,
                                    layout.activation)

        value += update_weights(
            hyper, w, grad + layout.w_offset[l], _at(state_1, layout.w_offset[l]),
            _at(state_2, layout.w_offset[l]), a, delta, n_rows, n_in, n_out,
            step_size, accumulate)
        update_biases(
            hyper, params + layout.b_offset[l], grad + layout.b_offset[l],
            _at(state_1, layout.b_offset[l]), _at(state_2, layout.b_offset[l]),
            delta, n_rows, n_out, step_size, accumulate)
    return value


# Stand-ins for the CSR arguments of a dense run, by "is float32".
_EMPTY_CSR = {
    True: (np.zeros(1, np.float32), np.zeros(1, np.intp), np.zeros(1, np.intp)),
    False: (np.zeros(1, np.float64), np.zeros(1, np.intp), np.zeros(1, np.intp)),
}


def _exclusive_cumsum(sizes):
    """[0, s0, s0 + s1, ...]: where consecutive blocks of these sizes start."""
    return np.concatenate([[0], np.cumsum(sizes)[:len(sizes) - 1]]).astype(np.intp)


cdef class Engine:
    """Scratch buffers and hyper-parameters of one fit.

    Parameters
    ----------
    n_units : ndarray of shape (n_layers + 1,), dtype=intp
        Units per layer, the input layer first and the softmax output last.
    weight_offsets, bias_offsets : ndarray of shape (n_layers,), dtype=intp
        Where each layer's weights and biases start in the flat parameter buffer.
    batch_size : int
        The largest minibatch the buffers must hold.
    dtype : {np.float32, np.float64}
        The training dtype.
    activation : int
        A :class:`skmlp._kernels.Activation` code for the hidden layers.
    update : int
        An :class:`Update` code.
    learning_rate, momentum, beta_1, beta_2, epsilon, l1, l2 : float
        Optimizer and penalty settings; ``learning_rate`` may be changed
        between epochs (learning-rate schedules).
    signal_interval : int
        Check for Ctrl-C every this many minibatches.
    """

    cdef Layout layout
    cdef Hyper hyper
    cdef Py_ssize_t[::1] _n_units, _w_offset, _b_offset, _a_offset, _d_offset
    cdef double[::1] _dropout
    cdef unsigned long long _rng_state
    cdef readonly Py_ssize_t batch_size
    cdef readonly object dtype
    cdef object _activations, _deltas, _masks, _grad, _batch_y, _batch_weight
    cdef object _csr
    cdef public Py_ssize_t signal_interval
    # Progress of the last run_epoch call, kept up to date so that it survives
    # a KeyboardInterrupt raised in the middle of the epoch.
    cdef readonly double loss_sum
    cdef readonly double weight_sum
    cdef readonly Py_ssize_t n_samples_done
    cdef public long long n_adam_steps

    def __init__(self, n_units, weight_offsets, bias_offsets, Py_ssize_t batch_size,
                 dtype, int activation, int update, double learning_rate,
                 double momentum, double beta_1, double beta_2, double epsilon,
                 double l1, double l2, Py_ssize_t signal_interval=1,
                 dropout=None, unsigned long long seed=0):
        n_units = np.asarray(n_units, dtype=np.intp)
        n_layers = n_units.shape[0] - 1
        # Checked before anything is allocated: gemm would truncate these.
        check_gemm_dimensions(
            "Engine", batch_size=batch_size,
            **{f"n_units[{l}]": int(n) for l, n in enumerate(n_units)})
        # Activations of layer l hold a (batch_size, n_units[l]) block; the
        # output layer's block holds the logits, then the output deltas.
        # Deltas are kept for the hidden layers 1 .. n_layers - 1 only.
        hidden_units = n_units.copy()
        hidden_units[0] = hidden_units[n_layers] = 0
        a_offset = _exclusive_cumsum(n_units * batch_size)
        d_offset = _exclusive_cumsum(hidden_units * batch_size)[:n_layers]
        self._n_units = n_units
        self._w_offset = np.ascontiguousarray(weight_offsets, dtype=np.intp)
        self._b_offset = np.ascontiguousarray(bias_offsets, dtype=np.intp)
        self._a_offset = np.ascontiguousarray(a_offset, dtype=np.intp)
        self._d_offset = np.ascontiguousarray(d_offset, dtype=np.intp)
        self.layout.n_layers = n_layers
        self.layout.n_units = &self._n_units[0]
        self.layout.w_offset = &self._w_offset[0]
        self.layout.b_offset = &self._b_offset[0]
        self.layout.a_offset = &self._a_offset[0]
        self.layout.d_offset = &self._d_offset[0]
        # Dropout rates per layer; the input and output layers never drop.
        rates = np.zeros(n_layers, dtype=np.float64)
        if dropout is not None:
            rates[1:] = dropout
        self._dropout = rates
        self.layout.dropout = &self._dropout[0]
        self._rng_state = seed
        self.layout.activation = <Activation> activation
        self.layout.output = SOFTMAX

        self.dtype = np.dtype(dtype)
        self.batch_size = batch_size
        n_params = int(self._b_offset[n_layers - 1] + n_units[n_layers])
        self._activations = np.zeros(int(n_units.sum()) * batch_size, dtype=self.dtype)
        self._deltas = np.zeros(max(int(hidden_units.sum()) * batch_size, 1),
                                dtype=self.dtype)
        self._masks = np.zeros_like(self._deltas)
        self._grad = np.zeros(n_params, dtype=self.dtype)
        self._batch_y = np.zeros(batch_size, dtype=np.intc)
        self._batch_weight = np.zeros(batch_size, dtype=self.dtype)

        self.hyper.update = <Update> update
        self.hyper.learning_rate = learning_rate
        self.hyper.momentum = momentum
        self.hyper.beta_1 = beta_1
        self.hyper.beta_2 = beta_2
        self.hyper.epsilon = epsilon
        self.hyper.l1 = l1
        self.hyper.l2 = l2
        self.signal_interval = max(signal_interval, 1)
        self.n_adam_steps = 0

    def _check_buffers(self, X, y, sample_weight, params):
        """The kernels trust every size: check them once per call, so that a
        wrong argument raises instead of reading or writing out of bounds."""
        n_layers = self.layout.n_layers
        if X.shape[1] != self._n_units[0]:
            raise ValueError(
                f"X has {X.shape[1]} features; the network expects {self._n_units[0]}.")
        if y.shape[0] != X.shape[0] or sample_weight.shape[0] != X.shape[0]:
            raise ValueError("X, y and sample_weight must have the same length.")
        if params.shape[0] != self._grad.shape[0]:
            raise ValueError(
                f"params has {params.shape[0]} values; the layout needs "
                f"{self._grad.shape[0]}.")
        if y.shape[0] > 0 and (np.min(y) < 0 or np.max(y) >= self._n_units[n_layers]):
            raise ValueError("y holds class codes outside [0, n_classes).")

    def _check_state(self, params, state_1, state_2):
        n_buffers = n_state_buffers(self.hyper.update)
        for i, state in enumerate((state_1, state_2)):
            expected = params.shape[0] if i < n_buffers else 0
            if state.shape[0] != expected:
                raise ValueError(
                    f"Optimizer state buffer {i} has {state.shape[0]} values; the "
                    f"update rule needs {expected}.")

    def use_sparse_rows(self, X):
        """Read training rows from the CSR matrix X from now on; the X arguments
        of run_epoch and loss_gradient then only give the shape. Returns that
        stand-in: an (n_samples, n_features) view of one zero, no memory."""
        # The gather kernel indexes the minibatch with X's indices unchecked.
        if getattr(X, "format", None) != "csr":
            raise TypeError(f"use_sparse_rows needs a CSR matrix, got {type(X)}.")
        check_sparse_structure(X, "X")
        self._csr = (X.data, np.asarray(X.indices, dtype=np.intp),
                     np.asarray(X.indptr, dtype=np.intp))
        return np.lib.stride_tricks.as_strided(
            np.zeros(1, dtype=X.dtype), shape=X.shape, strides=(0, 0),
            writeable=False)

    def seed(self, unsigned long long seed):
        """Restart the dropout masks' random stream from ``seed``."""
        self._rng_state = seed

    @property
    def learning_rate(self):
        return self.hyper.learning_rate

    @learning_rate.setter
    def learning_rate(self, double value):
        self.hyper.learning_rate = value

    def run_epoch(
        self,
        const floating[:, :] X,                 # IN     (n_samples, n_features), any strides
        const int[::1] y,                       # IN     (n_samples,) class codes
        const floating[::1] sample_weight,      # IN     (n_samples,)
        const Py_ssize_t[::1] order,            # IN     rows of X to train on, in order
        floating[::1] params,                   # IN/OUT flat parameters
        floating[::1] state_1,                  # IN/OUT velocity / first moment (or empty)
        floating[::1] state_2,                  # IN/OUT second moment (or empty)
    ):
        """Train on ``X[order]`` in minibatches of ``batch_size`` rows.

        Returns a :class:`Status`. ``loss_sum / weight_sum`` is the mean of the
        minibatch objectives, weighted by each minibatch's total sample weight.
        Raises ``KeyboardInterrupt`` (after finishing the current minibatch)
        when Ctrl-C is pressed; the progress attributes then describe the
        minibatches that were trained on.
        """
        cdef floating[::1] activations = self._activations
        cdef floating[::1] deltas = self._deltas
        cdef floating[::1] masks = self._masks
        cdef floating[::1] grad = self._grad
        cdef floating[::1] batch_weight = self._batch_weight
        cdef int[::1] batch_y = self._batch_y
        cdef int status
        cdef const floating[::1] csr_data
        cdef const Py_ssize_t[::1] csr_indices, csr_indptr
        cdef bint sparse = self._csr is not None
        self._check_buffers(X, y, sample_weight, params)
        self._check_state(params, state_1, state_2)
        if order.shape[0] > 0 and (np.min(order) < 0 or np.max(order) >= X.shape[0]):
            raise ValueError("order holds row indices outside of X.")
        self.loss_sum = 0
        self.weight_sum = 0
        self.n_samples_done = 0
        if order.shape[0] == 0:
            return COMPLETED
        if sparse:
            csr_data, csr_indices, csr_indptr = self._csr
        else:
            csr_data, csr_indices, csr_indptr = _EMPTY_CSR[floating is float]
        cdef unsigned int float_mode
        with nogil:
            float_mode = flush_denormals()
            try:
                status = self._run_batches(
                    X, y, sample_weight, order, &params[0], _data(state_1),
                    _data(state_2), &activations[0], &deltas[0], &masks[0], &grad[0],
                    &batch_y[0], &batch_weight[0], sparse, csr_data, csr_indices,
                    csr_indptr)
            finally:
                restore_float_mode(float_mode)
        return status

    cdef int _run_batches(
        self,
        const floating[:, :] X,
        const int[::1] y,
        const floating[::1] sample_weight,
        const Py_ssize_t[::1] order,
        floating *params,
        floating *state_1,
        floating *state_2,
        floating *activations,
        floating *deltas,
        floating *masks,
        floating *grad,
        int *batch_y,
        floating *batch_weight,
        bint sparse,
        const floating[::1] csr_data,
        const Py_ssize_t[::1] csr_indices,
        const Py_ssize_t[::1] csr_indptr,
    ) except -1 nogil:
        cdef Py_ssize_t n = order.shape[0], start, i, n_rows, n_batches = 0
        cdef Py_ssize_t n_classes = self.layout.n_units[self.layout.n_layers]
        cdef floating *logits = activations + self.layout.a_offset[self.layout.n_layers]
        cdef double weight, data_loss, objective, step_size = 0
        start = 0
        while start < n:
            n_rows = min(self.batch_size, n - start)
            if sparse:
                gather_csr_rows(csr_data, csr_indices, csr_indptr, &order[start],
                                n_rows, X.shape[1], activations)
            else:
                gather_rows(X, &order[start], n_rows, activations)
            weight = 0
            for i in range(n_rows):
                batch_y[i] = y[order[start + i]]
                batch_weight[i] = sample_weight[order[start + i]]
                weight += batch_weight[i]
            # A minibatch of zero total weight carries no data: skip it, as if
            # its samples had been removed.
            if weight > 0:
                _forward(&self.layout, params, activations, n_rows, masks,
                         &self._rng_state)
                data_loss = output_loss_delta(
                    self.layout.output, logits, batch_y, batch_weight, n_rows,
                    n_classes, 1 / weight)
                if not isfinite(data_loss):
                    return DIVERGED
                step_size = begin_step(&self.hyper, &self.n_adam_steps)
                objective = data_loss / weight + _backward(
                    &self.layout, &self.hyper, params, grad, state_1, state_2,
                    activations, deltas, masks, n_rows, step_size, False)
                self.loss_sum += weight * objective
                self.weight_sum += weight
            self.n_samples_done += n_rows
            n_batches += 1
            start += n_rows
            if n_batches % self.signal_interval == 0 and start < n:
                with gil:
                    if PyErr_CheckSignals() == -1:
                        return -1
        return COMPLETED

    def loss_gradient(
        self,
        const floating[:, :] X,                 # IN  (n_samples, n_features)
        const int[::1] y,                       # IN  (n_samples,)
        const floating[::1] sample_weight,      # IN  (n_samples,), positive sum
        floating[::1] params,                   # IN  flat parameters
        floating[::1] grad,                     # OUT flat gradient
    ):
        """Return the objective J over all of X and write its gradient into ``grad``.

        Works through X in chunks of ``batch_size`` rows, the GEMMs summing the
        chunks' gradients, so it holds for any number of samples.
        """
        cdef floating[::1] activations = self._activations
        cdef floating[::1] deltas = self._deltas
        cdef floating[::1] masks = self._masks
        cdef int[::1] batch_y = self._batch_y
        cdef floating[::1] batch_weight = self._batch_weight
        cdef Py_ssize_t n = X.shape[0], start, i, n_rows, l, n_w
        cdef Py_ssize_t[::1] rows = np.arange(n, dtype=np.intp)
        cdef Py_ssize_t n_classes = self.layout.n_units[self.layout.n_layers]
        cdef floating *logits = &activations[0] + self.layout.a_offset[self.layout.n_layers]
        cdef Hyper hyper = self.hyper
        cdef double total_weight = 0, data_loss = 0, value = 0
        hyper.update = GRADIENT
        cdef const floating[::1] csr_data
        cdef const Py_ssize_t[::1] csr_indices, csr_indptr
        cdef bint sparse = self._csr is not None
        if sparse:
            csr_data, csr_indices, csr_indptr = self._csr
        self._check_buffers(X, y, sample_weight, params)
        if grad.shape[0] != params.shape[0]:
            raise ValueError("grad must have the shape of params.")
        with nogil:
            for i in range(n):
                total_weight += sample_weight[i]
            start = 0
            while start < n:
                n_rows = min(self.batch_size, n - start)
                if sparse:
                    gather_csr_rows(csr_data, csr_indices, csr_indptr, &rows[start],
                                    n_rows, X.shape[1], &activations[0])
                else:
                    gather_rows(X, &rows[start], n_rows, &activations[0])
                for i in range(n_rows):
                    batch_y[i] = y[start + i]
                    batch_weight[i] = sample_weight[start + i]
                _forward(&self.layout, &params[0], &activations[0], n_rows, &masks[0],
                         &self._rng_state)
                data_loss += output_loss_delta(
                    self.layout.output, logits, &batch_y[0], &batch_weight[0], n_rows,
                    n_classes, 1 / total_weight)
                _backward(&self.layout, &hyper, &params[0], &grad[0], NULL, NULL,
                          &activations[0], &deltas[0], &masks[0], n_rows, 0,
                          start > 0)
                start += n_rows
            for l in range(self.layout.n_layers):
                n_w = self.layout.n_units[l] * self.layout.n_units[l + 1]
                value += add_penalty_gradient(
                    &grad[0] + self.layout.w_offset[l], &params[0] + self.layout.w_offset[l],
                    n_w, hyper.l1, hyper.l2)
        return data_loss / total_weight + value
