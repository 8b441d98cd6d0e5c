import numpy as np


def _rnn(rng, T, D, H, K, scale=0.6, h0_zero=False):
    h0 = np.zeros(H) if h0_zero else rng.uniform(-0.9, 0.9, H)
    return [
        rng.normal(0.0, 1.0, (T, D)),
        h0,
        rng.normal(0.0, scale, (H, D)),
        rng.normal(0.0, scale, (H, H)),
        rng.normal(0.0, scale, (K, H)),
        rng.normal(0.0, 0.5, H),
        rng.normal(0.0, 0.5, K),
        rng.normal(0.0, 1.0, (T, K)),
    ]


def make_cases():
    cases = [
        {
            "name": "example 1: a scalar RNN over two steps",
            "visible": True,
            "args": [
                np.array([[1.0], [-0.5]]),
                np.array([0.0]),
                np.array([[0.5]]),
                np.array([[0.8]]),
                np.array([[2.0]]),
                np.array([0.1]),
                np.array([-0.5]),
                np.array([[0.5], [1.0]]),
            ],
        },
        {
            "name": "example 2: D = 2, H = 2, K = 1, three steps",
            "visible": True,
            "args": [
                np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
                np.array([0.0, 0.0]),
                np.array([[0.5, -0.5], [0.25, 0.5]]),
                np.array([[0.5, 0.25], [-0.25, 0.5]]),
                np.array([[1.0, -1.0]]),
                np.array([0.1, -0.1]),
                np.array([0.0]),
                np.array([[0.5], [-0.5], [1.0]]),
            ],
        },
    ]
    rng = np.random.default_rng(1606)
    for T, D, H, K in [
        (4, 3, 5, 2),
        (5, 4, 4, 3),
        (6, 2, 2, 2),
        (12, 8, 8, 8),
        (3, 6, 3, 1),
        (7, 5, 5, 4),
        (8, 3, 4, 4),
    ]:
        cases.append(
            {
                "name": f"random T={T} D={D} H={H} K={K}",
                "visible": False,
                "args": _rnn(rng, T, D, H, K),
            }
        )
    cases.append({"name": "T = 1", "visible": False, "args": _rnn(rng, 1, 3, 3, 2)})
    cases.append({"name": "H = 1", "visible": False, "args": _rnn(rng, 5, 2, 1, 2)})
    cases.append({"name": "h0 = 0", "visible": False, "args": _rnn(rng, 4, 3, 3, 3, h0_zero=True)})

    zero = _rnn(rng, 4, 3, 3, 2)
    for i in (2, 3, 4):
        zero[i] = np.zeros_like(zero[i])
    cases.append({"name": "zero weights", "visible": False, "args": zero})
    cases.append(
        {
            "name": "large weights that saturate tanh",
            "visible": False,
            "args": _rnn(rng, 6, 4, 4, 2, scale=10.0),
        }
    )
    return cases
