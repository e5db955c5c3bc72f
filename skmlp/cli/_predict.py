"""``skmlp predict``: the label and top-3 probabilities of each image file.

Each image is read by :func:`skmlp._images.read_image` and normalised by
:class:`skmlp.preprocessing.DigitImageNormalizer` into the layout of the
model's training digits (MNIST's 28x28 or load_digits' 8x8), chosen by the
model's number of features.
"""

import numpy as np

from .._atomic_files import write_atomically
from .._images import _import_pillow
from ..preprocessing import DigitImageNormalizer
from ._errors import CommandError, report_error
from ._model_io import load_model
from ._paths import check_writable_folder, nearest_existing_folder

# Each pixel of an image written by --show becomes a square of this many
# screen pixels, so that 28x28 and 8x8 images both come out 224 px wide.
_SHOWN_SIZE = 224


def run_predict(args):
    """Classify each image; report a bad file and go on with the others."""
    _check_pillow()
    if args.show is not None:
        _check_show_target(args.show)
    model = load_model(args.model, trust_pickle=args.trust_pickle)
    normalizer = _normalizer_for(model, args.model)
    shown_names = set()
    status = 0
    for path in args.images:
        # Report a bad file and go on with the others, as cat and ls do.
        try:
            row = normalizer.transform([path])
        except (ValueError, OSError) as exc:
            report_error(_file_error(exc, path))
            status = 1
            continue
        try:
            line = _prediction_line(model, path, row)
        except ValueError as exc:  # the model's fault, not the image's: stop
            raise CommandError(
                f"{args.model}: the model cannot classify images: {exc}"
            ) from None
        if args.show is not None:
            try:
                shown = _write_shown(args.show, path, row, normalizer, shown_names)
            except (ValueError, OSError) as exc:
                # A folder or a link where a picture goes: say so, go on.
                print(line)
                report_error(_show_error(exc))
                status = 1
                continue
            line = f"{line}  seen: {shown}"
        print(line)
    return status


def _check_pillow():
    try:
        _import_pillow()
    except ImportError as exc:
        raise CommandError(f"skmlp predict: {exc}") from None


def _check_show_target(folder):
    """Fail before reading any image when --show cannot write there."""
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"--show {folder}: exists and is not a folder")
    check_writable_folder(nearest_existing_folder(folder), f"--show images to {folder}")


def _normalizer_for(model, path):
    """A DigitImageNormalizer laying images out as the model's inputs."""
    try:
        return DigitImageNormalizer(layout=model).fit()
    except ValueError as exc:
        reason = str(exc).removeprefix("layout: ")
        raise CommandError(f"{path}: cannot classify images: {reason}") from None


def _file_error(exc, path):
    """One line naming the file: read_image's ValueErrors already do."""
    if isinstance(exc, OSError):
        return f"{path}: {exc.strerror or exc}"
    return str(exc)


def _show_error(exc):
    """One line for a picture --show could not write (a ValueError of
    write_atomically names the path already)."""
    if isinstance(exc, OSError):
        return f"--show: cannot write {exc.filename or 'a picture'}: {exc.strerror}"
    return f"--show: cannot write {exc}"


def _prediction_line(model, path, row):
    if not hasattr(model, "predict_proba"):
        return f"{path}: {model.predict(row)[0]}"
    proba = model.predict_proba(row)[0]
    top = np.argsort(proba)[::-1][:3]
    ranked = ", ".join(f"{model.classes_[i]}: {proba[i]:.1%}" for i in top)
    return f"{path}: {model.classes_[top[0]]}  ({ranked})"


def _write_shown(folder, path, row, normalizer, used_names):
    """Write the image the model saw, enlarged, as ``folder/<name>.png``;
    return its path. Names already written by this run get a number. The
    file is written by :func:`skmlp._atomic_files.write_atomically`: a link,
    a folder or any special file at that name is refused (ValueError), never
    followed or replaced."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    name, n = path.stem, 1
    while name in used_names:
        n += 1
        name = f"{path.stem}-{n}"
    used_names.add(name)
    side = normalizer.image_shape_[0]
    pixels = np.round(row.reshape(normalizer.image_shape_) * 255).astype(np.uint8)
    enlarged = np.kron(pixels, np.ones((_SHOWN_SIZE // side,) * 2, dtype=np.uint8))
    target = folder / f"{name}.png"
    with write_atomically(target) as file:
        Image.fromarray(enlarged).save(file, format="PNG")
    return target
