"""The accuracy and per-class report that ``train`` and ``evaluate`` print."""

import numpy as np


def print_scores(model, data):
    """Print ``model``'s accuracy and classification report on the test images."""
    from sklearn.metrics import classification_report

    y_pred = model.predict(data.X_test)
    n_right = int(np.sum(y_pred == data.y_test))
    n_test = len(data.y_test)
    print(
        f"Test accuracy: {n_right / n_test:.4f} ({n_right} of {n_test} test images "
        "right)"
    )
    print()
    print(classification_report(data.y_test, y_pred, digits=3, zero_division=0))
