import numpy as np

NAMES = {"dU": "U", "dW": "W", "dV": "V", "db": "b", "dc": "c"}


def _loss(xs, h0, p, targets):
    h = h0
    ys = []
    for x_t in xs:
        h = np.tanh(p["U"] @ x_t + p["W"] @ h + p["b"])
        ys.append(p["V"] @ h + p["c"])
    return np.mean((np.array(ys) - targets) ** 2)


def grad_check(xs, h0, params, targets, grads, eps):
    """Known mistake: absolute-error."""
    numeric, rel_error = {}, {}
    for key, name in NAMES.items():
        p = {k: v.copy() for k, v in params.items()}  # never touch the caller's arrays
        estimate = np.zeros_like(p[name])
        for i in np.ndindex(p[name].shape):
            old = p[name][i]
            p[name][i] = old + eps
            up = _loss(xs, h0, p, targets)
            p[name][i] = old - eps
            down = _loss(xs, h0, p, targets)
            p[name][i] = old
            estimate[i] = (up - down) / (2 * eps)
        numeric[key] = estimate
        difference = np.linalg.norm(grads[key] - estimate)
        rel_error[key] = float(difference)
    worst = max(rel_error, key=rel_error.get)
    wrong = worst if rel_error[worst] > 1e-5 else None
    return numeric, rel_error, wrong
