"""``skmlp train --augment [KEY=VALUE ...]`` and ``--max-norm R``."""

import re

import pytest
from cli_helpers import FAST, assert_one_line_error, run

from skmlp.cli._model_io import load_model
from skmlp.cli._options import build_classifier
from skmlp.cli._parser import build_parser


def _parse(argv):
    return build_parser().parse_args(["train", *argv])


def test_augment_alone_takes_the_defaults_and_settings_change_them():
    assert _parse([]).augment is None
    assert _parse(["--augment"]).augment == {}
    args = _parse(
        ["--augment", "rotation=8", "scale=0.8,1.2", "flip=true", "shift=1.5"]
    )
    assert args.augment == {
        "rotation": 8,
        "scale": (0.8, 1.2),
        "flip": True,
        "shift": 1.5,
    }
    assert build_classifier(args).augment == args.augment


def test_erasing_settings_reach_the_estimator():
    args = _parse(
        ["--augment", "erase=0.5", "erase_area=0.02,0.1", "erase_ratio=0.5,2"]
    )
    assert args.augment == {
        "erase": 0.5,
        "erase_area": (0.02, 0.1),
        "erase_ratio": (0.5, 2),
    }
    assert build_classifier(args).augment == args.augment


def test_help_lists_the_erasing_settings(capsys):
    status, out, _ = run(capsys, ["train", "--help"])
    assert status == 0
    assert "erase_area=LOW,HIGH" in " ".join(out.split())


def test_max_norm_sets_its_parameter():
    assert build_classifier(_parse([])).max_norm is None
    assert build_classifier(_parse(["--max-norm", "3.5"])).max_norm == 3.5


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--augment", "rotation=-5"],
            r"--augment: The 'rotation' parameter of DigitAugmentation must be a "
            r"float in the range \[0.0, 180.0\]. Got -5 instead.",
        ),
        (["--augment", "rotation"], "--augment: expected KEY=VALUE settings"),
        (["--augment", "spin=3"], r"--augment: unknown setting\(s\) 'spin'"),
        (
            ["--augment", "scale=1"],
            r"--augment: The 'scale' parameter .* must be a pair \(low, high\)",
        ),
        (["--augment", "flip=maybe"], "--augment: The 'flip' parameter .* 'bool'"),
        (["--augment", "shift=nan"], "--augment: The 'shift' parameter .* range"),
        (
            ["--augment", "shift=1e308"],
            r"--augment: These augmentation settings blank the training images: "
            r"shift=1e\+308 moves 100% of the images of 8 x 8 pixels",
        ),
        (
            ["--max-norm", "0"],
            r"--max-norm: expected a float in the range \(0.0, inf\)",
        ),
        (["--max-norm=-1"], "--max-norm: expected a float"),
        (["--max-norm", "inf"], "--max-norm: expected a finite number"),
        (["--augment", "--solver", "lbfgs"], "--augment needs a minibatch solver"),
        (
            ["--augment", "--max-norm", "3", "--solver", "lbfgs"],
            "--augment and --max-norm need a minibatch solver",
        ),
        (
            ["--augment", "image_shape=4,4"],
            r"--augment: Augmentation's image_shape=\(4, 4\) holds 16 pixels",
        ),
    ],
)
def test_bad_settings_are_usage_errors(capsys, argv, message):
    status, out, err = run(capsys, ["train", *FAST, *argv])
    assert status == 2
    assert_one_line_error(err)
    assert re.search(message, err), err
    assert "Test accuracy" not in out


def test_training_with_augmentation_and_max_norm(capsys, tmp_path):
    """The images' shape comes from the data set (8 x 8 for load_digits); the
    saved model keeps its settings and loads again."""
    model = tmp_path / "m.skops"
    pytest.importorskip("skops")
    argv = ["train", *FAST, "--augment", "rotation=8", "shift=1", "elastic_alpha=2"]
    argv += ["--max-norm", "2", "--save", str(model)]
    status, out, err = run(capsys, argv)
    assert status == 0, err
    assert (
        "max-norm 2, augmented by DigitAugmentation(elastic_alpha=2, "
        "image_shape=(8, 8), rotation=8, shift=1)" in out
    )
    status, out, err = run(capsys, ["evaluate", str(model)])
    assert status == 0, err
    clf = load_model(model, trust_pickle=False)
    assert clf.augment["image_shape"] == (8, 8) and clf.max_norm == 2.0
