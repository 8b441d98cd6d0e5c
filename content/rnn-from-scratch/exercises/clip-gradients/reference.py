import numpy as np


def clip_gradients(grads, max_norm):
    """Return the gradients scaled down so their global norm is at most max_norm."""
    global_norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = 1.0
    if global_norm > max_norm:
        scale = max_norm / global_norm
    return {name: g * scale for name, g in grads.items()}
