"""The learning-rate schedules of :mod:`skmlp._schedules`."""

import math

import pytest

from skmlp._schedules import SCHEDULES, scheduled_learning_rate


def _rate(schedule, **progress):
    settings = dict(epoch=0, max_epochs=10, samples_seen=0, power_t=0.5, decay=0.1)
    return scheduled_learning_rate(schedule, 0.2, **{**settings, **progress})


@pytest.mark.parametrize("schedule", ["constant", "adaptive"])
def test_constant_and_adaptive_start_every_epoch_at_the_base_rate(schedule):
    # 'adaptive' is divided by the stopping rule, not by the schedule.
    assert _rate(schedule, epoch=7, samples_seen=10**6) == 0.2


def test_invscaling_follows_the_samples_seen_as_mlpclassifier():
    assert _rate("invscaling", samples_seen=0) == 0.2
    assert _rate("invscaling", samples_seen=99) == pytest.approx(0.2 / 10)
    assert _rate("invscaling", samples_seen=7, power_t=1.0) == pytest.approx(0.2 / 8)


def test_inverse_time_decays_with_the_epoch():
    assert _rate("inverse_time", epoch=0) == 0.2
    assert _rate("inverse_time", epoch=10, decay=0.1) == pytest.approx(0.1)


def test_cosine_goes_from_the_base_rate_to_zero_over_max_epochs():
    assert _rate("cosine", epoch=0) == 0.2
    assert _rate("cosine", epoch=5, max_epochs=10) == pytest.approx(0.1)
    assert _rate("cosine", epoch=10, max_epochs=10) == pytest.approx(0, abs=1e-15)
    assert _rate("cosine", epoch=3, max_epochs=12) == pytest.approx(
        0.2 * (1 + math.cos(math.pi / 4)) / 2
    )


def test_every_schedule_is_an_option_of_the_estimator():
    from skmlp import MLPDigitClassifier

    (options,) = [
        c.options for c in MLPDigitClassifier._parameter_constraints["lr_schedule"]
    ]
    assert options == set(SCHEDULES)
