import numpy as np


def rnn_bptt(xs, h0, U, W, V, b, c, targets):
    T = xs.shape[0]
    H = h0.shape[0]

    hs = np.zeros((T, H))
    h = h0
    for t in range(T):
        h = np.tanh(U @ xs[t] + W @ h + b)
        hs[t] = h
    ys = hs @ V.T + c
    loss = np.mean((ys - targets) ** 2)

    dys = 2.0 * (ys - targets) / ys.size
    dV = dys.T @ hs
    dc = dys.sum(axis=0)

    dU = np.zeros_like(U)
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    dh_next = np.zeros(H)
    for t in reversed(range(T)):
        dh = V.T @ dys[t] + dh_next
        dz = dh * (1.0 - hs[t] ** 2)
        dU += np.outer(dz, xs[t])
        dW += np.outer(dz, hs[t])
        db += dz
        dh_next = W.T @ dz
    return float(loss), dU, dW, dV, db, dc
