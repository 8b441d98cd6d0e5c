import numpy as np

EPS = 1e-4


def _bptt(xs, h0, p, targets, bug=None):
    """Gradients of the MSE loss; `bug` names one typical mistake to build into them."""
    T, H = xs.shape[0], h0.shape[0]
    hs = np.zeros((T, H))
    h = h0
    for t in range(T):
        h = np.tanh(p["U"] @ xs[t] + p["W"] @ h + p["b"])
        hs[t] = h
    ys = hs @ p["V"].T + p["c"]
    dys = 2.0 * (ys - targets) / ys.size
    if bug == "averaging factor missing":
        dys = 2.0 * (ys - targets)
    grads = {"dU": np.zeros_like(p["U"]), "dW": np.zeros_like(p["W"]), "db": np.zeros(H)}
    dh_next = np.zeros(H)
    for t in reversed(range(T)):
        dz = (p["V"].T @ dys[t] + dh_next) * (1.0 - hs[t] ** 2)
        h_prev = hs[t - 1] if t > 0 else h0
        grads["dU"] += np.outer(dz, xs[t])
        grads["dW"] += np.outer(dz, hs[t] if bug == "h_t for h_{t-1}" else h_prev)
        grads["db"] += dz
        dh_next = p["W"].T @ dz
    grads["dV"] = dys.T @ hs
    grads["dc"] = dys.sum(axis=0)
    if bug == "averaging factor missing":  # only dV keeps the missing factor
        grads = {**_bptt(xs, h0, p, targets), "dV": grads["dV"]}
    if bug == "db without tanh derivative":
        grads["db"] = sum(p["V"].T @ dys[t] for t in range(T))
    if bug == "dU from the last step only":
        right = _bptt(xs, h0, p, targets)
        dz_last = (p["V"].T @ dys[-1]) * (1.0 - hs[-1] ** 2)
        grads = {**right, "dU": np.outer(dz_last, xs[-1])}
    return {key: grads[key] for key in ("dU", "dW", "dV", "db", "dc")}


def _random(rng, T, D, H, K, bug):
    xs = rng.normal(0.0, 1.0, (T, D))
    h0 = rng.uniform(-0.5, 0.5, H)
    p = {
        "U": rng.normal(0.0, 0.6, (H, D)),
        "W": rng.normal(0.0, 0.6, (H, H)),
        "V": rng.normal(0.0, 0.6, (K, H)),
        "b": rng.normal(0.0, 0.3, H),
        "c": rng.normal(0.0, 0.3, K),
    }
    targets = rng.normal(0.0, 1.0, (T, K))
    return [xs, h0, p, targets, _bptt(xs, h0, p, targets, bug), EPS]


def make_cases():
    lesson5 = {
        "U": np.array([[0.8]]),
        "W": np.array([[0.5]]),
        "V": np.array([[1.5]]),
        "b": np.array([0.1]),
        "c": np.array([-0.2]),
    }
    xs, h0, targets = np.array([[0.5], [1.0]]), np.array([0.0]), np.array([[1.0], [0.5]])
    cases = [
        {
            "name": "example 1: lesson 5's network, every gradient right",
            "visible": True,
            "args": [xs, h0, lesson5, targets, _bptt(xs, h0, lesson5, targets), EPS],
        },
        {
            "name": "example 2: lesson 5's network, dW built with h_t instead of h_{t-1}",
            "visible": True,
            "args": [
                xs,
                h0,
                lesson5,
                targets,
                _bptt(xs, h0, lesson5, targets, "h_t for h_{t-1}"),
                EPS,
            ],
        },
    ]
    rng = np.random.default_rng(1406)
    bugs = [
        None,
        "h_t for h_{t-1}",
        "averaging factor missing",
        "db without tanh derivative",
        "dU from the last step only",
        None,
        "h_t for h_{t-1}",
        "db without tanh derivative",
    ]
    sizes = [
        (3, 2, 3, 2),
        (4, 3, 2, 1),
        (5, 2, 4, 3),
        (3, 3, 3, 2),
        (6, 1, 2, 2),
        (2, 4, 4, 4),
        (8, 2, 3, 2),
        (1, 3, 2, 2),
    ]
    for (T, D, H, K), bug in zip(sizes, bugs):
        cases.append(
            {
                "name": f"T={T}, D={D}, H={H}, K={K}: {bug or 'every gradient right'}",
                "visible": False,
                "args": _random(rng, T, D, H, K, bug),
            }
        )
    return cases
