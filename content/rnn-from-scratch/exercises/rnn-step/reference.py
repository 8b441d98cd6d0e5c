import numpy as np


def rnn_step(x_t, h_prev, U, W, b):
    """Return the next hidden state tanh(U x_t + W h_prev + b)."""
    return np.tanh(U @ x_t + W @ h_prev + b)
