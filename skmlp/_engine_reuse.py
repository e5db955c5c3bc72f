"""An estimator's engine, kept from one ``partial_fit`` call to the next.

Building a compiled :class:`~skmlp._engine._engine.Engine` (checking its
configuration, laying out and allocating its scratch) took 0.1 ms, a ninth of
a ``partial_fit`` epoch of a 64-100-10 network on load_digits; successive
calls of one estimator build the same engine. The last one is kept per
estimator (in a weak mapping: nothing is added to the estimator, which
pickles, clones and copies as before) and reused when the new call's
configuration is the same, its optimizer buffers bound again (each call's
optimizer has buffers of its own) and its dropout stream reseeded.

A kept engine is taken out of the mapping while its fit runs and put back
when it ends: a ``partial_fit`` nested in another (from a callback; fits of
one estimator nest, in one thread, and otherwise run one at a time) builds
an engine of its own. An engine with an augmenter is never kept: the
augmenter is seeded per call. A ``fit`` drops the kept engine.
"""

import weakref

import numpy as np

_LAST_ENGINES = weakref.WeakKeyDictionary()


def take_engine(owner, key, config, build):
    """The engine of ``config`` for a ``partial_fit`` of ``owner``: the one
    its previous call kept, if that was built from an equal configuration
    (taken out of the mapping until :func:`keep_engine` puts it back), else
    ``build(config)``.

    Parameters
    ----------
    owner : object
        The estimator being fitted (weakly referenced).
    key : tuple or None
        ``reuse_key(config)``.
    config : skmlp._engine._config.EngineConfig
    build : callable
        Builds an engine from ``config``.

    Returns
    -------
    engine : Engine
    """
    kept = _LAST_ENGINES.pop(owner, None)
    if key is not None and kept is not None and kept[0] == key:
        engine = kept[1]
        engine.rebind(config.optimizer, config.seed)
        return engine
    return build(config)


def keep_engine(owner, key, engine):
    """Keep ``engine``, built from a configuration of reuse key ``key``, for
    ``owner``'s next ``partial_fit`` (nothing is kept for a key of None: a
    configuration with an augmenter)."""
    if key is not None:
        _LAST_ENGINES[owner] = (key, engine)


def forget_engine(owner):
    """Drop the engine kept for ``owner`` (a ``fit`` starts over)."""
    _LAST_ENGINES.pop(owner, None)


def reuse_key(config):
    """What an engine is built from, besides the optimizer's buffers and the
    dropout seed (which a kept engine takes again), as a comparable tuple; or
    None for a configuration whose engine is not kept."""
    if config.augmenter is not None:
        return None
    optimizer = config.optimizer
    dropout = (
        None if config.dropout is None else tuple(np.ravel(config.dropout).tolist())
    )
    return (
        tuple(int(n) for n in config.layout.n_units),
        config.batch_size,
        np.dtype(config.dtype),
        int(config.activation),
        int(config.output),
        type(optimizer),
        tuple(sorted(optimizer.hyper().items())),
        config.l1,
        config.l2,
        dropout,
        config.signal_interval,
        config.max_norm,
        config.label_smoothing,
        config.scaled_decay,
    )
