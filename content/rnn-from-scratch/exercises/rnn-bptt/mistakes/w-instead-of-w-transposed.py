import numpy as np


def rnn_bptt(xs, h0, U, W, V, b, c, targets):
    T = xs.shape[0]
    H = h0.shape[0]

    # Forward pass, keeping every hidden state for the backward pass.
    hs = np.zeros((T, H))
    h = h0
    for t in range(T):
        h = np.tanh(U @ xs[t] + W @ h + b)
        hs[t] = h
    ys = hs @ V.T + c
    loss = np.mean((ys - targets) ** 2)

    # The mean runs over all T*K entries, so every dy_t carries the factor 1/(T*K).
    dys = 2.0 * (ys - targets) / ys.size
    dV = dys.T @ hs
    dc = dys.sum(axis=0)

    dU = np.zeros_like(U)
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    dh_next = np.zeros(H)  # what flows back into h_t from step t+1
    for t in reversed(range(T)):
        dh = V.T @ dys[t] + dh_next
        dz = dh * (1.0 - hs[t] ** 2)
        h_prev = hs[t - 1] if t > 0 else h0
        dU += np.outer(dz, xs[t])
        dW += np.outer(dz, h_prev)
        db += dz
        dh_next = W @ dz
    return float(loss), dU, dW, dV, db, dc
