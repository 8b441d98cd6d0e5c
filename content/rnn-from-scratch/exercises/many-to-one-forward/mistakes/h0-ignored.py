import numpy as np


def many_to_one_forward(xs, h0, U, W, V, b, c):
    h = np.zeros_like(h0)
    for x_t in xs:
        h = np.tanh(U @ x_t + W @ h + b)
    logits = V @ h + c
    e = np.exp(logits - np.max(logits))
    return e / np.sum(e)
