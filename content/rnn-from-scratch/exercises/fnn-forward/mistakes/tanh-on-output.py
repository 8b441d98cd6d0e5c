import numpy as np


def fnn_forward(x, W1, b1, W2, b2):
    h = np.tanh(W1 @ x + b1)
    y = np.tanh(W2 @ h + b2)
    return h, y
