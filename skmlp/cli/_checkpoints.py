"""``skmlp train --checkpoint PATH [--checkpoint-every N] [--resume]``: the
checks made before training, and the errors of a resume in the command
line's words."""

from typing import NamedTuple

from .._checkpoint import Checkpoint
from .._checkpoint_file import read_checkpoint
from .._optimizers import SOLVERS
from .._training_state import CheckpointMismatch
from ._errors import CommandError
from ._options import OPTION_PARAMETERS
from ._paths import check_writable_target


class CheckpointPlan(NamedTuple):
    """What ``--checkpoint`` asks for, checked.

    Attributes
    ----------
    callback : skmlp.Checkpoint
        Writes the checkpoints.
    resume_from : pathlib.Path or None
        The checkpoint to go on from (``--resume``).
    resumed_epoch : int or None
        Its epoch.
    """

    callback: Checkpoint
    resume_from: object
    resumed_epoch: object


def checkpoint_plan(args, clf):
    """The checkpoints ``args`` ask for, or None; a CommandError before
    training for options that cannot work together, a path that cannot be
    written, a checkpoint that would be overwritten without ``--resume`` or
    one that cannot be read with it."""
    path = args.checkpoint
    if path is None:
        for option, given in (
            ("--checkpoint-every", args.checkpoint_every is not None),
            ("--resume", args.resume),
        ):
            if given:
                raise CommandError(f"{option} needs --checkpoint PATH", status=2)
        return None
    solver = SOLVERS[args.solver]
    if not solver.minibatch:
        able = " or ".join(name for name, other in SOLVERS.items() if other.minibatch)
        raise CommandError(
            f"--checkpoint needs a minibatch solver: --solver {able} "
            f"({args.solver}'s state is SciPy's)",
            status=2,
        )
    if not hasattr(clf, "set_callbacks"):
        import sklearn

        raise CommandError(
            "--checkpoint needs scikit-learn's callback API (scikit-learn 1.9 or "
            f"later); this is scikit-learn {sklearn.__version__}"
        )
    check_writable_target(path, "write checkpoints to", f"checkpoints to {path}")
    exists = path.exists()
    if args.resume and not exists:
        raise CommandError(f"--resume: there is no checkpoint at {path}")
    resumed_epoch = None
    if args.resume:
        try:
            resumed_epoch = read_checkpoint(path).n_iter
        except (ValueError, OSError) as exc:
            raise CommandError(f"cannot resume: {exc}") from None
    elif exists:
        raise CommandError(
            f"{path} exists: pass --resume to go on from the checkpoint there, "
            "or remove it (or choose another --checkpoint) to start afresh"
        )
    every = args.checkpoint_every or 1
    return CheckpointPlan(
        Checkpoint(path, every=every), path if args.resume else None, resumed_epoch
    )


def resume_error(exc, path):
    """The CommandError of a fit that refused to resume from ``path``: the
    parameters that differ named by their options."""
    if not isinstance(exc, CheckpointMismatch):
        return CommandError(f"cannot resume: {exc}")
    options = {parameter: option for option, parameter in OPTION_PARAMETERS.items()}
    details = "; ".join(
        f"{_option_name(options.get(name), name)} {_shown(then)} then, "
        f"{_shown(now)} now"
        for name, (then, now) in exc.changes.items()
    )
    return CommandError(
        f"cannot resume from {path}: it was written by a training with other "
        f"options ({details}); resume with the options it started with, or "
        "start afresh without --resume"
    )


def _option_name(option, parameter):
    if option is None:
        return f"parameter {parameter}"
    return "--" + option.replace("_", "-")


def _shown(value):
    if isinstance(value, list):
        return " ".join(_shown(item) for item in value) or "(none)"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
