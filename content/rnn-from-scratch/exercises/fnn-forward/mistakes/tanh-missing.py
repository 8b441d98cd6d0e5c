def fnn_forward(x, W1, b1, W2, b2):
    h = W1 @ x + b1
    y = W2 @ h + b2
    return h, y
