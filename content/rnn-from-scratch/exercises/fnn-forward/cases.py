import numpy as np


def _network(rng, D, H, K, scale=0.7):
    return [
        rng.normal(0.0, 1.0, D),
        rng.normal(0.0, scale, (H, D)),
        rng.normal(0.0, 0.5, H),
        rng.normal(0.0, scale, (K, H)),
        rng.normal(0.0, 0.5, K),
    ]


def make_cases():
    cases = [
        {
            "name": "example 1: a 1-1-1 network",
            "visible": True,
            "args": [
                np.array([0.5]),
                np.array([[0.8]]),
                np.array([0.1]),
                np.array([[1.5]]),
                np.array([-0.2]),
            ],
        },
        {
            "name": "example 2: two inputs, three hidden units, two outputs",
            "visible": True,
            "args": [
                np.array([1.0, -1.0]),
                np.array([[0.5, 0.0], [0.0, 0.5], [1.0, 1.0]]),
                np.array([0.0, 0.1, -0.1]),
                np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0]]),
                np.array([0.5, 0.0]),
            ],
        },
    ]
    rng = np.random.default_rng(1101)
    for D, H, K in [(3, 4, 2), (1, 1, 1), (5, 1, 3), (2, 6, 1), (4, 4, 4), (8, 8, 8), (7, 3, 5)]:
        cases.append(
            {"name": f"random D={D} H={H} K={K}", "visible": False, "args": _network(rng, D, H, K)}
        )

    zero = _network(rng, 3, 2, 2)
    zero[1] = np.zeros((2, 3))
    zero[3] = np.zeros((2, 2))
    cases.append({"name": "zero weights", "visible": False, "args": zero})

    saturated = _network(rng, 4, 3, 2)
    saturated[1] = saturated[1] * 20.0
    cases.append({"name": "large weights that saturate tanh", "visible": False, "args": saturated})
    return cases
