"""Full-batch training with L-BFGS, for small data.

``scipy.optimize.minimize`` drives the search; the objective and its
gradient come from the compiled engine (``Engine.loss_gradient``), the same
forward and backward passes the minibatch solvers use.
"""

import numpy as np
from scipy.optimize import minimize


def minimize_lbfgs(engine, rows, params, *, max_iter, max_fun, tol, on_iteration):
    """Minimise the objective over all of the rows with L-BFGS-B, in place.

    Parameters
    ----------
    engine : skmlp._engine._engine.Engine
        The engine of the fit (its ``loss_gradient`` leaves the optimizer
        state alone).
    rows : skmlp._engine._rows.RowSource
        The training data.
    params : ndarray of shape (n_params,)
        Starting point; holds the last iterate on return (also after a
        ``KeyboardInterrupt``, which propagates).
    max_iter, max_fun : int
        Iteration and function-evaluation budgets.
    tol : float
        Gradient tolerance (``gtol``).
    on_iteration : callable
        Called as ``on_iteration(loss)`` after each iteration, with ``params``
        holding the iterate. Returning True stops the search.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        ``result.fun`` is ``inf`` when the objective overflowed at the
        starting point; ``params`` then hold the starting point.
    """
    grad = np.empty_like(params)
    last_iterate = params.copy()

    # L-BFGS-B works in float64; a float32 model is evaluated in float32.
    def objective(x):
        params[...] = x
        loss = engine.loss_gradient(rows, params, grad)
        if not (np.isfinite(loss) and np.isfinite(grad).all()):
            # An overflowing point: infinitely bad, so that the line search
            # steps back from it instead of moving there.
            return np.inf, np.zeros(len(x))
        return loss, grad.astype(np.float64)

    def callback(intermediate_result):
        if not np.isfinite(intermediate_result.fun):
            # A step taken from an overflowing start means nothing: stop.
            raise StopIteration
        params[...] = intermediate_result.x
        last_iterate[...] = params
        if on_iteration(float(intermediate_result.fun)):
            raise StopIteration

    try:
        result = minimize(
            objective,
            params.astype(np.float64),
            jac=True,
            method="L-BFGS-B",
            callback=callback,
            options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
        )
    except KeyboardInterrupt:
        # params may hold a line-search trial point: go back to the last iterate.
        params[...] = last_iterate
        raise
    # A search that never saw a finite objective (the data or the penalties
    # overflow at the starting point) ends where it started.
    params[...] = result.x if np.isfinite(result.fun) else last_iterate
    return result
