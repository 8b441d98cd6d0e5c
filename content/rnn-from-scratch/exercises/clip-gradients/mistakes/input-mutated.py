import numpy as np


def clip_gradients(grads, max_norm):
    global_norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    if global_norm > max_norm:
        for g in grads.values():
            g *= max_norm / global_norm
    return grads
