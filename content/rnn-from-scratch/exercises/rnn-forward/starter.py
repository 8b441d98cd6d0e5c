import numpy as np


def rnn_forward(xs, h0, U, W, V, b, c):
    """Return (hs, ys): hidden states h_1..h_T of shape (T, H) and outputs of shape (T, K)."""
    T = xs.shape[0]
    hs = np.zeros((T, h0.shape[0]))
    ys = np.zeros((T, c.shape[0]))
    for t in range(T):
        pass  # compute h_t from xs[t] and the previous state; store it in hs[t], y_t in ys[t]
    return hs, ys
