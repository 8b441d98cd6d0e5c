import numpy as np


def sgd_step(params, grads, lr):
    """Return a new dict of parameters after one SGD step; leave params and grads unchanged."""
    raise NotImplementedError
