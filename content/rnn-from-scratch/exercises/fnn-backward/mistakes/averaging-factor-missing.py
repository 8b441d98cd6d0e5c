import numpy as np


def fnn_backward(x, target, W1, b1, W2, b2):
    h = np.tanh(W1 @ x + b1)
    y = W2 @ h + b2
    loss = np.mean((y - target) ** 2)
    dy = 2.0 * (y - target)
    dW2 = np.outer(dy, h)
    db2 = dy
    dh = W2.T @ dy
    dz = dh * (1.0 - h**2)
    dW1 = np.outer(dz, x)
    db1 = dz
    return float(loss), dW1, db1, dW2, db2
