import numpy as np


def rnn_forward(xs, h0, U, W, V, b, c):
    T = xs.shape[0]
    hs = np.zeros((T, h0.shape[0]))
    ys = np.zeros((T, c.shape[0]))
    h = np.zeros_like(h0)
    for t in range(T):
        h = np.tanh(U @ xs[t] + W @ h + b)
        hs[t] = h
        ys[t] = V @ h + c
    return hs, ys
