import numpy as np


def rnn_forward(xs, h0, U, W, V, b, c):
    T = xs.shape[0]
    hs = [h0]
    ys = np.zeros((T, c.shape[0]))
    h = h0
    for t in range(T):
        h = np.tanh(U @ xs[t] + W @ h + b)
        hs.append(h)
        ys[t] = V @ h + c
    return np.array(hs), ys
