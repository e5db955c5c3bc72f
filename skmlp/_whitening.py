"""ZCA whitening: decorrelating the pixels of images while keeping them images."""

from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["ZCAWhitening"]

# Rows of X centred at a time when the covariance is summed: bounds the
# float64 copy fit makes to this many rows, whatever the size of X.
_CHUNK_ROWS = 4096


class ZCAWhitening(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Decorrelate the features with the ZCA transform, regularised.

    Centres each feature and multiplies by :math:`W = U (\\Lambda +
    \\epsilon \\bar\\lambda I)^{-1/2} U^T`, where :math:`U \\Lambda U^T` is
    the features' covariance on the training data and :math:`\\bar\\lambda`
    its mean eigenvalue, the mean variance of a feature (Bell & Sejnowski
    1997; Krizhevsky 2009). Unlike PCA whitening, the output stays in the
    input's coordinates: each output feature is the same pixel, with the
    directions of large variance (the broad shapes images share) damped and
    the small ones (edges, details) kept, so images stay images and
    ``augment`` can still distort them. ``epsilon`` sets where the damping
    stops: a direction of variance :math:`\\lambda` comes out with variance
    :math:`\\lambda / (\\lambda + \\epsilon \\bar\\lambda)`, so directions
    of variance far above :math:`\\epsilon \\bar\\lambda` come out near unit
    variance, and those far below it are all scaled by the same factor,
    :math:`(\\epsilon \\bar\\lambda)^{-1/2}`, keeping their relative sizes.

    In front of :class:`~skmlp.MLPDigitClassifier` it changes what the
    network sees first, not what it can learn: a network trained on whitened
    pixels makes different mistakes from one trained on raw pixels, which
    is what a soft-voting ensemble needs (see the Fashion-MNIST recipe in
    the :doc:`user guide </user_guide/recipes>`).

    Parameters
    ----------
    epsilon : float, default=10.0
        Added to every eigenvalue of the covariance before the inverse square
        root, in units of the mean eigenvalue (the mean variance of a
        feature), so that the transform does not depend on the scale of the
        pixels. Small values whiten fully and amplify noise; large ones
        approach plain centring, scaled. Must be > 0.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Mean of each feature on the training data.

    components_ : ndarray of shape (n_features, n_features)
        Eigenvectors of the covariance, one per row, by increasing
        eigenvalue.

    explained_variance_ : ndarray of shape (n_features,)
        Eigenvalues of the covariance (variance along each component),
        increasing, negative round-off clipped to 0.

    whitening_ : ndarray of shape (n_features, n_features)
        The symmetric matrix :math:`W` that ``transform`` applies to the
        centred rows.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``X`` has string column
        names.

    See Also
    --------
    sklearn.decomposition.PCA : With ``whiten=True``, whitens in the
        coordinates of the components instead.
    sklearn.preprocessing.StandardScaler : Scales each feature on its own.

    Notes
    -----
    ``fit`` sums the covariance in float64 over chunks of rows, so its extra
    memory is that of a few thousand rows and a ``n_features`` square matrix
    whatever the number of samples. ``transform`` keeps float32 input in
    float32. Sparse input is rejected: centring would fill it.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.preprocessing import ZCAWhitening
    >>> rng = np.random.default_rng(0)
    >>> mixing = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.5]])
    >>> X = rng.normal(size=(2000, 3)) @ mixing
    >>> zca = ZCAWhitening(epsilon=1e-6).fit(X)
    >>> X_white = zca.transform(X)
    >>> np.allclose(np.cov(X_white, rowvar=False, bias=True), np.eye(3), atol=1e-5)
    True

    With a larger ``epsilon`` (here 1, so 2.09 in the data's units) only the
    directions of variance well above it come near unit variance:

    >>> zca = ZCAWhitening(epsilon=1.0).fit(X)
    >>> np.round(zca.explained_variance_, 2)
    array([0.25, 0.74, 5.28])
    >>> np.round(np.var(zca.transform(X) @ zca.components_.T, axis=0), 2)
    array([0.11, 0.26, 0.72])
    """

    _parameter_constraints: dict = {
        "epsilon": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, epsilon=10.0):
        self.epsilon = epsilon

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the features' means and the whitening matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; at least two samples.

        y : None
            Ignored.

        Returns
        -------
        self : ZCAWhitening
            The fitted transformer.
        """
        # Integers and booleans stay as they are: the chunks of the covariance
        # are converted, never the whole of X.
        X = validate_data(self, X, dtype="numeric", ensure_min_samples=2)
        with np.errstate(over="ignore", invalid="ignore"):
            self.mean_ = X.mean(axis=0, dtype=np.float64)
            covariance = _covariance(X, self.mean_)
        if not np.isfinite(covariance).all():
            raise ValueError(
                "X's values are too large for ZCAWhitening: the covariance of its "
                "features overflows float64. Scale X down before fitting."
            )
        eigenvalues, eigenvectors = linalg.eigh(covariance)
        self.explained_variance_ = np.clip(eigenvalues, 0.0, None)
        self.components_ = eigenvectors.T
        self.whitening_ = self._matrix(power=-0.5)
        return self

    def transform(self, X):
        """Centre and whiten X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to whiten.

        Returns
        -------
        X_whitened : ndarray of shape (n_samples, n_features)
            Float32 for float32 input, float64 otherwise.
        """
        check_is_fitted(self)
        self._check_fitted_arrays()
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        with np.errstate(over="ignore", invalid="ignore"):
            whitening = self.whitening_.astype(X.dtype, copy=False)
            # X W - mean W: one output array, no centred copy of X.
            X_whitened = X @ whitening
            X_whitened -= (self.mean_ @ self.whitening_).astype(X.dtype)
        _check_finite_output(X_whitened, "whitening_")
        return X_whitened

    def inverse_transform(self, X):
        """Undo the whitening: back to the original pixels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Whitened rows.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Float32 for float32 input, float64 otherwise.
        """
        check_is_fitted(self)
        # epsilon is read again here, not only in fit: check it as fit did.
        self._validate_params()
        self._check_fitted_arrays()
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        with np.errstate(over="ignore", invalid="ignore"):
            unwhitening = self._matrix(power=0.5).astype(X.dtype, copy=False)
            X_original = X @ unwhitening
            X_original += self.mean_.astype(X.dtype)
        _check_finite_output(X_original, "components_ and explained_variance_")
        return X_original

    def _check_fitted_arrays(self):
        """Refuse fitted state that ``fit`` could not have made: a model file
        may hold anything (see :doc:`/user_guide/persistence`)."""
        n = getattr(self, "n_features_in_", None)
        if not (isinstance(n, Integral) and not isinstance(n, bool) and n > 0):
            raise ValueError(
                f"n_features_in_ must be a positive integer, got {type(n).__name__}: "
                "it was changed after fit or loaded from a damaged file."
            )
        expected = {
            "mean_": (n,),
            "explained_variance_": (n,),
            "components_": (n, n),
            "whitening_": (n, n),
        }
        for name, shape in expected.items():
            value = getattr(self, name, None)
            if not (
                isinstance(value, np.ndarray)
                and value.dtype == np.float64
                and value.shape == shape
                and np.isfinite(value).all()
            ):
                raise ValueError(
                    f"{name} must be a finite float64 array of shape {shape} for "
                    f"{n} features: it was changed after fit or loaded from a "
                    "damaged file."
                )
        if (self.explained_variance_ < 0).any():
            raise ValueError(
                "explained_variance_ must hold no negative variance: it was "
                "changed after fit or loaded from a damaged file."
            )

    def _matrix(self, power):
        """:math:`U (\\Lambda + \\epsilon \\bar\\lambda I)^{power} U^T`."""
        mean_variance = self.explained_variance_.mean()
        # Constant data has no variance to measure epsilon in: use its value.
        shift = self.epsilon * (mean_variance if mean_variance > 0 else 1.0)
        scales = (self.explained_variance_ + shift) ** power
        return (self.components_.T * scales) @ self.components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _covariance(X, mean):
    """Covariance of the rows of X (divided by n_samples), in float64, summed
    over chunks of rows."""
    n_samples, n_features = X.shape
    covariance = np.zeros((n_features, n_features))
    for start in range(0, n_samples, _CHUNK_ROWS):
        centred = X[start : start + _CHUNK_ROWS].astype(np.float64)
        centred -= mean
        covariance += centred.T @ centred
    covariance /= n_samples
    return covariance


def _check_finite_output(X, source):
    """Raise when a product overflowed: the fitted ``source`` or X held
    values too large for X's dtype (finite inputs and finite fitted arrays
    pass the earlier checks)."""
    # The sum is one pass without a temporary; the full check runs only
    # when the sum overflowed, which finite large values can make it do.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(X.sum()) or np.isfinite(X).all():
            return
    raise ValueError(
        f"ZCAWhitening's output overflows {X.dtype}: X or the fitted {source} "
        "hold values too large for it (changed after fit, or loaded from a "
        "damaged file?)."
    )
