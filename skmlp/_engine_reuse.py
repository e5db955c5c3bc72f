"""An estimator's engine, kept from one ``partial_fit`` call to the next.

Building a compiled :class:`~skmlp._engine._engine.Engine` (checking its
configuration, laying out and allocating its scratch) took 0.1 ms, a ninth of
a ``partial_fit`` epoch of a 64-100-10 network on load_digits; successive
calls of one estimator build the same engine. The last one is kept per
estimator (in a weak mapping: nothing is added to the estimator, which
pickles, clones and copies as before) and reused when the new call's
configuration is the same, its optimizer buffers bound again (each call's
optimizer has buffers of its own) and its dropout stream reseeded.

Fits of one estimator run one at a time (``one_fit_at_a_time``), so a kept
engine never serves two fits at once. An engine with an augmenter is never
kept: the augmenter is seeded per call.
"""

import weakref

import numpy as np

_LAST_ENGINES = weakref.WeakKeyDictionary()


def engine_for(owner, config, build):
    """The engine of ``config`` for a ``partial_fit`` of ``owner``: the one
    its previous call built, if that was built from an equal configuration,
    else ``build(config)``, kept for the next call.

    Parameters
    ----------
    owner : object
        The estimator being fitted (weakly referenced).
    config : skmlp._engine._config.EngineConfig
    build : callable
        Builds an engine from ``config``.

    Returns
    -------
    engine : Engine
    """
    key = _reuse_key(config)
    if key is None:
        return build(config)
    kept = _LAST_ENGINES.get(owner)
    if kept is not None and kept[0] == key:
        engine = kept[1]
        engine.rebind(config.optimizer, config.seed)
        return engine
    engine = build(config)
    _LAST_ENGINES[owner] = (key, engine)
    return engine


def _reuse_key(config):
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
