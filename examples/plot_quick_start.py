"""
===========================================
Quick start: classify scikit-learn's digits
===========================================

Train an :class:`~skmlp.MLPDigitClassifier` on scikit-learn's 8 x 8
``load_digits`` images, look at its test accuracy and per-class report, and at
the three pictures a user of a digit classifier wants first: how training went,
where the mistakes are, and which digits it got wrong.
"""

# %%
# The data
# --------
# 1,797 grey images of 8 x 8 pixels, values 0 to 16. Scaled to [0, 1], as the
# networks of the tutorials expect, and split in a fixed, stratified way.
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print(f"{len(X_train)} training and {len(X_test)} test images of {X.shape[1]} pixels")

# %%
# Train
# -----
# One hidden layer of 100 ReLU units, Adam, and early stopping: 10 % of the
# training images are held out, training stops when their accuracy stops
# improving, and the model keeps the weights of its best epoch.
from skmlp import MLPDigitClassifier

clf = MLPDigitClassifier(
    hidden_layer_sizes=(100,),
    learning_rate=1e-3,
    early_stopping=True,
    max_iter=200,
    random_state=0,
)
clf.fit(X_train, y_train)
print(
    f"stopped after {clf.n_iter_} epochs; best validation accuracy "
    f"{clf.best_validation_score_:.4f}"
)

# %%
# Evaluate
# --------
from sklearn.metrics import classification_report

print(f"test accuracy: {clf.score(X_test, y_test):.4f}")
print(classification_report(y_test, clf.predict(X_test), digits=3))

# %%
# How training went
# -----------------
# The training loss (the objective, with its penalty) and the accuracy on the
# held-out images, epoch by epoch.
from skmlp.plotting import TrainingCurveDisplay

TrainingCurveDisplay.from_estimator(clf)

# %%
# Where the mistakes are
# ----------------------
# scikit-learn's own confusion matrix display, re-exported by
# :mod:`skmlp.plotting`.
from skmlp.plotting import ConfusionMatrixDisplay

ConfusionMatrixDisplay.from_estimator(clf, X_test, y_test)

# %%
# The digits it got wrong
# -----------------------
# Each with its true label and the model's answer.
from skmlp.plotting import MisclassifiedDigitsDisplay

MisclassifiedDigitsDisplay.from_estimator(clf, X_test, y_test)
