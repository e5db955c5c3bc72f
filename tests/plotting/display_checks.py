"""Assertions shared by the tests of the displays."""

import io

import matplotlib.axes
import matplotlib.image
import numpy as np


def assert_draws_something(figure):
    """The figure, saved as a PNG, is not blank: more than one colour."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=50)
    buffer.seek(0)
    pixels = matplotlib.image.imread(buffer, format="png")
    assert pixels.std() > 0
    colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
    assert len(colours) > 1


def assert_display_attributes(display):
    assert isinstance(display.ax_, matplotlib.axes.Axes)
    assert display.figure_ is display.ax_.figure
