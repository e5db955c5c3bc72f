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

The training step may distort its minibatch right after gathering it (an
:class:`~skmlp._engine._augment.Augmenter`: the full-batch gradient never
does) and project the hidden units' incoming weights onto a max-norm ball
after each update; both are off unless asked for, at the cost of one branch
per minibatch and per layer.
"""
from cython cimport floating
from cpython.exc cimport PyErr_CheckSignals
from libc.math cimport isfinite
from libc.string cimport memcpy

import numpy as np

from ._activations cimport (
    activation_backward,
    bias_activation,
    dropout_activation_backward,
    dropout_forward,
)
from ._augment cimport Augmenter, WarpSettings, augment_rows
from ._blas cimport gemm
from ._losses cimport (
    output_loss_delta,
    output_reads_indicators,
    output_smooths_labels,
    uninformed_loss,
)
from ._penalties cimport add_penalty_gradient, penalty
from ._rows cimport RowSource, load_rows, total_weight
from ._scaled_decay cimport ScaledLayer, begin_scaling, fold_scale, scaled_sgd_step
from ._types cimport (
    COMPLETED,
    DIVERGED,
    GRADIENT,
    IDENTITY,
    SGD,
    Activation,
    Hyper,
    Layout,
    OutputLayer,
    Update,
)
from ._update_rules cimport begin_step, update_biases, update_weights

from . import _types
from ._blas import check_gemm_dimensions
from ._losses import smooths_labels
from ._scaled_decay import scaling_pays
from ._update_rules import n_state_buffers, rule_settings


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


cdef enum StepMode:
    # What a step does with its minibatch.
    TRAIN               # distort it (with an augmenter), update the weights by
                        # the rule, project them (with max-norm); its own weight
                        # averages the loss
    GRADIENT_FIRST      # write the data gradient of the objective over all the
                        # rows (their total weight averages the loss) into grad
    GRADIENT_ADD        # add it to grad (the chunks after the first)


cdef struct StepResult:
    double data_loss        # sum_i s_i L_i over the minibatch; not finite: it
                            # diverged, and nothing was back-propagated
    double weight           # the minibatch's total sample weight
    double weight_penalty   # TRAIN: the weights' penalty before the update


cdef inline double _objective(
    double data_loss, double weight, double weight_penalty
) noexcept nogil:
    """The objective J of a set of rows: the weighted mean of their losses
    (``data_loss`` is their weighted sum, ``weight`` the sum of their weights)
    plus the penalty of the weights. Its one definition: the epochs' reported
    loss and the full-batch loss of L-BFGS are both this."""
    return data_loss / weight + weight_penalty


cdef inline floating *_at(floating *buffer, Py_ssize_t offset) noexcept nogil:
    """buffer + offset, or NULL for an unused (NULL) buffer."""
    return buffer + offset if buffer != NULL else NULL


cdef struct Scaling:
    # The layers whose weights are held as scale * v while plain SGD decays
    # them (see _scaled_decay.pyx); layers is NULL when none is.
    ScaledLayer *layers         # (n_layers,) each layer's scale and |v|**2
    const unsigned char *on     # (n_layers,) whether the layer is scaled
    void *products              # the scaled layers' products before the bias (of
    const Py_ssize_t *p_offset  # the engine's dtype), at these offsets (n_layers,)
    void *gram                  # scratch of 2 * batch_size**2 values


cdef inline double _scale_of(const Scaling *scaling, Py_ssize_t l) noexcept nogil:
    """The factor of layer l's weights in the buffer: 1 unless scaled."""
    if scaling.layers != NULL and scaling.on[l]:
        return scaling.layers[l].scale
    return 1


cdef void _forward(
    const Layout *layout,
    const floating *params,     # IN
    floating *activations,      # IN/OUT the batch in layer 0; logits out in layer L
    Py_ssize_t n_rows,
    floating *masks,            # OUT    dropout masks, laid out as the deltas
    unsigned long long *rng_state,  # IN/OUT for the dropout masks
    const Scaling *scaling,     # IN/OUT the scaled layers' products are kept
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
        gemm(False, False, n_rows, n_out, n_in, <floating> _scale_of(scaling, l),
             activations + layout.a_offset[l], n_in, w, n_out, 0, z, n_out)
        if scaling.layers != NULL and scaling.on[l]:
            memcpy(<floating *> scaling.products + scaling.p_offset[l], z,
                   n_rows * n_out * sizeof(floating))
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
    double *column_sq,          # OUT    scratch for max-norm (widest hidden layer), or NULL
    const Scaling *scaling,     # IN/OUT the scaled layers (plain SGD's decay)
) noexcept nogil:
    """Back-propagate the output deltas and update each layer as soon as its
    gradient is known, projecting the hidden layers' weights onto the
    max-norm ball when column_sq is given (the output layer's never). Return
    the penalty of the weights before the update (0 with GRADIENT, whose
    caller adds the penalty once)."""
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
            gemm(False, True, n_rows, n_in, n_out, <floating> _scale_of(scaling, l), delta,
                 n_out, w, n_out, 0, deltas + layout.d_offset[l], n_in)
            if layout.dropout[l] > 0:
                dropout_activation_backward(
                    deltas + layout.d_offset[l], a, masks + layout.d_offset[l],
                    n_rows * n_in, layout.activation)
            else:
                activation_backward(deltas + layout.d_offset[l], a, n_rows * n_in,
                                    layout.activation)

        if scaling.layers != NULL and scaling.on[l]:
            value += scaled_sgd_step(
                hyper, w, a, delta, <floating *> scaling.products + scaling.p_offset[l],
                <floating *> scaling.gram, n_rows, n_in, n_out, &scaling.layers[l])
        else:
            value += update_weights(
                hyper, w, grad + layout.w_offset[l], _at(state_1, layout.w_offset[l]),
                _at(state_2, layout.w_offset[l]), a, delta, n_rows, n_in, n_out,
                step_size, accumulate, column_sq if l < layout.n_layers - 1 else NULL)
        update_biases(
            hyper, params + layout.b_offset[l], grad + layout.b_offset[l],
            _at(state_1, layout.b_offset[l]), _at(state_2, layout.b_offset[l]),
            delta, n_rows, n_out, step_size, accumulate)
    return value


_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)
# The codes of each enum the kernels switch on (listing an enum's members
# takes microseconds; an engine is built at every partial_fit).
_ENUM_CODES = {kind: frozenset(int(member) for member in kind)
               for kind in (_types.Activation, _types.OutputLayer)}


cdef void *_address(array):
    """The address of an ndarray's first element (the Engine keeps the array)."""
    return <void *> <size_t> array.__array_interface__["data"][0]


cdef class Engine:
    """The compiled training step of one fit: scratch buffers, update rule and
    settings.

    Built once per fit; every buffer of a training step (the gathered
    minibatch, the activations, the deltas, the dropout masks, the gradient)
    is allocated here, so that the loop over minibatches allocates nothing.

    Parameters
    ----------
    config : skmlp._engine._config.EngineConfig
        The layout, the batch size, the dtype, the activation and output
        layer, the optimizer, the penalties and the training's options
        (dropout, augmentation, max-norm, label smoothing), checked here.

    Attributes
    ----------
    loss_sum, weight_sum, n_samples_done
        Progress of the last :meth:`run_epoch`, kept up to date so that it
        survives a ``KeyboardInterrupt`` raised in the middle of the epoch.
    """

    cdef Layout layout
    cdef Hyper hyper
    cdef Hyper _gradient_hyper      # hyper, with the update rule GRADIENT
    cdef Py_ssize_t[::1] _n_units, _w_offset, _b_offset, _a_offset, _d_offset
    cdef double[::1] _dropout
    cdef unsigned long long _rng_state
    cdef readonly Py_ssize_t batch_size
    cdef readonly Py_ssize_t n_params
    cdef readonly object dtype
    # The scratch and state arrays, and their addresses for the nogil loop.
    cdef object _activations, _deltas, _masks, _grad, _batch_y, _batch_weight
    cdef object _batch_indicators
    cdef object _state_buffers, _step_counter
    cdef void *_activations_data
    cdef void *_deltas_data
    cdef void *_masks_data
    cdef void *_grad_data
    cdef void *_batch_weight_data
    cdef int *_batch_y_data
    cdef unsigned char *_batch_indicators_data
    cdef void *_state_1_data
    cdef void *_state_2_data
    cdef long long *_n_steps
    cdef public Py_ssize_t signal_interval
    # Augmentation (NULL settings: none) and max-norm (NULL scratch: none).
    cdef object _augmenter, _augment_scratch, _column_sq
    cdef const WarpSettings *_warp
    cdef void *_augment_scratch_data
    cdef double *_column_sq_data
    cdef unsigned long long _epoch
    # Plain SGD's decay through a scale per layer (see _scaled_decay.pyx):
    # _scaling.layers is set (to the layers' ScaledLayer array) during the
    # epochs it applies to, NULL otherwise.
    cdef Scaling _scaling
    cdef object _scaled_layers, _scaled_on, _scaled_products, _p_offset_array, _gram
    cdef ScaledLayer *_scaled_layers_data
    cdef readonly object scaled_layers
    cdef readonly double loss_sum
    cdef readonly double weight_sum
    cdef readonly Py_ssize_t n_samples_done

    def __init__(self, config):
        layout = config.layout
        cdef Py_ssize_t batch_size = config.batch_size
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}.")
        # Checked before anything is allocated: gemm would truncate these.
        check_gemm_dimensions(
            "Engine", batch_size=batch_size,
            **{f"n_units[{l}]": int(n) for l, n in enumerate(layout.n_units)})
        self.dtype = np.dtype(config.dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype}.")
        self.batch_size = batch_size
        self._set_layout(layout, config.activation, config.output, config.dropout)
        self._set_label_smoothing(config.label_smoothing)
        self._rng_state = config.seed
        self.signal_interval = max(config.signal_interval, 1)
        self._allocate(layout.scratch(batch_size))
        self._set_update_rule(config.optimizer, config.l1, config.l2)
        self._set_max_norm(config.max_norm)
        self._set_augmenter(config.augmenter)
        self._set_scaled_decay(config.scaled_decay)

    def _set_layout(self, layout, int activation, int output, dropout):
        # Codes the kernels' switches know (ValueError otherwise). Compared with
        # the members: calling a cpdef enum accepts any int.
        for kind, code in ((_types.Activation, activation),
                           (_types.OutputLayer, output)):
            if code not in _ENUM_CODES[kind]:
                raise ValueError(
                    f"{kind.__name__} code {code} is unknown: the codes are "
                    f"{ {m.name: int(m) for m in kind} }.")
        n_layers = layout.n_layers
        self.n_params = layout.n_params
        self._n_units = np.array(layout.n_units, dtype=np.intp)
        self._w_offset = np.array(layout.weight_offsets, dtype=np.intp)
        self._b_offset = np.array(layout.bias_offsets, dtype=np.intp)
        if (n_layers < 1 or self._n_units.shape[0] != n_layers + 1
                or self._w_offset.shape[0] != n_layers
                or self._b_offset.shape[0] != n_layers):
            raise ValueError("The layout must describe at least one layer.")
        # Dropout rates per layer; the input and output layers never drop.
        rates = np.zeros(n_layers, dtype=np.float64)
        if dropout is not None:
            rates[1:] = dropout
        self._dropout = rates
        self.layout.n_layers = n_layers
        self.layout.n_units = &self._n_units[0]
        self.layout.w_offset = &self._w_offset[0]
        self.layout.b_offset = &self._b_offset[0]
        self.layout.dropout = &self._dropout[0]
        self.layout.activation = <Activation> activation
        self.layout.output = <OutputLayer> output

    def _set_label_smoothing(self, double label_smoothing):
        """Take the label smoothing of the output layer's targets."""
        if not 0 <= label_smoothing < 1:
            raise ValueError(
                f"label_smoothing must be in [0, 1), got {label_smoothing}.")
        if label_smoothing > 0 and not output_smooths_labels(self.layout.output):
            smoothing = [m.name for m in _types.OutputLayer if smooths_labels(m)]
            raise ValueError(
                f"label_smoothing applies to the {' or '.join(smoothing)} output "
                f"layer; the {_types.OutputLayer(self.layout.output).name} output "
                f"takes 0.")
        self.layout.label_smoothing = label_smoothing

    def _allocate(self, scratch):
        self._a_offset = np.array(scratch.activation_offsets, dtype=np.intp)
        self._d_offset = np.array(scratch.delta_offsets, dtype=np.intp)
        self.layout.a_offset = &self._a_offset[0]
        self.layout.d_offset = &self._d_offset[0]
        self._activations = np.zeros(scratch.n_activations, dtype=self.dtype)
        self._deltas = np.zeros(scratch.n_deltas, dtype=self.dtype)
        self._masks = np.zeros_like(self._deltas)
        self._grad = np.zeros(self.n_params, dtype=self.dtype)
        self._batch_y = np.zeros(self.batch_size, dtype=np.intc)
        # The targets of a minibatch of the multilabel output layer.
        n_indicators = (self.batch_size * self._n_units[self.layout.n_layers]
                        if output_reads_indicators(self.layout.output) else 1)
        self._batch_indicators = np.zeros(n_indicators, dtype=np.uint8)
        self._batch_weight = np.zeros(self.batch_size, dtype=self.dtype)
        self._activations_data = _address(self._activations)
        self._deltas_data = _address(self._deltas)
        self._masks_data = _address(self._masks)
        self._grad_data = _address(self._grad)
        self._batch_y_data = <int *> _address(self._batch_y)
        self._batch_indicators_data = <unsigned char *> _address(self._batch_indicators)
        self._batch_weight_data = _address(self._batch_weight)

    def _set_update_rule(self, optimizer, double l1, double l2):
        """Take the optimizer's update code, settings and state buffers, after
        checking that the buffers are what its kernels will index."""
        update = int(optimizer.update)
        buffers = tuple(optimizer.engine_buffers())
        if len(buffers) != n_state_buffers(update):
            raise ValueError(
                f"The update rule {_types.Update(update).name} needs "
                f"{n_state_buffers(update)} state buffers; the optimizer has "
                f"{len(buffers)}.")
        for buffer in buffers:
            if (not isinstance(buffer, np.ndarray) or buffer.dtype != self.dtype
                    or buffer.shape != (self.n_params,)
                    or not buffer.flags.c_contiguous or not buffer.flags.writeable):
                raise ValueError(
                    f"Optimizer state buffers must be writeable contiguous arrays "
                    f"of {self.n_params} {self.dtype} values.")
        counter = optimizer.step_counter
        if (not isinstance(counter, np.ndarray) or counter.dtype != np.longlong
                or counter.shape != (1,) or not counter.flags.writeable):
            raise ValueError("The optimizer's step_counter must be a writeable "
                             "longlong array of shape (1,).")
        self._state_buffers = buffers
        self._step_counter = counter
        self._state_1_data = _address(buffers[0]) if len(buffers) > 0 else NULL
        self._state_2_data = _address(buffers[1]) if len(buffers) > 1 else NULL
        self._n_steps = <long long *> _address(counter)
        self._set_hyper(optimizer.hyper(), update)
        self.hyper.l1 = l1
        self.hyper.l2 = l2

    def _set_hyper(self, settings, int update):
        """Copy the settings the update rule's kernels read from the
        optimizer's ``hyper()``: each must be there (a missing one is an
        error, never a default), and nothing else may be."""
        required = {"update", "learning_rate", *rule_settings(update)}
        settings = dict(settings)
        missing, unknown = required - set(settings), set(settings) - required
        if missing or unknown:
            problems = [f"lacks {sorted(missing)}"] if missing else []
            if unknown:
                problems.append(f"has {sorted(unknown)}, which the rule does not read")
            raise ValueError(
                f"The update rule {_types.Update(update).name} reads "
                f"{sorted(required)}; the optimizer's hyper() "
                f"{' and '.join(problems)}.")
        if settings["update"] != update:
            raise ValueError(
                f"The optimizer's hyper() names update rule {settings['update']}; "
                f"its update code is {update}.")
        # The rule reads the settings it names and no other: the other
        # fields of the struct (zeroed with the object) stay 0, unread. Through
        # a dict of the struct's fields, a new setting needs no code here.
        cdef dict fields = self.hyper
        fields.update({name: settings[name] for name in rule_settings(update)})
        fields.update(update=update, learning_rate=settings["learning_rate"])
        self.hyper = fields
        # The full-batch gradient's steps: no update, no setting read (the
        # struct is zeroed with the object).
        self._gradient_hyper.update = GRADIENT

    def _set_max_norm(self, max_norm):
        """Take the max-norm radius, with a scratch of one value per unit of
        the widest hidden layer."""
        self.hyper.max_norm = 0
        self._column_sq = None
        self._column_sq_data = NULL
        if max_norm is None:
            return
        if not max_norm > 0 or max_norm == float("inf"):
            raise ValueError(f"max_norm must be a positive finite number, got {max_norm}.")
        self.hyper.max_norm = max_norm
        widest = max(self._n_units[1:self.layout.n_layers], default=0)
        if widest > 0:
            self._column_sq = np.zeros(widest, dtype=np.float64)
            self._column_sq_data = <double *> _address(self._column_sq)

    def _set_augmenter(self, augmenter):
        """Take the augmenter, after checking that it distorts rows of this
        network's input and dtype, with a scratch buffer of its size."""
        cdef Augmenter checked
        self._augmenter = None
        self._warp = NULL
        if augmenter is None:
            return
        if not isinstance(augmenter, Augmenter):
            raise TypeError(f"augmenter must be an Augmenter, got {type(augmenter)}.")
        checked = augmenter
        if checked.dtype != self.dtype or checked.n_features != self._n_units[0]:
            raise ValueError(
                f"The augmenter distorts rows of {checked.n_features} {checked.dtype} "
                f"values; the engine trains on {self._n_units[0]} {self.dtype} ones.")
        self._augmenter = checked
        self._augment_scratch = np.zeros(checked.scratch_size, dtype=self.dtype)
        self._augment_scratch_data = _address(self._augment_scratch)
        self._warp = &checked.settings

    def _set_scaled_decay(self, mode):
        """Choose the layers whose decay plain SGD applies through a scale
        ("auto": those where it pays, "always", "never"), with the buffers
        their steps need."""
        if mode not in ("auto", "always", "never"):
            raise ValueError(
                f"scaled_decay must be 'auto', 'always' or 'never', got {mode!r}.")
        cdef Py_ssize_t l, n_layers = self.layout.n_layers
        on = np.array([
            mode == "always" or (mode == "auto" and bool(scaling_pays(
                self.batch_size, self._n_units[l], self._n_units[l + 1])))
            for l in range(n_layers)], dtype=np.uint8)
        #: The layers that plain SGD with L2 trains with a scale (a tuple of
        #: their indices).
        self.scaled_layers = tuple(int(l) for l in np.flatnonzero(on))
        self._scaling.layers = NULL
        if not self.scaled_layers:
            return
        widths = [self._n_units[l + 1] if on[l] else 0 for l in range(n_layers)]
        offsets = (np.cumsum(widths) - widths) * self.batch_size
        self._scaled_on = on
        self._p_offset_array = np.ascontiguousarray(offsets, dtype=np.intp)
        self._scaled_products = np.zeros(sum(widths) * self.batch_size, self.dtype)
        self._gram = np.zeros(2 * self.batch_size * self.batch_size, self.dtype)
        # One ScaledLayer (two doubles: scale, sq_norm) per layer.
        self._scaled_layers = np.zeros(2 * n_layers, dtype=np.float64)
        self._scaled_layers_data = <ScaledLayer *> _address(self._scaled_layers)
        self._scaling.on = <const unsigned char *> _address(self._scaled_on)
        self._scaling.p_offset = <const Py_ssize_t *> _address(self._p_offset_array)
        self._scaling.products = _address(self._scaled_products)
        self._scaling.gram = _address(self._gram)

    cdef bint _scaling_applies(self) noexcept:
        """Whether this epoch's steps decay the scaled layers through their
        scale: plain SGD, with an L2 penalty and no L1 or max-norm, whose decay
        factor 1 - 2 lr l2 is in (0, 1)."""
        cdef double decay = 1 - 2 * self.hyper.learning_rate * self.hyper.l2
        return (self._scaled_layers_data != NULL and self.hyper.update == SGD
                and self.hyper.l1 == 0 and self.hyper.l2 > 0
                and self.hyper.max_norm == 0 and 0 < decay < 1)

    cdef void _begin_scaling(self, floating *params) noexcept nogil:
        cdef Py_ssize_t l
        for l in range(self.layout.n_layers):
            if self._scaling.on[l]:
                begin_scaling(params + self.layout.w_offset[l],
                              self.layout.n_units[l] * self.layout.n_units[l + 1],
                              &self._scaled_layers_data[l])
        self._scaling.layers = self._scaled_layers_data

    cdef void _end_scaling(self, floating *params) noexcept nogil:
        """Fold the scales into the weights: the buffer holds W again."""
        cdef Py_ssize_t l
        if self._scaling.layers == NULL:
            return
        for l in range(self.layout.n_layers):
            if self._scaling.on[l]:
                fold_scale(params + self.layout.w_offset[l],
                           self.layout.n_units[l] * self.layout.n_units[l + 1],
                           &self._scaled_layers_data[l])
        self._scaling.layers = NULL

    def _check_call(self, RowSource rows, Py_ssize_t n_params, params_dtype):
        """The O(1) checks of a call: the rows were checked when their source
        was built; they must be this network's and this dtype's."""
        if rows.dtype != self.dtype or params_dtype != self.dtype:
            raise ValueError(
                f"The engine trains in {self.dtype}; got rows of {rows.dtype} and "
                f"params of {params_dtype}.")
        if rows.n_features != self._n_units[0]:
            raise ValueError(
                f"X has {rows.n_features} features; the network expects "
                f"{self._n_units[0]}.")
        if rows.n_classes != self._n_units[self.layout.n_layers]:
            raise ValueError(
                f"The rows' class codes index {rows.n_classes} classes; the network "
                f"has {self._n_units[self.layout.n_layers]} outputs.")
        if rows.multilabel != output_reads_indicators(self.layout.output):
            kinds = {True: "an indicator matrix", False: "class codes"}
            raise ValueError(
                f"The {_types.OutputLayer(self.layout.output).name} output layer "
                f"trains on {kinds[output_reads_indicators(self.layout.output)]}; "
                f"the rows hold {kinds[rows.multilabel]}.")
        if n_params != self.n_params:
            raise ValueError(
                f"params has {n_params} values; the layout needs {self.n_params}.")

    def weight_penalty(self, floating[::1] params):
        """The penalty l1 * sum|W| + l2 * sum W**2 of the weights in ``params``."""
        cdef Py_ssize_t l
        cdef double value = 0
        if params.shape[0] != self.n_params:
            raise ValueError(
                f"params has {params.shape[0]} values; the layout needs "
                f"{self.n_params}.")
        with nogil:
            for l in range(self.layout.n_layers):
                value += penalty(&params[0] + self.layout.w_offset[l],
                                 self.layout.n_units[l] * self.layout.n_units[l + 1],
                                 self.hyper.l1, self.hyper.l2)
        return value

    def uninformed_objective(self, floating[::1] params):
        """The objective of a model that knows nothing (uniform outputs) with
        the penalty of these weights: the yardstick of a blow-up."""
        return (uninformed_loss(self.layout.output,
                                self._n_units[self.layout.n_layers])
                + self.weight_penalty(params))

    def rebind(self, optimizer, unsigned long long seed):
        """Take ``optimizer``'s buffers and step counter (another optimizer of
        the rule and settings this engine was built with, checked as the
        constructor checks them) and restart the dropout stream from
        ``seed``: an engine kept for another ``partial_fit`` call
        (:mod:`skmlp._engine_reuse`)."""
        self._set_update_rule(optimizer, self.hyper.l1, self.hyper.l2)
        self._rng_state = seed

    def seed(self, unsigned long long seed):
        """Restart the dropout masks' random stream from ``seed``."""
        self._rng_state = seed

    @property
    def dropout_state(self):
        """The dropout masks' random stream as it is now: ``seed`` (or an
        engine configured with this seed) goes on from here."""
        return self._rng_state

    @property
    def learning_rate(self):
        return self.hyper.learning_rate

    @learning_rate.setter
    def learning_rate(self, double value):
        self.hyper.learning_rate = value

    def run_epoch(
        self,
        RowSource rows,                 # IN     the data, rows in the epoch's order
        floating[::1] params,           # IN/OUT flat parameters
        unsigned long long epoch=0,     # IN     which epoch's distortions to draw
    ):
        """Train on ``rows`` in minibatches of ``batch_size`` rows.

        With an augmenter, each row is distorted as its sample's stream draws
        it at ``epoch``: the same (seed, epoch, sample) gives the same bits,
        whatever the order of the rows.

        Returns a :class:`~skmlp._engine._types.Status`. ``loss_sum /
        weight_sum`` is the mean of the minibatch objectives, weighted by each
        minibatch's total sample weight. Raises ``KeyboardInterrupt`` (after
        finishing the current minibatch) when Ctrl-C is pressed; the progress
        attributes then describe the minibatches that were trained on.
        """
        cdef int status
        cdef unsigned int float_mode
        cdef bint scaling
        self._check_call(rows, params.shape[0],
                         _FLOAT32 if floating is float else _FLOAT64)
        self.loss_sum = 0
        self.weight_sum = 0
        self.n_samples_done = 0
        self._epoch = epoch
        if rows.n_rows == 0:
            return COMPLETED
        scaling = self._scaling_applies()
        with nogil:
            float_mode = flush_denormals()
            try:
                if scaling:
                    self._begin_scaling(&params[0])
                status = self._run_batches(rows, &params[0])
            finally:
                # Interrupted, diverged or done: the buffer holds W again.
                self._end_scaling(&params[0])
                restore_float_mode(float_mode)
        return status

    cdef int _run_batches(self, RowSource rows, floating *params) except -1 nogil:
        cdef Py_ssize_t n = rows.n_rows, start = 0, n_rows, n_batches = 0
        cdef StepResult step
        while start < n:
            n_rows = min(self.batch_size, n - start)
            step = self._step(rows, start, n_rows, params,
                              <floating *> self._grad_data, TRAIN, 0)
            # A minibatch of zero total weight carries no data: it was skipped,
            # as if its samples had been removed.
            if step.weight > 0:
                if not isfinite(step.data_loss):
                    return DIVERGED
                self.loss_sum += step.weight * _objective(
                    step.data_loss, step.weight, step.weight_penalty)
                self.weight_sum += step.weight
            self.n_samples_done += n_rows
            n_batches += 1
            start += n_rows
            if n_batches % self.signal_interval == 0 and start < n:
                with gil:
                    if PyErr_CheckSignals() == -1:
                        return -1
        return COMPLETED

    cdef StepResult _step(
        self,
        RowSource rows,             # IN
        Py_ssize_t start,           # IN     position of the minibatch in the order
        Py_ssize_t n_rows,          # IN
        floating *params,           # IN/OUT updated in place in TRAIN mode
        floating *grad,             # OUT    scratch in TRAIN mode, else the gradient
        StepMode mode,              # IN
        double loss_weight,         # IN     the GRADIENT modes: the sum of the
                                    #        weights J averages over
    ) noexcept nogil:
        """One step, shared by the epochs (TRAIN) and the full-batch gradient
        (GRADIENT_FIRST, then GRADIENT_ADD): gather the minibatch (and, in
        training, distort it), forward, output loss and deltas, backward and
        update (in training, projecting onto the max-norm ball). Nothing is
        back-propagated when the data loss is not finite, nor in training
        when the minibatch's weight is zero (its data loss is then 0)."""
        cdef floating *activations = <floating *> self._activations_data
        cdef floating *batch_weight = <floating *> self._batch_weight_data
        cdef Py_ssize_t n_layers = self.layout.n_layers
        cdef bint training = mode == TRAIN
        cdef const Hyper *hyper = &self.hyper if training else &self._gradient_hyper
        cdef double step_size
        cdef StepResult result
        result.weight = load_rows(rows, start, n_rows, activations, self._batch_y_data,
                                  self._batch_indicators_data, batch_weight)
        result.weight_penalty = 0
        result.data_loss = 0
        if training:
            if not result.weight > 0:
                return result
            loss_weight = result.weight
        if training and self._warp != NULL:
            augment_rows(activations, n_rows, &rows._order[start], self._epoch,
                         self._warp, <floating *> self._augment_scratch_data)
        _forward(&self.layout, params, activations, n_rows,
                 <floating *> self._masks_data, &self._rng_state, &self._scaling)
        result.data_loss = output_loss_delta(
            self.layout.output, activations + self.layout.a_offset[n_layers],
            self._batch_y_data, self._batch_indicators_data, batch_weight, n_rows,
            self._n_units[n_layers], 1 / loss_weight, self.layout.label_smoothing)
        if not isfinite(result.data_loss):
            return result
        step_size = begin_step(hyper, self._n_steps)
        result.weight_penalty = _backward(
            &self.layout, hyper, params, grad,
            <floating *> self._state_1_data, <floating *> self._state_2_data,
            activations, <floating *> self._deltas_data,
            <floating *> self._masks_data, n_rows, step_size, mode == GRADIENT_ADD,
            self._column_sq_data if training else NULL, &self._scaling)
        return result

    def loss_gradient(
        self,
        RowSource rows,                 # IN  the data; rows with a positive total weight
        floating[::1] params,           # IN  flat parameters
        floating[::1] grad,             # OUT flat gradient
    ):
        """Return the objective J over all of ``rows`` and write its gradient
        into ``grad`` (not finite, and ``grad`` meaningless, when the forward
        pass overflows).

        Works through the rows in chunks of ``batch_size``, the GEMMs summing
        the chunks' gradients, so it holds for any number of samples.
        """
        cdef Py_ssize_t n = rows.n_rows, start = 0, n_rows, l, n_w
        cdef double loss_weight, data_loss = 0, value = 0
        cdef floating *flat_grad
        self._check_call(rows, params.shape[0],
                         _FLOAT32 if floating is float else _FLOAT64)
        if grad.shape[0] != params.shape[0]:
            raise ValueError("grad must have the shape of params.")
        if n == 0:
            raise ValueError("loss_gradient needs at least one row.")
        flat_grad = &grad[0]
        with nogil:
            loss_weight = total_weight(rows)
            while start < n:
                n_rows = min(self.batch_size, n - start)
                data_loss += self._step(
                    rows, start, n_rows, &params[0], flat_grad,
                    GRADIENT_FIRST if start == 0 else GRADIENT_ADD, loss_weight,
                ).data_loss
                if not isfinite(data_loss):
                    break
                start += n_rows
            if isfinite(data_loss):
                for l in range(self.layout.n_layers):
                    n_w = self.layout.n_units[l] * self.layout.n_units[l + 1]
                    value += add_penalty_gradient(
                        flat_grad + self.layout.w_offset[l],
                        &params[0] + self.layout.w_offset[l], n_w, self.hyper.l1,
                        self.hyper.l2)
        return _objective(data_loss, loss_weight, value)
