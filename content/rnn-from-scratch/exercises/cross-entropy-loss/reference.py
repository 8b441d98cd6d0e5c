import numpy as np


def cross_entropy_loss(logits, labels):
    """Return the mean over time steps of -log softmax(logits_t)[label_t]."""
    # log-softmax via the max trick: no exp() of a large positive number, no log(0).
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    steps = np.arange(logits.shape[0])
    return float(-np.mean(log_probs[steps, labels]))
