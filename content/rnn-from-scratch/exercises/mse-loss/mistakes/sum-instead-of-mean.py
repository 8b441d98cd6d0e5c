import numpy as np


def mse_loss(ys, targets):
    return float(np.sum((ys - targets) ** 2))
