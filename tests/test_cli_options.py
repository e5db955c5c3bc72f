"""``skmlp train``'s options take their choices and ranges from the estimator."""

import re

import pytest
from cli_helpers import FAST, assert_one_line_error, run, run_subprocess
from sklearn.utils._param_validation import StrOptions

from skmlp import MLPDigitClassifier
from skmlp._optimizers import SOLVERS
from skmlp.cli._options import OPTION_PARAMETERS, build_classifier, choices, describe
from skmlp.cli._parser import build_parser


def _estimator_options(parameter):
    (constraint,) = [
        c
        for c in MLPDigitClassifier._parameter_constraints[parameter]
        if isinstance(c, StrOptions)
    ]
    return constraint.options


@pytest.mark.parametrize("parameter", ["activation", "solver"])
def test_choices_are_the_estimators(parameter):
    assert set(choices(parameter)) == _estimator_options(parameter)
    for value in _estimator_options(parameter):
        args = build_parser().parse_args(["train", f"--{parameter}", value])
        assert getattr(args, parameter) == value


def test_leaky_relu_and_lbfgs_train(capsys):
    # Both were missing from the hand-typed lists of choices.
    status, out, err = run(capsys, ["train", *FAST, "--activation", "leaky_relu"])
    assert status == 0, err
    assert "64-32-10 leaky_relu network" in out
    status, out, err = run(capsys, ["train", *FAST, "--solver", "lbfgs"])
    assert status == 0, err
    assert "Training: lbfgs, l2 0.0001, full batch" in out
    assert re.search(r"^Test accuracy: 0\.\d+", out, re.M)


def test_the_training_help_comes_from_the_solver_records():
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    helps = {action.dest: action.help for action in train._actions}
    for solver in SOLVERS.values():
        assert solver.description in helps["solver"]
    assert "step size of sgd and adam" in helps["learning_rate"]
    assert "momentum of sgd;" in helps["momentum"]


def test_batch_size_auto_is_the_estimators(capsys):
    status, out, err = run(capsys, ["train", *FAST, "--batch-size", "auto"])
    assert status == 0, err
    assert "batch size auto" in out


def test_every_option_sets_its_parameter():
    argv = "train --hidden 7 3 --activation relu --solver adam --learning-rate 0.5 "
    argv += "--momentum 0.25 --l2 0.125 --l1 0.0625 --batch-size 9 --epochs 4 "
    argv += "--early-stopping --seed 11"
    args = build_parser().parse_args(argv.split())
    params = build_classifier(args).get_params()
    assert set(OPTION_PARAMETERS.values()) <= set(params)
    expected = dict(
        hidden_layer_sizes=(7, 3),
        activation="relu",
        solver="adam",
        learning_rate=0.5,
        momentum=0.25,
        l2=0.125,
        l1=0.0625,
        batch_size=9,
        max_iter=4,
        early_stopping=True,
        random_state=11,
    )
    assert {name: params[name] for name in expected} == expected


@pytest.mark.parametrize(
    "option, value, parameter",
    [
        ("--seed", "-1", "random_state"),
        ("--seed", str(2**32), "random_state"),
        ("--learning-rate", "0", "learning_rate"),
        ("--learning-rate", "-0.1", "learning_rate"),
        ("--momentum", "1", "momentum"),
        ("--momentum", "-0.5", "momentum"),
        ("--batch-size", "0", "batch_size"),
        ("--batch-size", "big", "batch_size"),
        ("--hidden", "0", "hidden_layer_sizes"),
        ("--epochs", "0", "max_iter"),
        ("--l2", "-1", "l2"),
        ("--l1", "-1e-3", "l1"),
    ],
)
def test_bad_values_are_usage_errors_naming_the_option(
    capsys, option, value, parameter
):
    # option=value: argparse takes "-1e-3" alone for an option.
    status, out, err = run(capsys, ["train", f"{option}={value}"])
    assert status == 2
    assert_one_line_error(err)
    assert f"argument {option}: expected {describe(parameter)}, got '{value}'" in err
    assert out == ""  # refused before anything is loaded or trained


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_numbers_are_refused(capsys, value):
    status, _, err = run(capsys, ["train", f"--learning-rate={value}"])
    assert status == 2
    assert_one_line_error(err)
    assert "--learning-rate: expected a finite number" in err


def test_describe_names_what_a_command_line_can_give():
    assert describe("random_state") == "an int in the range [0, 4294967295]"
    assert describe("batch_size") == "'auto' or an int in the range [1, inf)"
    assert describe("hidden_layer_sizes") == "an int in the range [1, inf)"


def test_negative_seed_as_a_subprocess():
    # Today's traceback came from the estimator's InvalidParameterError.
    result = run_subprocess(["train", "--seed", "-1"])
    assert result.returncode == 2
    assert_one_line_error(result.stderr)
    assert "argument --seed" in result.stderr
    assert "InvalidParameterError" not in result.stderr


def test_divergence_is_one_line_and_saves_nothing(tmp_path):
    model = tmp_path / "m.joblib"
    result = run_subprocess(
        ["train", "--learning-rate", "100", "--epochs", "3", "--save", model]
    )
    assert result.returncode == 1, result.stderr
    assert_one_line_error(result.stderr)
    assert "diverged in its first epoch" in result.stderr
    assert "--learning-rate (now 100)" in result.stderr
    assert "Test accuracy" not in result.stdout
    assert not model.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file either
