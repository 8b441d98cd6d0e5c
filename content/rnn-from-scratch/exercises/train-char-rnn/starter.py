import numpy as np


def train_char_rnn(text, settings):
    """Return (losses, first_below, samples, params) as described in the prompt."""
    chars = sorted(set(text))
    index = {ch: i for i, ch in enumerate(chars)}
    data = [index[ch] for ch in text]
    H, K, L = settings["hidden_size"], len(chars), settings["seq_length"]
    rng = np.random.default_rng(settings["seed"])
    params = {
        "U": rng.normal(0.0, 0.1, (H, K)),
        "W": rng.normal(0.0, 0.1, (H, H)),
        "V": rng.normal(0.0, 0.1, (K, H)),
        "b": np.zeros(H),
        "c": np.zeros(K),
    }
    losses = np.zeros(settings["num_steps"])
    h, pos = np.zeros(H), 0
    for step in range(settings["num_steps"]):
        if pos + L + 1 > len(data):
            h, pos = np.zeros(H), 0
        inputs, labels = data[pos : pos + L], data[pos + 1 : pos + L + 1]
        raise NotImplementedError("forward, loss, BPTT, clipping and the SGD update of one chunk")
    first_below = None
    sampler = np.random.default_rng(settings["seed"])
    samples = []
    return losses, first_below, samples, params
