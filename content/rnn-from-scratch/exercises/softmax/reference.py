import numpy as np


def softmax(z):
    """Return the softmax of z along its last axis, stable for large entries."""
    # Subtracting the row maximum leaves the result unchanged and keeps exp() finite.
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)
