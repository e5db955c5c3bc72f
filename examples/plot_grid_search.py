"""
=============================================
Grid search over the learning rate and the L2
=============================================

The two parameters a user of the Theano tutorials tunes first are the step
size (``learning_rate``) and the L2 penalty (``l2``). An
:class:`~skmlp.MLPDigitClassifier` at the end of a scikit-learn
:class:`~sklearn.pipeline.Pipeline` is searched like any scikit-learn
estimator, here with :class:`~sklearn.model_selection.GridSearchCV`, and the
cross-validated accuracy of every pair is drawn as a heat map.

``l2`` multiplies ``sum W**2`` in the objective as it is, not divided by the
batch size: MLPClassifier's ``alpha`` is ``l2 = alpha / (2 * batch_size)``
(see :doc:`/user_guide/objective`).
"""

# %%
# The search
# ----------
# Plain minibatch SGD with Nesterov momentum, 40 epochs per fit, 4 x 4
# settings, 3 folds: 48 fits of a 64-100-10 network, a few seconds in all.
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skmlp import MLPDigitClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

pipe = make_pipeline(
    MinMaxScaler(),
    MLPDigitClassifier(
        hidden_layer_sizes=(100,),
        solver="sgd",
        batch_size=32,
        max_iter=40,
        random_state=0,
    ),
)
learning_rates = [0.001, 0.003, 0.01, 0.03]
l2_penalties = [0.0, 1e-4, 1e-3, 1e-2]
search = GridSearchCV(
    pipe,
    {
        "mlpdigitclassifier__learning_rate": learning_rates,
        "mlpdigitclassifier__l2": l2_penalties,
    },
    cv=3,
)
with warnings.catch_warnings():
    # The smallest steps have not converged after 40 epochs: that is what the
    # search is to show, so their ConvergenceWarnings are not printed.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)
print("best:", search.best_params_)
print(
    f"cross-validated accuracy {search.best_score_:.4f}, "
    f"test accuracy {search.score(X_test, y_test):.4f}"
)

# %%
# The results
# -----------
# ``cv_results_`` lists the settings in the order of ``ParameterGrid``: the
# parameter names sorted, the last one varying fastest.
import matplotlib.pyplot as plt

scores = search.cv_results_["mean_test_score"].reshape(
    len(l2_penalties), len(learning_rates)
)
fig, ax = plt.subplots(figsize=(6, 4.5))
image = ax.imshow(scores, cmap="viridis", origin="lower")
ax.set_xticks(range(len(learning_rates)), [str(rate) for rate in learning_rates])
ax.set_yticks(range(len(l2_penalties)), [str(l2) for l2 in l2_penalties])
ax.set_xlabel("learning_rate")
ax.set_ylabel("l2")
middle = (scores.min() + scores.max()) / 2
for (row, column), score in np.ndenumerate(scores):
    color = "black" if score > middle else "white"
    ax.text(column, row, f"{score:.3f}", ha="center", va="center", color=color)
fig.colorbar(image, ax=ax, label="mean cross-validated accuracy")
ax.set_title("40 epochs of SGD on load_digits")
fig.tight_layout()

# %%
# The smallest steps have not converged in 40 epochs, and the largest penalty
# pulls the weights so hard towards zero that it costs accuracy at every step
# size. The same search over MLPClassifier's ``alpha`` would need ``alpha = 2 *
# batch_size * l2``: 0.0064 for ``l2=1e-4`` at batch size 32.
