import numpy as np


def gradient_norms(xs, h0, U, W, b):
    T = xs.shape[0]
    H = h0.shape[0]
    norms = np.zeros(T)
    jacobian = np.eye(H)
    norms[T - 1] = np.linalg.norm(jacobian)
    for i in range(T - 2, -1, -1):
        jacobian = jacobian @ W
        norms[i] = np.linalg.norm(jacobian)
    return norms
