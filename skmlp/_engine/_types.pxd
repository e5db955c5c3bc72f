# Structs and enums shared by the engine's modules.
#
# Python reads the enums as IntEnums of skmlp._engine._types (the records of
# skmlp._layers and skmlp._optimizers name their codes).


cdef extern from "_vector_passes.h" nogil:
    # The hidden layers' activations: the C header lists, numbers and names
    # them (SKMLP_ACTIVATIONS), and its passes switch on them; Cython names
    # only the member it uses itself. _types.pyx builds the Python enum from
    # the header's names.
    cdef enum Activation "skmlp_activation":
        IDENTITY "SKMLP_ACTIVATION_IDENTITY"  # the output layer's: logits pass through
    cdef enum:
        N_ACTIVATIONS "SKMLP_N_ACTIVATIONS"
    const char *activation_name "skmlp_activation_name"(int code)


cpdef enum OutputLayer:
    # The output units and the loss the engine minimises through them: the
    # kernels are _losses.pyx's, the record skmlp._layers.OUTPUT_LAYERS'.
    SOFTMAX = 0      # softmax + cross-entropy over exclusive classes
    SIGMOID = 1      # a sigmoid per label + binary cross-entropy summed over the
                     # labels (multilabel targets)


cpdef enum Update:
    # How a training step turns gradients into new weights: the passes are
    # _update_rules.pyx's, the optimizers skmlp._optimizers'.
    SGD = 0          # w -= lr * g, the GEMM accumulating straight into w (no L1)
    MOMENTUM = 1     # v = mu * v - lr * g, the GEMM accumulating into v; w += v
    NESTEROV = 2     # as MOMENTUM, then w += mu * v - lr * g
    ADAM = 3
    GRADIENT = 4     # no update: write (or add) the data gradient into grad


cpdef enum Status:
    COMPLETED = 0    # every minibatch of the epoch was trained on
    DIVERGED = 1     # a minibatch gave a non-finite loss; it did not update the weights


cdef struct Layout:
    # Where everything of one network lives, in the flat parameter buffer and
    # in the engine's scratch buffers; computed by skmlp._network.
    Py_ssize_t n_layers          # number of weight matrices
    const Py_ssize_t *n_units    # (n_layers + 1,) units per layer, input first
    const Py_ssize_t *w_offset   # (n_layers,) where W_l starts in the parameter buffer
    const Py_ssize_t *b_offset   # (n_layers,) where b_l starts
    const Py_ssize_t *a_offset   # (n_layers + 1,) where layer l's activations start
    const Py_ssize_t *d_offset   # (n_layers,) where hidden layer l's deltas start
    const double *dropout        # (n_layers,) dropout rate of hidden layer l (l >= 1)
    Activation activation        # of the hidden layers
    OutputLayer output           # of the last layer
    double label_smoothing       # eps of SOFTMAX's targets (1 - eps) onehot + eps / K; 0: none


cdef struct Hyper:
    # The update rule and its settings; learning_rate may change between epochs.
    Update update
    double learning_rate
    double momentum
    double beta_1
    double beta_2
    double epsilon
    double l1
    double l2
    double max_norm              # radius of each hidden unit's incoming weights; 0: none
