import numpy as np


def many_to_one_bptt(xs, h0, U, W, V, b, c, label):
    T = xs.shape[0]
    H = h0.shape[0]

    hs = np.zeros((T, H))
    h = h0
    for t in range(T):
        h = np.tanh(U @ xs[t] + W @ h + b)
        hs[t] = h
    logits = V @ hs[-1] + c
    shifted = logits - np.max(logits)
    log_probs = shifted - np.log(np.sum(np.exp(shifted)))
    loss = -log_probs[label]

    # Gradient of cross-entropy with respect to the logits: softmax minus one-hot.
    dlogits = np.exp(log_probs)
    dlogits[label] -= 1.0
    dV = np.outer(dlogits, hs[-1])
    dc = dlogits

    dU = np.zeros_like(U)
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    dh = V.T @ dlogits  # only the last step has an output; earlier steps get W^T dz
    for t in reversed(range(T)):
        dz = dh * (1.0 - hs[t] ** 2)
        h_prev = hs[t - 1] if t > 0 else h0
        dU += np.outer(dz, xs[t])
        dW += np.outer(dz, h_prev)
        db += dz
        dh = W @ dz
    return float(loss), dU, dW, dV, db, dc
