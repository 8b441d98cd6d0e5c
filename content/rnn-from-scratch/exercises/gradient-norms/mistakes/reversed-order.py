import numpy as np


def gradient_norms(xs, h0, U, W, b):
    T = xs.shape[0]
    H = h0.shape[0]
    hs = np.zeros((T, H))
    h = h0
    for t in range(T):
        h = np.tanh(U @ xs[t] + W @ h + b)
        hs[t] = h
    norms = [np.linalg.norm(np.eye(H))]
    jacobian = np.eye(H)
    for i in range(T - 2, -1, -1):
        jacobian = jacobian @ ((1.0 - hs[i + 1] ** 2)[:, None] * W)
        norms.append(np.linalg.norm(jacobian))
    return np.array(norms)
