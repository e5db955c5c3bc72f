"""Reading image files for ``skmlp predict`` (skmlp/cli/_images.py)."""

import numpy as np
import pytest
from cli_helpers import FAST, assert_one_line_error, run, write_png

from skmlp.cli import CommandError, main
from skmlp.cli._images import area_resize, image_to_features, read_image


def test_unreadable_image_reports_and_goes_on(capsys, tmp_path):
    model = tmp_path / "model.joblib"
    assert main(["train", *FAST, "--save", str(model)]) == 0
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    good = write_png(tmp_path / "good.png", np.kron(np.eye(4), np.ones((2, 2))) * 255)
    capsys.readouterr()
    argv = ["predict", str(model), str(junk), str(good), "--trust-pickle"]
    status, out, err = run(capsys, argv)
    assert status == 1
    assert_one_line_error(err)
    assert "junk.png" in err
    assert out.startswith(f"{good}: ")  # the good image is still classified


def test_pgm_variants(tmp_path):
    sixteen_bit = tmp_path / "wide.pgm"
    sixteen_bit.write_bytes(
        b"P5 2 1 65535\n" + np.array([0, 65535], dtype=">u2").tobytes()
    )
    np.testing.assert_allclose(read_image(sixteen_bit), [[0.0, 1.0]])
    plain = tmp_path / "plain.pgm"
    plain.write_text("P2\n# comment\n2 2\n# another\n4\n0 1\n2 4\n")
    np.testing.assert_allclose(read_image(plain), [[0, 0.25], [0.5, 1.0]])
    truncated = tmp_path / "short.pgm"
    truncated.write_bytes(b"P5\n4 4\n255\n" + bytes(5))
    with pytest.raises(CommandError, match="truncated"):
        read_image(truncated)


def test_area_resize():
    rng = np.random.RandomState(0)
    image = rng.rand(6, 6)
    halved = area_resize(image, 3, 3)
    np.testing.assert_allclose(halved, image.reshape(3, 2, 3, 2).mean(axis=(1, 3)))
    # Any ratio keeps the mean grey level, up or down.
    for shape in [(5, 5), (7, 4), (13, 13)]:
        assert area_resize(image, *shape).mean() == pytest.approx(image.mean())


def test_image_to_features_inverts_light_backgrounds():
    digit = np.zeros((10, 10))
    digit[2:8, 4:6] = 1.0
    on_black = image_to_features(digit, 5)
    on_white = image_to_features(1.0 - digit, 5)
    np.testing.assert_allclose(on_black, on_white)
    assert on_black.shape == (25,) and on_black.max() == pytest.approx(1.0)
    # A non-square image is padded, not stretched: the digit stays upright.
    wide = np.zeros((10, 20))
    wide[2:8, 9:11] = 1.0
    features = image_to_features(wide, 10).reshape(10, 10)
    assert features[:, 5].sum() > features[5, :].sum()
    with pytest.raises(CommandError, match="blank"):
        image_to_features(np.full((8, 8), 0.5), 8)
