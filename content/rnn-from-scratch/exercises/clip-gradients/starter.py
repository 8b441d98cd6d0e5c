import numpy as np


def clip_gradients(grads, max_norm):
    """Return a new dict of gradients scaled by min(1, max_norm / global_norm)."""
    raise NotImplementedError
