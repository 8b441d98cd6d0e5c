import numpy as np


def mse_loss(ys, targets):
    """Return the mean of the squared errors over every time step and output."""
    return float(np.mean((ys - targets) ** 2))
