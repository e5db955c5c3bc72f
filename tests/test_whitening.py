"""ZCAWhitening: the regularised ZCA transform, against a plain NumPy twin."""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

import skmlp._whitening
from skmlp import MLPDigitClassifier
from skmlp.preprocessing import ZCAWhitening


def correlated_rows(n_samples=3000, n_features=6, seed=0):
    """Gaussian rows with a covariance far from diagonal, means far from 0."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(n_features, n_features))
    return rng.normal(size=(n_samples, n_features)) @ mixing + 5.0


def twin_whitening(X, epsilon):
    """The ZCA matrix written from its definition, with NumPy alone."""
    covariance = np.cov(X, rowvar=False, bias=True)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    shift = epsilon * eigenvalues.mean()
    return eigenvectors @ np.diag((eigenvalues + shift) ** -0.5) @ eigenvectors.T


def mirrored(images):
    """Each 8x8 row-major image mirrored left to right."""
    return images.reshape(-1, 8, 8)[:, :, ::-1].reshape(len(images), 64)


@parametrize_with_checks([ZCAWhitening()])
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


@pytest.mark.parametrize("epsilon", [1e-3, 0.5, 10.0])
def test_transform_matches_the_numpy_twin(epsilon):
    X = correlated_rows()
    zca = ZCAWhitening(epsilon=epsilon).fit(X)

    W = twin_whitening(X, epsilon)
    np.testing.assert_allclose(zca.whitening_, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(zca.mean_, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(
        zca.transform(X), (X - X.mean(axis=0)) @ W, rtol=1e-9, atol=1e-9
    )


def test_small_epsilon_whitens_fully():
    X = correlated_rows()
    X_white = ZCAWhitening(epsilon=1e-9).fit_transform(X)
    np.testing.assert_allclose(
        np.cov(X_white, rowvar=False, bias=True), np.eye(X.shape[1]), atol=1e-6
    )
    np.testing.assert_allclose(X_white.mean(axis=0), 0.0, atol=1e-9)


def test_each_direction_is_damped_as_documented():
    # Along eigenvector k the variance becomes s_k / (s_k + epsilon * mean(s)):
    # near 1 for large s_k, near s_k / shift (the direction barely scaled)
    # for small ones.
    X = correlated_rows()
    epsilon = 2.0
    zca = ZCAWhitening(epsilon=epsilon).fit(X)
    s = zca.explained_variance_
    projected = zca.transform(X) @ zca.components_.T
    np.testing.assert_allclose(
        projected.var(axis=0), s / (s + epsilon * s.mean()), rtol=1e-8
    )
    np.testing.assert_allclose(
        np.sort(s), np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True)), rtol=1e-9
    )


def test_large_epsilon_approaches_scaled_centring():
    X = correlated_rows()
    zca = ZCAWhitening(epsilon=1e8).fit(X)
    scale = np.sqrt(1e8 * zca.explained_variance_.mean())
    np.testing.assert_allclose(
        zca.transform(X) * scale, X - X.mean(axis=0), rtol=1e-6, atol=1e-6
    )


def test_outputs_stay_in_the_input_coordinates():
    # Independent features of equal variance: the covariance is already a
    # multiple of the identity up to sampling noise, and W must not mix
    # pixels (as PCA whitening would, rotating them into components).
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200_000, 4))
    W = ZCAWhitening(epsilon=1e-6).fit(X).whitening_
    np.testing.assert_allclose(W, np.eye(4), atol=0.01)
    np.testing.assert_allclose(W, W.T, rtol=1e-12, atol=1e-15)


def test_mirror_symmetric_data_gives_a_mirror_equivariant_transform():
    # Fitted on images and their mirrors, whitening a mirrored image equals
    # mirroring the whitened image: flips in `augment` see the same kind of
    # input the network is tested on.
    X = load_digits().data / 16.0
    zca = ZCAWhitening(epsilon=1.0).fit(np.vstack([X, mirrored(X)]))
    np.testing.assert_allclose(
        zca.transform(mirrored(X[:50])), mirrored(zca.transform(X[:50])), atol=1e-9
    )


def test_inverse_transform_restores_the_input():
    X = correlated_rows()
    zca = ZCAWhitening(epsilon=0.1).fit(X)
    np.testing.assert_allclose(zca.inverse_transform(zca.transform(X)), X, rtol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_is_kept(dtype):
    X = correlated_rows().astype(dtype)
    zca = ZCAWhitening(epsilon=0.1).fit(X)
    X_white = zca.transform(X)
    assert X_white.dtype == dtype
    assert zca.inverse_transform(X_white).dtype == dtype
    np.testing.assert_allclose(
        X_white,
        ZCAWhitening(epsilon=0.1).fit(X.astype(np.float64)).transform(X),
        rtol=1e-3 if dtype == np.float32 else 1e-12,
        atol=1e-4 if dtype == np.float32 else 1e-12,
    )


def test_integer_pixels_become_float64():
    X = (load_digits().data).astype(np.uint8)
    assert ZCAWhitening().fit_transform(X).dtype == np.float64


def test_covariance_summed_in_chunks_equals_one_pass(monkeypatch):
    X = correlated_rows(n_samples=1001)
    whole = ZCAWhitening(epsilon=0.3).fit(X).whitening_
    monkeypatch.setattr(skmlp._whitening, "_CHUNK_ROWS", 7)
    np.testing.assert_allclose(
        ZCAWhitening(epsilon=0.3).fit(X).whitening_, whole, rtol=1e-10
    )


def test_constant_features_give_finite_output():
    X = np.full((10, 3), 7.0)
    zca = ZCAWhitening().fit(X)
    np.testing.assert_array_equal(zca.transform(X), np.zeros((10, 3)))
    X[:, 0] = np.arange(10)  # one varying pixel among blank ones
    assert np.isfinite(ZCAWhitening().fit_transform(X)).all()


@pytest.mark.parametrize("epsilon", [0.0, -1.0, "big", None])
def test_epsilon_must_be_positive(epsilon):
    with pytest.raises(InvalidParameterError, match="epsilon"):
        ZCAWhitening(epsilon=epsilon).fit(correlated_rows())


def test_sparse_input_is_refused():
    X = scipy.sparse.csr_matrix(correlated_rows())
    with pytest.raises(TypeError, match="[Ss]parse"):
        ZCAWhitening().fit(X)
    zca = ZCAWhitening().fit(correlated_rows())
    with pytest.raises(TypeError, match="[Ss]parse"):
        zca.transform(X)


def test_feature_count_must_match():
    zca = ZCAWhitening().fit(correlated_rows(n_features=6))
    with pytest.raises(ValueError, match="6 features"):
        zca.transform(correlated_rows(n_features=5))


def test_feature_names_are_the_inputs():
    zca = ZCAWhitening().fit(correlated_rows(n_features=3))
    assert list(zca.get_feature_names_out()) == ["x0", "x1", "x2"]


def test_in_a_pipeline_before_the_classifier():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, random_state=0, stratify=y
    )
    model = make_pipeline(
        ZCAWhitening(epsilon=10.0),
        MLPDigitClassifier(
            hidden_layer_sizes=(100,),
            max_iter=60,
            random_state=0,
        ),
    )
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95


@pytest.mark.parametrize(
    "attribute, forged",
    [
        ("whitening_", np.eye(5)),  # the wrong number of features
        ("whitening_", np.full((6, 6), np.inf)),
        ("mean_", np.zeros(6, dtype=np.float32)),
        ("explained_variance_", [1.0] * 6),  # not an array
        ("components_", np.zeros((6, 5))),
    ],
)
def test_fitted_arrays_fit_could_not_make_are_refused(attribute, forged):
    # What a damaged or hostile model file could hold: refused before use.
    X = correlated_rows()
    zca = ZCAWhitening().fit(X)
    setattr(zca, attribute, forged)
    with pytest.raises(ValueError, match=f"{attribute} must be a finite float64"):
        zca.transform(X)
    with pytest.raises(ValueError, match=f"{attribute} must be a finite float64"):
        zca.inverse_transform(X)


@pytest.mark.parametrize("attribute", ["mean_", "components_", "whitening_"])
def test_missing_fitted_array_is_refused(attribute):
    # A model file can leave out any attribute: a ValueError, not an
    # AttributeError the command line would print as a traceback.
    X = correlated_rows()
    zca = ZCAWhitening().fit(X)
    delattr(zca, attribute)
    with pytest.raises(ValueError, match=f"{attribute} must be a finite float64"):
        zca.transform(X)


@pytest.mark.parametrize("forged", ["6", 6.0, -6, True, None, [6]])
def test_n_features_in_that_fit_could_not_make_is_refused(forged):
    X = correlated_rows()
    zca = ZCAWhitening().fit(X)
    zca.n_features_in_ = forged
    for method in (zca.transform, zca.inverse_transform):
        with pytest.raises(ValueError, match="n_features_in_ must be a positive int"):
            method(X)


def test_negative_variances_are_refused():
    X = correlated_rows()
    zca = ZCAWhitening().fit(X)
    zca.explained_variance_ = zca.explained_variance_ - zca.explained_variance_.max()
    with pytest.raises(ValueError, match="explained_variance_ must hold no negative"):
        zca.inverse_transform(X)


@pytest.mark.parametrize("epsilon", [-1.0, "big"])
def test_inverse_transform_checks_epsilon_again(epsilon):
    # inverse_transform reads epsilon after fit: a changed one is refused,
    # not turned into NaN or a TypeError.
    X = correlated_rows()
    zca = ZCAWhitening().fit(X)
    zca.epsilon = epsilon
    with pytest.raises(InvalidParameterError, match="epsilon"):
        zca.inverse_transform(X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_overflowing_output_is_one_error_without_warnings(dtype):
    X = correlated_rows().astype(dtype)
    zca = ZCAWhitening().fit(X)
    zca.whitening_ = np.full_like(zca.whitening_, 1e307)  # finite: passes the checks
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=f"output overflows {np.dtype(dtype)}"):
            zca.transform(X)
        zca = ZCAWhitening().fit(X)
        with pytest.raises(ValueError, match="output overflows"):
            zca.inverse_transform(np.full_like(X, np.finfo(dtype).max))


def test_values_whose_covariance_overflows_are_one_error_without_warnings():
    X = correlated_rows() * 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="X's values are too large"):
            ZCAWhitening().fit(X)
    # Large values whose covariance fits are whitened as any others.
    X = correlated_rows()
    np.testing.assert_allclose(
        ZCAWhitening().fit(X * 1e150).transform(X * 1e150),
        ZCAWhitening().fit(X).transform(X),
        rtol=1e-9,
        atol=1e-12,
    )


@pytest.mark.parametrize("dtype", [np.uint8, np.bool_])
def test_fit_never_converts_the_whole_of_integer_input(monkeypatch, dtype):
    # The Notes promise memory of a few thousand rows whatever the number
    # of samples: a float64 copy of all of X would break that.
    X = np.random.default_rng(0).integers(
        0, 2 if dtype is np.bool_ else 256, (20_000, 64)
    )
    X = X.astype(dtype)
    monkeypatch.setattr(skmlp._whitening, "_CHUNK_ROWS", 500)
    tracemalloc.start()
    try:
        zca = ZCAWhitening().fit(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < X.size * 8 / 4  # a quarter of the float64 copy
    np.testing.assert_allclose(
        zca.whitening_, ZCAWhitening().fit(X.astype(np.float64)).whitening_, rtol=1e-9
    )


def test_pandas_output_keeps_the_column_names():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(correlated_rows(n_features=3), columns=["left", "mid", "right"])
    zca = ZCAWhitening().set_output(transform="pandas").fit(X)
    X_white = zca.transform(X)
    assert list(X_white.columns) == ["left", "mid", "right"]
    assert list(zca.get_feature_names_out()) == ["left", "mid", "right"]
    plain = ZCAWhitening().fit(X.to_numpy()).transform(X.to_numpy())
    np.testing.assert_allclose(X_white.to_numpy(), plain)


def test_read_only_memmap_input(tmp_path):
    X = correlated_rows().astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    X_mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    zca = ZCAWhitening().fit(X_mapped)
    np.testing.assert_array_equal(zca.transform(X_mapped), zca.transform(X))
    np.testing.assert_array_equal(X_mapped, X)
