"""``skmlp predict``: the label and top-3 probabilities of each image file.

Each image is read by :func:`skmlp._images.read_image` and normalised by
:class:`skmlp.preprocessing.DigitImageNormalizer` into the layout of the
model's training digits (MNIST's 28x28 or load_digits' 8x8), chosen by the
model's number of features.
"""

import numpy as np

from .._atomic_files import write_atomically
from .._images import FORMAT_NAMES, IMAGE_SUFFIXES, _import_pillow
from ..preprocessing import DigitImageNormalizer
from ._errors import CommandError, report_error
from ._model_io import load_model
from ._paths import check_output_folder

# Each pixel of an image written by --show becomes a square of this many
# screen pixels, so that 28x28 and 8x8 images both come out 224 px wide.
_SHOWN_SIZE = 224


def run_predict(args):
    """Classify each image; report a bad file and go on with the others."""
    _check_pillow()
    if args.show is not None:
        check_output_folder(args.show, "--show", f"--show images to {args.show}")
    model = load_model(args.model, trust_pickle=args.trust_pickle)
    normalizer = _normalizer_for(model, args.model)
    paths, status = image_files(args.images)
    # Never a name already used by this run, nor an image being classified
    # (--show pointed at the images' own folder).
    taken = {_resolved(path) for path in paths}
    shown_names = set()
    for path in paths:
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
                shown = _write_shown(
                    args.show, path, row, normalizer, shown_names, taken
                )
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


def image_files(paths):
    """The files to classify: each path, a folder standing for its image files.

    A folder's image files are those whose suffix is one of the formats
    skmlp reads (``.png``, ``.jpg``, ...; :data:`skmlp._images.IMAGE_SUFFIXES`,
    any case), not hidden, sorted by name; its subfolders are not entered. A
    folder that holds none, or cannot be listed, is reported in one line.

    Returns
    -------
    files : list of Path
    status : int
        1 if a folder was reported, else 0.
    """
    files, status = [], 0
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        try:
            entries = sorted(path.iterdir())
        except OSError as exc:
            report_error(f"{path}: cannot list the folder ({exc.strerror})")
            status = 1
            continue
        found = [
            entry
            for entry in entries
            if entry.suffix.lower() in IMAGE_SUFFIXES
            and not entry.name.startswith(".")
            and entry.is_file()
        ]
        if not found:
            report_error(
                f"{path}: the folder holds no image file ({FORMAT_NAMES}); name "
                "the files to classify, or a folder of them"
            )
            status = 1
        files += found
    return files, status


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


def _resolved(path):
    try:
        return path.resolve()
    except OSError:  # a loop of links: it names no image either
        return path


def _write_shown(folder, path, row, normalizer, used_names, taken):
    """Write the image the model saw, enlarged, as ``folder/<name>.png``;
    return its path. A name already written by this run, or that of an image
    being classified, gets a number instead. The file is written by
    :func:`skmlp._atomic_files.write_atomically`: a link, a folder or any
    special file at that name is refused (ValueError), never followed or
    replaced."""
    from PIL import Image

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(
            f"--show {folder}: cannot create the folder ({exc.strerror})"
        ) from None
    name, n = path.stem, 1
    while name in used_names or _resolved(folder / f"{name}.png") in taken:
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
