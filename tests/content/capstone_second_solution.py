"""A second, independently written correct capstone solution (graded in a test, never imported).

It computes the same quantities in another order (column lookups instead of one-hot products,
log-softmax over the whole chunk, a Python list for the losses), so a test shows that the
course run's comparison with the reference is not thrown off by rounding.
"""

import numpy as np


def train_char_rnn(text, settings):
    chars = sorted(set(text))
    K, H, L = len(chars), settings["hidden_size"], settings["seq_length"]
    data = np.array([chars.index(ch) for ch in text])
    rng = np.random.default_rng(settings["seed"])
    U = rng.normal(0.0, 0.1, (H, K))
    W = rng.normal(0.0, 0.1, (H, H))
    V = rng.normal(0.0, 0.1, (K, H))
    b, c = np.zeros(H), np.zeros(K)
    losses, h, pos = [], np.zeros(H), 0
    for _ in range(settings["num_steps"]):
        if pos + L >= len(data):
            pos, h = 0, np.zeros(H)
        inp, lab = data[pos : pos + L], data[pos + 1 : pos + L + 1]
        states = [h]
        for k in inp:
            states.append(np.tanh(U[:, k] + W @ states[-1] + b))
        hs = np.array(states[1:])
        logits = hs @ V.T + c
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        losses.append(-logp[np.arange(L), lab].sum() / L)
        do = np.exp(logp)
        do[np.arange(L), lab] -= 1
        do /= L
        dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros_like(b)
        dh = np.zeros(H)
        for t in range(L - 1, -1, -1):
            dz = (1 - hs[t] ** 2) * (dh + V.T @ do[t])
            dU[:, inp[t]] += dz
            dW += np.outer(dz, states[t])
            db += dz
            dh = W.T @ dz
        grads = [dU, dW, do.T @ hs, db, do.sum(axis=0)]
        norm = np.sqrt(sum((g * g).sum() for g in grads))
        if norm > settings["max_norm"]:
            grads = [g * (settings["max_norm"] / norm) for g in grads]
        lr = settings["learning_rate"]
        U, W, V, b, c = (p - lr * g for p, g in zip((U, W, V, b, c), grads, strict=True))
        h, pos = hs[-1], pos + L
    losses = np.array(losses)
    below = [i + 1 for i, loss in enumerate(losses) if loss < settings["target_loss"]]
    sampler = np.random.default_rng(settings["seed"])
    samples = []
    for tau in settings["temperatures"]:
        state, k, text_out = np.zeros(H), data[0], ""
        for _ in range(settings["sample_length"]):
            state = np.tanh(U[:, k] + W @ state + b)
            z = (V @ state + c) / tau
            q = np.exp(z - z.max())
            k = sampler.choice(K, p=q / q.sum())
            text_out += chars[k]
        samples.append(text_out)
    params = {"U": U, "W": W, "V": V, "b": b, "c": c}
    return losses, (below[0] if below else None), samples, params
