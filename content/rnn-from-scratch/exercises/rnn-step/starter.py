import numpy as np


def rnn_step(x_t, h_prev, U, W, b):
    """Return the next hidden state h_t, shape (H,)."""
    raise NotImplementedError
