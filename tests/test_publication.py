"""Publication of a fitted model (:mod:`skmlp._publication`): a draft, its
fitted attributes swapped in at once, one fit at a time."""

import threading

from skmlp import MLPDigitClassifier
from skmlp._publication import (
    draft_of,
    is_fitted_attribute,
    one_fit_at_a_time,
    publish,
)


def _fitted():
    clf = MLPDigitClassifier(hidden_layer_sizes=(3,))
    clf.__dict__.update(
        coefs_=["old"], intercepts_=["old"], classes_="old", _optimizer_state={}
    )
    return clf


def test_fitted_attributes_are_the_trailing_underscore_ones_and_the_state():
    assert is_fitted_attribute("coefs_") and is_fitted_attribute("_optimizer_state")
    assert not is_fitted_attribute("hidden_layer_sizes")
    assert not is_fitted_attribute("__dict__")


def test_a_draft_from_scratch_has_no_weights_nor_optimizer_state():
    clf = _fitted()
    draft = draft_of(clf, first_call=True)
    assert "coefs_" not in vars(draft) and "_optimizer_state" not in vars(draft)
    assert draft.classes_ == "old" and draft is not clf
    assert draft_of(clf, first_call=False).coefs_ == ["old"]


def test_publishing_replaces_every_fitted_attribute_at_once():
    clf = _fitted()
    draft = draft_of(clf, first_call=True)
    clf.set_params(hidden_layer_sizes=(5,))  # changed meanwhile: kept
    publish(clf, draft, {"coefs_": ["new"], "intercepts_": ["new"]})
    assert clf.coefs_ == ["new"] and clf.classes_ == "old"
    assert "_optimizer_state" not in vars(clf)
    assert clf.hidden_layer_sizes == (5,)


def test_fits_of_one_estimator_run_one_at_a_time():
    clf, other = _fitted(), _fitted()
    inside, order = threading.Event(), []

    def fit():
        with one_fit_at_a_time(clf):
            order.append("second")

    with one_fit_at_a_time(clf):
        with one_fit_at_a_time(clf):  # reentrant: a fit may nest another
            with one_fit_at_a_time(other):  # another estimator does not wait
                pass
        thread = threading.Thread(target=fit)
        thread.start()
        inside.wait(0.2)
        order.append("first")
    thread.join()
    assert order == ["first", "second"]
