"""The command line as a whole: default run, help, entry points, one-line errors.

The options (tests/test_cli_options.py), model files (test_cli_model_io.py),
--data (test_cli_data.py), Ctrl-C (test_cli_interrupt.py) and image reading
(test_cli_images.py) have tests of their own.
"""

import re
from pathlib import Path

import pytest
from cli_helpers import FAST, assert_one_line_error, run, run_subprocess

from skmlp.cli._parser import with_default_command
from skmlp.cli._plots import PLOT_FILES

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_default_run_trains_on_digits(capsys):
    status, out, err = run(capsys, [])
    assert status == 0, err
    match = re.search(r"^Test accuracy: (0\.\d+) \(\d+ of 450 test images", out, re.M)
    assert match, out
    assert float(match.group(1)) > 0.9
    assert "precision" in out and "recall" in out  # the per-class report
    assert re.search(r"^Time: [\d.]+ s training", out, re.M)
    # Not a TTY: one line per epoch instead of the progress bar.
    assert re.search(r"^Epoch +1 +loss", out, re.M)


def test_options_without_a_command_go_to_train(capsys):
    assert with_default_command([]) == ["train"]
    assert with_default_command(["--epochs", "2"]) == ["train", "--epochs", "2"]
    assert with_default_command(["--help"]) == ["--help"]
    status, out, _ = run(capsys, FAST)
    assert status == 0
    assert "64-32-10 tanh network" in out
    assert "Epoch" not in out  # --quiet


def test_help_and_version(capsys):
    status, out, _ = run(capsys, ["--help"])
    assert status == 0
    for text in ("train", "evaluate", "predict", "examples:", "is a pickle"):
        assert text in out
    assert "--trust-pickle" in out and "130 interrupted" in out
    # The data pickle is read by a restricted unpickler: no code runs.
    said = " ".join(out.split())
    assert "mnist.pkl.gz data file is read by a restricted unpickler" in said
    assert "loading it runs no code" in said
    status, out, _ = run(capsys, ["train", "--help"])
    assert status == 0 and "--early-stopping" in out
    assert "temporary file then renamed" in " ".join(out.split())
    for command in ("evaluate", "predict"):
        status, out, _ = run(capsys, [command, "--help"])
        assert status == 0
        said = " ".join(out.split())
        assert "--trust-pickle" in said and "runs whatever code" in said
    status, out, _ = run(capsys, ["--version"])
    assert status == 0 and out.startswith("skmlp ")


def test_python_dash_m_and_the_console_script_run_the_package():
    result = run_subprocess(["--version"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("skmlp ")
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["skmlp"] == "skmlp.cli:main"
    # A wheel holds the packages found: the command line must be one of them.
    from setuptools import find_packages

    find = pyproject["tool"]["setuptools"]["packages"]["find"]
    assert "skmlp.cli" in find_packages(REPO_ROOT, include=find["include"])


def test_plots_writes_five_pngs(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    folder = tmp_path / "plots"
    status, out, err = run(capsys, ["train", *FAST, "--plots", str(folder)])
    assert status == 0, err
    for name in PLOT_FILES:
        assert (folder / name).stat().st_size > 1000, name
    assert "Wrote 5 plots" in out


def test_plots_never_write_through_a_link_and_the_others_go_on(capsys, tmp_path):
    """Issue 29 (1): a link or a folder at a plot's name is one line naming
    it; the other plots are written."""
    pytest.importorskip("matplotlib")
    folder = tmp_path / "plots"
    folder.mkdir()
    victim = tmp_path / "victim"
    victim.write_bytes(b"the user's file")
    (folder / PLOT_FILES[1]).symlink_to(victim)
    (folder / PLOT_FILES[2]).mkdir()
    status, out, err = run(capsys, ["train", *FAST, "--plots", str(folder)])
    assert status == 1
    lines = err.strip().splitlines()
    assert lines == [
        f"skmlp: error: --plots: cannot write {folder / PLOT_FILES[1]}: it is a "
        "symbolic link; skmlp never writes through a link nor replaces one",
        f"skmlp: error: --plots: cannot write {folder / PLOT_FILES[2]}: it is a "
        "folder; skmlp writes only regular files",
    ]
    assert victim.read_bytes() == b"the user's file"
    assert "Wrote 3 plots" in out
    for name in (PLOT_FILES[0], *PLOT_FILES[3:]):
        assert (folder / name).stat().st_size > 1000, name


@pytest.mark.parametrize(
    "argv, status, message",
    [
        (["train", "--data", "no/such/folder"], 1, "not found"),
        (["evaluate", "no_such_model.joblib"], 1, "model file not found"),
        (["predict", "no_such_model.skops", "x.png"], 1, "model file not found"),
        (
            ["train", "--epochs", "zero"],
            2,
            "--epochs: expected an int in the range [1, inf), got 'zero'",
        ),
        (["train", "--save", "model.pkl"], 2, "neither a .skops nor a .joblib"),
        (["train", "--bogus"], 2, "unrecognized arguments: --bogus"),
        (["trian"], 2, "invalid choice: 'trian'"),
        (["train", "--save", "no/such/folder/m.joblib"], 1, "does not exist"),
    ],
)
def test_errors_take_one_line(capsys, argv, status, message):
    got, _, err = run(capsys, argv)
    assert got == status
    assert_one_line_error(err)
    assert message in err


def test_multi_line_messages_are_reported_on_one_line(capsys, monkeypatch):
    import skmlp.cli

    def fail(args):
        raise skmlp.cli.CommandError("quoting a file:\nsecond line\r\nthird")

    monkeypatch.setitem(skmlp.cli._COMMANDS, "train", fail)
    status, _, err = run(capsys, FAST)
    assert status == 1
    assert_one_line_error(err)
    assert "second line third" in err
