import numpy as np


def _step(rng, D, H, scale=0.6, h_prev_zero=False):
    h_prev = np.zeros(H) if h_prev_zero else rng.uniform(-0.9, 0.9, H)
    return [
        rng.normal(0.0, 1.0, D),
        h_prev,
        rng.normal(0.0, scale, (H, D)),
        rng.normal(0.0, scale, (H, H)),
        rng.normal(0.0, 0.5, H),
    ]


def make_cases():
    cases = [
        {
            "name": "example 1: three inputs, two hidden units, h_prev = 0",
            "visible": True,
            "args": [
                np.array([1.0, 0.0, -1.0]),
                np.array([0.0, 0.0]),
                np.array([[0.5, -0.5, 0.25], [0.1, 0.2, 0.3]]),
                np.array([[0.5, 0.0], [0.0, 0.5]]),
                np.array([0.1, -0.1]),
            ],
        },
        {
            "name": "example 2: D = H = 2, non-zero h_prev",
            "visible": True,
            "args": [
                np.array([1.0, 2.0]),
                np.array([0.5, -0.5]),
                np.array([[1.0, 0.0], [0.5, -1.0]]),
                np.array([[0.2, 0.4], [-0.3, 0.1]]),
                np.array([0.0, 0.2]),
            ],
        },
    ]
    rng = np.random.default_rng(1303)
    for D, H in [(3, 5), (4, 4), (2, 2), (8, 8), (6, 3), (1, 4), (5, 5)]:
        cases.append({"name": f"random D={D} H={H}", "visible": False, "args": _step(rng, D, H)})
    cases.append({"name": "H = 1, D = 1", "visible": False, "args": _step(rng, 1, 1)})
    cases.append({"name": "H = 1, D = 3", "visible": False, "args": _step(rng, 3, 1)})
    cases.append(
        {"name": "h_prev = 0", "visible": False, "args": _step(rng, 3, 3, h_prev_zero=True)}
    )

    zero = _step(rng, 3, 3)
    zero[2] = np.zeros((3, 3))
    zero[3] = np.zeros((3, 3))
    cases.append({"name": "zero weights", "visible": False, "args": zero})

    saturated = _step(rng, 4, 4, scale=10.0)
    cases.append({"name": "large weights that saturate tanh", "visible": False, "args": saturated})
    return cases
