import numpy as np


def fnn_forward(x, W1, b1, W2, b2):
    """Return (h, y): h = tanh(W1 x + b1) of shape (H,), y = W2 h + b2 of shape (K,)."""
    raise NotImplementedError("compute h, then y")
