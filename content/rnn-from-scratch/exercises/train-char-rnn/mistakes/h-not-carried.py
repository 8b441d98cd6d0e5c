import numpy as np


def _softmax(o):
    e = np.exp(o - o.max())
    return e / e.sum()


def _init(rng, H, K):
    return {
        "U": rng.normal(0.0, 0.1, (H, K)),
        "W": rng.normal(0.0, 0.1, (H, H)),
        "V": rng.normal(0.0, 0.1, (K, H)),
        "b": np.zeros(H),
        "c": np.zeros(K),
    }


def _chunk_loss_and_grads(p, inputs, labels, h0):
    """Forward over one chunk from h0, mean cross-entropy, and BPTT inside the chunk."""
    T, H, K = len(inputs), p["W"].shape[0], p["V"].shape[0]
    xs = np.eye(K)[inputs]  # one-hot rows, (T, K)
    hs, probs = np.zeros((T, H)), np.zeros((T, K))
    h = h0
    for t in range(T):
        h = np.tanh(p["U"] @ xs[t] + p["W"] @ h + p["b"])
        hs[t] = h
        probs[t] = _softmax(p["V"] @ h + p["c"])
    loss = -np.mean(np.log(probs[np.arange(T), labels]))
    do = probs.copy()
    do[np.arange(T), labels] -= 1.0
    do /= T  # the loss is a mean over the chunk
    grads = {"U": np.zeros_like(p["U"]), "W": np.zeros_like(p["W"]), "b": np.zeros(H)}
    grads["V"] = do.T @ hs
    grads["c"] = do.sum(axis=0)
    dh_next = np.zeros(H)
    for t in reversed(range(T)):
        dz = (p["V"].T @ do[t] + dh_next) * (1.0 - hs[t] ** 2)
        h_prev = hs[t - 1] if t > 0 else h0
        grads["U"] += np.outer(dz, xs[t])
        grads["W"] += np.outer(dz, h_prev)
        grads["b"] += dz
        dh_next = p["W"].T @ dz
    return loss, grads, hs[-1]


def _clip(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = max_norm / norm if norm > max_norm else 1.0
    return {name: g * scale for name, g in grads.items()}


def _sample(p, start, length, tau, rng):
    H, K = p["W"].shape[0], p["V"].shape[0]
    h, k, drawn = np.zeros(H), start, []
    for _ in range(length):
        h = np.tanh(p["U"][:, k] + p["W"] @ h + p["b"])
        k = int(rng.choice(K, p=_softmax((p["V"] @ h + p["c"]) / tau)))
        drawn.append(k)
    return drawn


def train_char_rnn(text, settings):
    """Known mistake: h-not-carried."""
    chars = sorted(set(text))
    index = {ch: i for i, ch in enumerate(chars)}
    data = [index[ch] for ch in text]
    H, L = settings["hidden_size"], settings["seq_length"]
    p = _init(np.random.default_rng(settings["seed"]), H, len(chars))
    losses = np.zeros(settings["num_steps"])
    pos = 0
    for step in range(settings["num_steps"]):
        if pos + L + 1 > len(data):  # a new pass over the text starts from a fresh state
            pos = 0
        inputs, labels = data[pos : pos + L], data[pos + 1 : pos + L + 1]
        losses[step], grads, _ = _chunk_loss_and_grads(p, inputs, labels, np.zeros(H))
        grads = _clip(grads, settings["max_norm"])
        p = {name: p[name] - settings["learning_rate"] * grads[name] for name in p}
        pos += L
    below = np.flatnonzero(losses < settings["target_loss"])
    first_below = int(below[0]) + 1 if below.size else None
    rng = np.random.default_rng(settings["seed"])
    samples = [
        "".join(chars[k] for k in _sample(p, data[0], settings["sample_length"], tau, rng))
        for tau in settings["temperatures"]
    ]
    return losses, first_below, samples, p
