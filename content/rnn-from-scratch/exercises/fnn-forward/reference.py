import numpy as np


def fnn_forward(x, W1, b1, W2, b2):
    """Return the hidden activation h and the output y of a one-hidden-layer network."""
    h = np.tanh(W1 @ x + b1)
    y = W2 @ h + b2
    return h, y
