import numpy as np


def rnn_step(x_t, h_prev, U, W, b):
    return np.tanh(W @ x_t + U @ h_prev + b)
