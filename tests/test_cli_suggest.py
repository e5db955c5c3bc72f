"""Unknown options: no prefix is taken for an option, and a misspelt or
foreign option gets a 'did you mean' naming skmlp's own (skmlp/cli/_suggest.py)."""

import argparse

import numpy as np
import pytest
from cli_helpers import FAST, assert_one_line_error, run

from skmlp.cli._parser import build_parser
from skmlp.cli._suggest import HABITS, suggest_option, unrecognized_message


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("--learning_rate", "--learning-rate"),
        ("--lr", "--learning-rate"),
        ("--learning-rate-init", "--learning-rate"),
        ("--hidden-layers", "--hidden"),
        ("--hidden_layer_sizes", "--hidden"),
        ("--max_iter", "--epochs"),
        ("--n-epochs", "--epochs"),
        ("--batch_size", "--batch-size"),
        ("--random_state", "--seed"),
        ("--Epochs", "--epochs"),
        ("--epoch", "--epochs"),
    ],
)
def test_train_suggests_the_option_meant(capsys, typed, meant):
    status, out, err = run(capsys, ["train", *FAST, typed, "3"])
    assert status == 2
    assert out == ""
    assert_one_line_error(err)
    assert f"unrecognized arguments: {typed} 3; did you mean {meant}?" in err
    assert "(see 'skmlp train --help')" in err


def test_an_option_with_its_value_after_an_equals_sign_is_matched(capsys):
    status, _, err = run(capsys, ["--lr=0.1"])  # the default command: train
    assert status == 2
    assert "unrecognized arguments: --lr=0.1; did you mean --learning-rate?" in err


def test_several_unknown_options_each_get_their_suggestion(capsys):
    status, _, err = run(capsys, ["train", "--lr", "0.1", "--epoch", "3"])
    assert status == 2
    assert_one_line_error(err)
    assert "did you mean --learning-rate (for --lr), --epochs (for --epoch)?" in err


@pytest.mark.parametrize(
    "argv, meant, command",
    [
        (["evaluate", "m.skops", "--dat", "digits"], "--data", "evaluate"),
        (["evaluate", "m.skops", "--trust_pickle"], "--trust-pickle", "evaluate"),
        (["predict", "m.skops", "a.png", "--sho", "seen"], "--show", "predict"),
    ],
)
def test_evaluate_and_predict_suggest_their_own_options(capsys, argv, meant, command):
    status, _, err = run(capsys, argv)
    assert status == 2
    assert_one_line_error(err)
    assert f"did you mean {meant}?" in err
    assert f"(see 'skmlp {command} --help')" in err


def test_an_option_like_none_gets_no_guess(capsys):
    status, _, err = run(capsys, ["train", "--colour", "blue"])
    assert status == 2
    assert_one_line_error(err)
    assert "unrecognized arguments: --colour blue (see" in err
    assert "did you mean" not in err


def test_no_prefix_of_an_option_is_taken(capsys):
    """``--epoch 1`` used to train for one epoch as ``--epochs 1``; a prefix
    that a new option could make ambiguous is refused instead."""
    status, out, err = run(capsys, ["train", "--hidden", "8", "--epoch", "1"])
    assert status == 2
    assert "Trained" not in out
    assert "did you mean --epochs?" in err


def test_every_parser_refuses_abbreviations():
    parser = build_parser()
    subparsers = [
        action
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    commands = subparsers[0].choices
    assert sorted(commands) == ["evaluate", "predict", "train"]
    for each in (parser, *commands.values()):
        assert each.allow_abbrev is False, each.prog


def test_habits_lead_to_options_that_exist():
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    known = train._option_string_actions
    for habit, option in HABITS.items():
        assert f"--{option}" in known, habit
        assert suggest_option(f"--{habit}", known) == f"--{option}"


def test_values_are_not_taken_for_options():
    known = ["--epochs", "--hidden"]
    assert suggest_option("3", known) is None
    assert suggest_option("epochs", known) is None
    assert unrecognized_message(["3"], known) == "unrecognized arguments: 3"


def test_a_suggested_option_works(capsys, tmp_path):
    """The option a suggestion names is the one that does the job."""
    status, _, err = run(capsys, ["train", *FAST, "--learning_rate", "0.05"])
    assert status == 2 and "did you mean --learning-rate?" in err
    model = tmp_path / "m.joblib"
    argv = ["train", *FAST, "--learning-rate", "0.05", "--save", str(model)]
    status, _, err = run(capsys, argv)
    assert status == 0, err
    import joblib

    assert np.isclose(joblib.load(model).learning_rate, 0.05)
