"""The training engine in array API calls: the compiled engine's interface
and semantics, on any namespace and device.

:class:`ArrayAPIEngine` is built from the same
:class:`~skmlp._engine._config.EngineConfig` as the compiled
:class:`~skmlp._engine._engine.Engine` and offers what the fitter calls:
``run_epoch``, ``loss_gradient``, ``weight_penalty``,
``uninformed_objective``, ``learning_rate`` and the progress of the last
epoch (``loss_sum``, ``weight_sum``, ``n_samples_done``). It minimises the
same objective with the same steps (the update rules, penalties, dropout,
max-norm, label smoothing and augmentation of the compiled engine), on the
parameters' flat buffer laid out by :mod:`skmlp._network`.

Nothing in an epoch waits for the device: the loss of each minibatch is kept
on the device and read once, when the epoch ends; the minibatches' weights
come from the host's copy of the sample weights; random draws are made on
the device (:mod:`~skmlp._array_api._random`). Hence two differences from
the compiled engine, which checks each minibatch's loss as it goes:

- an epoch runs to its end even when a minibatch's loss is not finite; it
  is then reported as diverged (the fitter puts the weights back to the
  epoch's start) and the optimizer's state goes back to the epoch's start
  too (the compiled engine keeps the steps made before that minibatch);
- Ctrl-C takes effect between two minibatches, as in the compiled engine,
  through a SIGINT handler held for the epoch's length (in the main thread;
  the previous handler then runs, and raises ``KeyboardInterrupt``).
"""

import math
import signal
import threading

import numpy as np

from .._engine._types import Activation, OutputLayer, Status, Update
from ._kernels import (
    UPDATE_RULES,
    adam_step_size,
    add_penalty_gradient,
    backward,
    dropout_mask,
    forward,
    max_norm_factors,
    output_loss_delta,
    penalty,
    uninformed_loss,
)
from ._namespace import max_float_dtype, numpy_dtype, to_device, to_numpy
from ._random import DeviceUniform


class ArrayAPIEngine:
    """The training step of one fit, in array API calls.

    Parameters
    ----------
    config : skmlp._engine._config.EngineConfig
        As for the compiled engine; ``config.augmenter`` is an
        :class:`~skmlp._array_api._augment.ArrayAPIAugmenter` (or None), and
        the optimizer's state buffers are moved to ``device`` (the optimizer
        then holds the device's arrays).
    xp : namespace
        The arrays' namespace (``array_api_compat``'s wrapper where there is
        one).
    device : device of ``xp``

    Attributes
    ----------
    loss_sum, weight_sum, n_samples_done
        Progress of the last :meth:`run_epoch`, as the compiled engine's.
    """

    def __init__(self, config, *, xp, device):
        layout = config.layout
        if config.batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {config.batch_size}.")
        host_dtype = np.dtype(config.dtype)
        if host_dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {host_dtype}.")
        self.xp, self.device = xp, device
        self.dtype = xp.float32 if host_dtype == np.float32 else xp.float64
        self.batch_size = int(config.batch_size)
        self.n_params = layout.n_params
        self._loss_dtype = max_float_dtype(xp, device)
        self._set_layout(layout, config.activation, config.output, config.dropout)
        self._set_label_smoothing(config.label_smoothing)
        self._set_update_rule(config.optimizer, config.l1, config.l2)
        self._set_max_norm(config.max_norm)
        self._set_augmenter(config.augmenter)
        self.seed(config.seed)
        self.loss_sum = self.weight_sum = 0.0
        self.n_samples_done = 0

    # ------------------------------------------------------------ set-up

    def _set_layout(self, layout, activation, output, dropout):
        self.activation = Activation(activation)
        self.output = OutputLayer(output)
        self._shapes = layout.coef_shapes
        self._weight_offsets = [int(o) for o in layout.weight_offsets]
        self._bias_offsets = [int(o) for o in layout.bias_offsets]
        self.n_units = [int(n) for n in layout.n_units]
        n_hidden = len(self._shapes) - 1
        rates = np.zeros(n_hidden) if dropout is None else np.asarray(dropout, float)
        if rates.shape != (n_hidden,) or not np.all((rates >= 0) & (rates < 1)):
            raise ValueError(
                f"dropout must be one rate in [0, 1) per hidden layer ({n_hidden}), "
                f"got {dropout!r}."
            )
        self._dropout = [float(rate) for rate in rates]
        mask = layout.weight_mask()
        self._weight_mask = to_device(
            mask.astype(numpy_dtype(self.dtype)), self.xp, self.device
        )

    def _set_label_smoothing(self, label_smoothing):
        if not 0 <= label_smoothing < 1:
            raise ValueError(
                f"label_smoothing must be in [0, 1), got {label_smoothing}."
            )
        if label_smoothing > 0 and self.output != OutputLayer.SOFTMAX:
            raise ValueError(
                "label_smoothing applies to the SOFTMAX output layer; the "
                f"{self.output.name} output takes 0."
            )
        self.label_smoothing = float(label_smoothing)

    def _set_update_rule(self, optimizer, l1, l2):
        update = Update(optimizer.update)
        if update not in UPDATE_RULES and update != Update.GRADIENT:
            raise ValueError(f"Unknown update rule {update}.")
        self.update = update
        self._settings = dict(optimizer.hyper())
        self._optimizer = optimizer
        # The state on the device, the optimizer holding the device's arrays:
        # its state() is then the fitted model's, in the input's namespace.
        for name in optimizer.buffer_names:
            buffer = to_device(optimizer.buffers[name], self.xp, self.device)
            optimizer.buffers[name] = self.xp.astype(buffer, self.dtype)
        self._state = [optimizer.buffers[name] for name in optimizer.buffer_names]
        self._n_steps = int(optimizer.step_counter[0])
        self.l1, self.l2 = float(l1), float(l2)

    def _set_max_norm(self, max_norm):
        if max_norm is not None and not (0 < max_norm < math.inf):
            raise ValueError(
                f"max_norm must be a positive finite number, got {max_norm}."
            )
        self.max_norm = None if max_norm is None else float(max_norm)

    def _set_augmenter(self, augmenter):
        if augmenter is not None and augmenter.n_features != self.n_units[0]:
            raise ValueError(
                f"The augmenter distorts rows of {augmenter.n_features} values; "
                f"the engine trains on {self.n_units[0]}."
            )
        self.augmenter = augmenter

    def seed(self, seed):
        """Restart the dropout masks' random stream from ``seed``."""
        self._uniform = DeviceUniform(self.xp, self.device, seed)

    @property
    def learning_rate(self):
        return self._settings["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, value):
        self._settings["learning_rate"] = float(value)

    # --------------------------------------------------------- the passes

    def _layers(self, params):
        """The weight matrices and bias vectors: views (or slices) of the
        flat buffer, taken anew at each step."""
        xp = self.xp
        weights, biases = [], []
        for (n_in, n_out), w, b in zip(
            self._shapes, self._weight_offsets, self._bias_offsets
        ):
            weights.append(xp.reshape(params[w : w + n_in * n_out], (n_in, n_out)))
            biases.append(params[b : b + n_out])
        return weights, biases

    def _masks(self, n_rows):
        """Dropout masks of one minibatch, one per hidden layer (None where
        the rate is 0)."""
        return [
            dropout_mask(self.xp, self._uniform((n_rows, n_units), self.dtype), rate)
            if rate > 0
            else None
            for rate, n_units in zip(self._dropout, self.n_units[1:-1])
        ]

    def _data_gradient(self, params, X, targets, sample_weight, delta_scale):
        """Forward and backward passes of one minibatch: its weighted data
        loss (0-d), the flat gradient of ``delta_scale`` times it, and the
        weight matrices."""
        xp = self.xp
        weights, biases = self._layers(params)
        masks = self._masks(X.shape[0]) if any(self._dropout) else None
        units, inputs, logits = forward(xp, X, weights, biases, self.activation, masks)
        loss, delta = output_loss_delta(
            xp, self.output, logits, targets, sample_weight, delta_scale
        )
        weight_gradients, bias_gradients = backward(
            xp, weights, units, inputs, masks, delta, self.activation
        )
        pieces = []
        for gw, gb in zip(weight_gradients, bias_gradients):
            pieces += [xp.reshape(gw, (-1,)), gb]
        return loss, xp.concat(pieces), weights

    def _smoothed(self, targets):
        if self.label_smoothing == 0:
            return targets
        n_classes = targets.shape[1]
        return targets * (1.0 - self.label_smoothing) + self.label_smoothing / n_classes

    def _project(self, params):
        """Scale each hidden unit's incoming weights back onto the max-norm
        ball (the output layer's are left alone)."""
        xp = self.xp
        weights, _ = self._layers(params)
        for w, offset in zip(weights[:-1], self._weight_offsets):
            factors = max_norm_factors(xp, w, self.max_norm)
            params[offset : offset + w.shape[0] * w.shape[1]] = xp.reshape(
                w * factors, (-1,)
            )

    # ------------------------------------------------------------ checks

    def _check_call(self, rows, params):
        if rows.dtype != self.dtype or params.dtype != self.dtype:
            raise ValueError(
                f"The engine trains in {self.dtype}; got rows of {rows.dtype} and "
                f"params of {params.dtype}."
            )
        if rows.n_features != self.n_units[0]:
            raise ValueError(
                f"X has {rows.n_features} features; the network expects "
                f"{self.n_units[0]}."
            )
        if rows.n_classes != self.n_units[-1]:
            raise ValueError(
                f"The rows' targets have {rows.n_classes} outputs; the network "
                f"has {self.n_units[-1]}."
            )
        if rows.multilabel != (self.output == OutputLayer.SIGMOID):
            raise ValueError(
                f"The {self.output.name} output layer trains on "
                f"{'an indicator matrix' if rows.multilabel else 'class codes'}: "
                "the rows hold the other kind of targets."
            )
        if params.shape != (self.n_params,):
            raise ValueError(
                f"params has {params.shape[0]} values; the layout needs "
                f"{self.n_params}."
            )

    # ---------------------------------------------------- the objective

    def weight_penalty(self, params):
        """The penalty l1 * sum|W| + l2 * sum W**2 of the weights in ``params``."""
        if params.shape != (self.n_params,):
            raise ValueError(
                f"params has {params.shape[0]} values; the layout needs "
                f"{self.n_params}."
            )
        weights, _ = self._layers(params)
        return float(penalty(self.xp, weights, self.l1, self.l2))

    def uninformed_objective(self, params):
        """The objective of a model that knows nothing (uniform outputs) with
        the penalty of these weights: the yardstick of a blow-up."""
        return uninformed_loss(self.output, self.n_units[-1]) + self.weight_penalty(
            params
        )

    def loss_gradient(self, rows, params, grad):
        """Return the objective J over all of ``rows`` and write its gradient
        into ``grad`` (not finite, and ``grad`` meaningless, when the forward
        pass overflows); in chunks of ``batch_size`` rows, neither distorted
        nor constrained."""
        xp = self.xp
        self._check_call(rows, params)
        if grad.shape != params.shape:
            raise ValueError("grad must have the shape of params.")
        if rows.n_rows == 0:
            raise ValueError("loss_gradient needs at least one row.")
        order, targets, sample_weight = rows.epoch()
        targets = self._smoothed(targets)
        total_weight = rows.total_weight()
        data_loss, flat = 0.0, None
        for start in range(0, rows.n_rows, self.batch_size):
            stop = min(start + self.batch_size, rows.n_rows)
            loss, chunk, _ = self._data_gradient(
                params,
                xp.take(rows.X, order[start:stop], axis=0),
                targets[start:stop, ...],
                sample_weight[start:stop],
                1.0 / total_weight,
            )
            data_loss = data_loss + xp.astype(loss, self._loss_dtype)
            flat = chunk if flat is None else flat + chunk
        weights, _ = self._layers(params)
        value = penalty(xp, weights, self.l1, self.l2)
        flat = add_penalty_gradient(
            xp, flat, params, self._weight_mask, self.l1, self.l2
        )
        grad[...] = flat
        data_loss = float(data_loss)
        if not math.isfinite(data_loss):
            return data_loss
        return data_loss / total_weight + float(value)

    # --------------------------------------------------------- the epoch

    def run_epoch(self, rows, params, epoch=0):
        """Train on ``rows`` in minibatches of ``batch_size`` rows, updating
        ``params`` (and the optimizer's state) in place.

        Returns a :class:`~skmlp._engine._types.Status`; ``loss_sum /
        weight_sum`` is the mean of the minibatch objectives, weighted by each
        minibatch's total sample weight, as the compiled engine reports it.
        """
        xp = self.xp
        self._check_call(rows, params)
        if self.update == Update.GRADIENT:
            raise ValueError("run_epoch needs an update rule; GRADIENT has none.")
        self.loss_sum = self.weight_sum = 0.0
        self.n_samples_done = 0
        if rows.n_rows == 0:
            return Status.COMPLETED
        n, batch_size = rows.n_rows, self.batch_size
        order, targets, sample_weight = rows.epoch()
        targets = self._smoothed(targets)
        batch_weights = rows.batch_weights(batch_size)
        n_batches = len(batch_weights)
        transforms = None
        if self.augmenter is not None:
            transforms = self.augmenter.epoch_transforms(epoch, rows.n_samples)
        start_state = [xp.asarray(buffer, copy=True) for buffer in self._state]
        start_steps = self._n_steps
        losses = xp.zeros(n_batches, dtype=self._loss_dtype, device=self.device)
        penalties = None
        if self.l1 != 0 or self.l2 != 0:
            penalties = xp.zeros(n_batches, dtype=self._loss_dtype, device=self.device)
        rule = UPDATE_RULES[self.update]
        with _InterruptsBetweenSteps() as interrupts:
            for batch, start in enumerate(range(0, n, batch_size)):
                stop = min(start + batch_size, n)
                # A minibatch of zero total weight carries no data: skipped, as
                # if its samples had been removed.
                if batch_weights[batch] > 0:
                    self._train_step(
                        rows,
                        params,
                        order[start:stop],
                        targets[start:stop, ...],
                        sample_weight[start:stop],
                        batch_weights[batch],
                        (batch, losses, penalties),
                        rule,
                        transforms,
                    )
                if interrupts.pending:
                    self._tally(losses, penalties, batch_weights, batch + 1, n)
                    self._optimizer.step_counter[0] = self._n_steps
                    interrupts.deliver()
        status = self._tally(losses, penalties, batch_weights, n_batches, n)
        if status == Status.DIVERGED:
            for buffer, start_buffer in zip(self._state, start_state):
                buffer[...] = start_buffer
            self._n_steps = start_steps
        self._optimizer.step_counter[0] = self._n_steps
        return status

    def _train_step(
        self,
        rows,
        params,
        indices,
        targets,
        sample_weight,
        weight,
        record,
        rule,
        transforms,
    ):
        """One minibatch: gather (and distort) its rows, forward, loss,
        backward, the penalty's gradient, the update rule's step, the
        max-norm projection; its data loss and the penalty of the weights
        before the step go to ``record``'s arrays, on the device."""
        xp = self.xp
        X = xp.take(rows.X, indices, axis=0)
        if transforms is not None:
            X = self.augmenter.distort(X, indices, transforms)
        loss, grad, weights = self._data_gradient(
            params, X, targets, sample_weight, 1.0 / float(weight)
        )
        batch, losses, penalties = record
        losses[batch] = xp.astype(loss, self._loss_dtype)
        if penalties is not None:
            penalties[batch] = xp.astype(
                penalty(xp, weights, self.l1, self.l2), self._loss_dtype
            )
        grad = add_penalty_gradient(
            xp, grad, params, self._weight_mask, self.l1, self.l2
        )
        step_size = 0.0
        if self.update == Update.ADAM:
            # Adam counts its steps (the compiled engine's begin_step).
            self._n_steps += 1
            settings = self._settings
            step_size = adam_step_size(
                settings["learning_rate"],
                settings["beta_1"],
                settings["beta_2"],
                self._n_steps,
            )
        rule(xp, params, grad, self._state, self._settings, step_size)
        if self.max_norm is not None:
            self._project(params)

    def _tally(self, losses, penalties, batch_weights, n_batches, n_rows):
        """Read the first ``n_batches`` minibatches' losses from the device
        (the epoch's one synchronisation) and add them up as the compiled
        engine does: stop at the first that is not finite."""
        if penalties is None:
            losses, penalties = to_numpy(losses), np.zeros(losses.shape[0])
        else:
            losses, penalties = to_numpy(self.xp.stack([losses, penalties]))
        self.loss_sum = self.weight_sum = 0.0
        self.n_samples_done = 0
        for batch in range(n_batches):
            weight = batch_weights[batch]
            if weight > 0:
                if not math.isfinite(losses[batch]):
                    return Status.DIVERGED
                self.loss_sum += weight * (
                    float(losses[batch]) / weight + float(penalties[batch])
                )
                self.weight_sum += weight
            self.n_samples_done += min(
                self.batch_size, n_rows - batch * self.batch_size
            )
        return Status.COMPLETED


class _InterruptsBetweenSteps:
    """Hold Ctrl-C (SIGINT) until the current minibatch is done.

    In the main thread, a handler that only notes the signal is installed
    for the block; :meth:`deliver` then runs the handler that was there
    before (Python's raises ``KeyboardInterrupt``), where the engine can
    stop cleanly. Elsewhere (signals reach the main thread only) it does
    nothing.
    """

    def __init__(self):
        self.pending = []
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if callable(previous):
                self._previous = previous
                signal.signal(signal.SIGINT, self._note)
        return self

    def _note(self, signum, frame):
        self.pending.append((signum, frame))

    def deliver(self):
        """Run the previous handler for the noted signal (once)."""
        signum, frame = self.pending[0]
        self.pending.clear()
        previous = self._previous
        self._restore()
        previous(signum, frame)

    def _restore(self):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def __exit__(self, *exc_info):
        self._restore()
        return False
