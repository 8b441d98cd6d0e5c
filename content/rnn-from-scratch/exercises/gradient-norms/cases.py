import numpy as np


def _rnn(rng, T, D, H, scale=0.6, h0_zero=False):
    h0 = np.zeros(H) if h0_zero else rng.uniform(-0.9, 0.9, H)
    return [
        rng.normal(0.0, 1.0, (T, D)),
        h0,
        rng.normal(0.0, scale, (H, D)),
        rng.normal(0.0, scale, (H, H)),
        rng.normal(0.0, 0.5, H),
    ]


def make_cases():
    cases = [
        {
            "name": "example 1: a scalar RNN over four steps",
            "visible": True,
            "args": [
                np.array([[1.0], [0.5], [-0.5], [1.0]]),
                np.array([0.0]),
                np.array([[0.5]]),
                np.array([[0.9]]),
                np.array([0.0]),
            ],
        },
        {
            "name": "example 2: D = 2, H = 2, three steps",
            "visible": True,
            "args": [
                np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
                np.array([0.0, 0.0]),
                np.array([[0.5, -0.5], [0.25, 0.5]]),
                np.array([[0.5, 0.25], [-0.25, 0.5]]),
                np.array([0.1, -0.1]),
            ],
        },
    ]
    rng = np.random.default_rng(1808)
    for T, D, H in [(5, 3, 4), (8, 4, 4), (12, 8, 8), (6, 2, 5), (10, 3, 3)]:
        cases.append(
            {"name": f"random T={T} D={D} H={H}", "visible": False, "args": _rnn(rng, T, D, H)}
        )
    cases.append({"name": "T = 1", "visible": False, "args": _rnn(rng, 1, 3, 3)})
    cases.append({"name": "H = 1", "visible": False, "args": _rnn(rng, 7, 2, 1)})
    cases.append({"name": "h0 = 0", "visible": False, "args": _rnn(rng, 5, 3, 3, h0_zero=True)})

    # Small inputs keep tanh near its linear range, so W's gain of 1.5 makes the norms grow.
    exploding = _rnn(rng, 10, 2, 4, scale=0.1, h0_zero=True)
    exploding[0] = exploding[0] * 0.1
    exploding[3] = 1.5 * np.linalg.qr(rng.normal(0.0, 1.0, (4, 4)))[0]
    exploding[4] = np.zeros(4)
    cases.append({"name": "recurrent weights with gain 1.5", "visible": False, "args": exploding})

    zero = _rnn(rng, 5, 3, 3)
    zero[2] = np.zeros((3, 3))
    zero[3] = np.zeros((3, 3))
    cases.append({"name": "zero weights", "visible": False, "args": zero})
    cases.append(
        {
            "name": "large weights that saturate tanh",
            "visible": False,
            "args": _rnn(rng, 6, 4, 4, scale=10.0),
        }
    )
    return cases
