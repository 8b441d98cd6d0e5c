def sgd_step(params, grads, lr):
    """Return new parameters theta - lr * dtheta, leaving params and grads untouched."""
    return {name: value - lr * grads["d" + name] for name, value in params.items()}
