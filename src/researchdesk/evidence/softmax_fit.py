"""Softmax regression with an L2 pull towards zero, over sparse features: how the desk model's heads are fitted."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

DENSE_SHARE = 0.5  # a feature column filled in more than this share of rows is multiplied as dense


def with_bias(x: sparse.csr_matrix) -> sparse.csr_matrix:
    return sparse.hstack([x, np.ones((x.shape[0], 1))], format="csr")


def balanced_weights(y: np.ndarray) -> np.ndarray:
    """Return one weight per example so that every class present weighs as much as every other.

    Screening and review are lopsided (a review keeps a few records in a hundred): unweighted, the
    rare class barely moves the fit and the first keepers found teach it little.
    """
    classes, counts = np.unique(y, return_counts=True)
    per_class = dict(zip(classes.tolist(), (len(y) / (len(classes) * counts)).tolist(), strict=True))
    return np.array([per_class[int(c)] for c in y], dtype=np.float64)


def fit_softmax(
    x: sparse.csr_matrix,
    y: np.ndarray,
    offset: np.ndarray,
    l2: float,
    start: np.ndarray | None = None,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """Return weights (features + 1 bias) x classes of a softmax regression over ``offset`` logits.

    ``start`` (weights of the same shape) warm-starts the fit: a held-back fold starts from the model
    fitted on all labels and needs few steps. ``weight`` weighs each example's loss (``balanced_weights``).
    """
    n, d_all = x.shape
    k = offset.shape[1]
    xb = with_bias(x).tocsc()
    # Only the columns some example fills: a column no example fills has a zero weight at the optimum
    # (the L2 pull alone acts on it), and of the 65,536 word columns a thousand quotes fill a few thousand.
    used = np.flatnonzero(np.diff(xb.indptr) > 0)
    xb = xb[:, used]
    d = len(used) - 1
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    if weight is not None:
        onehot *= weight[:, None]  # a weighted example counts as that many (its rows of the loss scale)
    total = onehot.sum(axis=1, keepdims=True)
    # The meaning vector and the few scalar features fill every row: as a dense block they multiply many
    # times faster than as sparse columns; the hashed words stay sparse.
    filled = np.diff(xb.indptr) > DENSE_SHARE * n
    dense_cols, sparse_cols = np.flatnonzero(filled), np.flatnonzero(~filled)
    xd = xb[:, dense_cols].toarray()
    xs = xb[:, sparse_cols].tocsr()
    xs_t = xs.T.tocsr()

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(d + 1, k)
        logits = offset + xd @ w[dense_cols] + xs @ w[sparse_cols]
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        value = -float(np.sum(onehot * np.log(np.clip(p, 1e-12, None)))) + 0.5 * l2 * float(np.sum(w * w))
        residual = total * p - onehot
        grad = l2 * w
        grad[dense_cols] += xd.T @ residual
        grad[sparse_cols] += xs_t @ residual
        return value, grad.ravel()

    # Small matrices: one BLAS thread is many times faster than several contending for the cores.
    with threadpool_limits(limits=1, user_api="blas"):
        found = minimize(
            loss,
            np.zeros((d + 1) * k) if start is None else start[used].ravel(),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 100, "gtol": 1e-4},
        )
    out = np.zeros((d_all + 1, k))
    out[used] = np.asarray(found.x).reshape(d + 1, k)
    return out


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)
