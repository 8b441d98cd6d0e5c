import numpy as np


def gradient_norms(xs, h0, U, W, b):
    """Return the Frobenius norms of dh_T/dh_t for t = 1..T, in ascending order of t."""
    T = xs.shape[0]
    H = h0.shape[0]
    hs = np.zeros((T, H))
    h = h0
    for t in range(T):
        h = np.tanh(U @ xs[t] + W @ h + b)
        hs[t] = h

    # dh_{s}/dh_{s-1} = diag(1 - h_s^2) W; chain these from h_T back to each earlier h_t.
    norms = np.zeros(T)
    jacobian = np.eye(H)
    norms[T - 1] = np.linalg.norm(jacobian)
    for i in range(T - 2, -1, -1):
        jacobian = jacobian @ ((1.0 - hs[i + 1] ** 2)[:, None] * W)
        norms[i] = np.linalg.norm(jacobian)
    return norms
