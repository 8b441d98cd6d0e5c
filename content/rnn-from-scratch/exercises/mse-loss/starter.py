import numpy as np


def mse_loss(ys, targets):
    """Return the mean squared error over all T*K entries, as a number."""
    raise NotImplementedError
