import numpy as np


def clip_gradients(grads, max_norm):
    clipped = {}
    for name, g in grads.items():
        norm = np.sqrt(np.sum(g**2))
        scale = max_norm / norm if norm > max_norm else 1.0
        clipped[name] = g * scale
    return clipped
