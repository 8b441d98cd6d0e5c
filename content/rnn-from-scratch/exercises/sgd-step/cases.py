import numpy as np


def _params(rng, D, H, K):
    return {
        "U": rng.normal(0.0, 0.5, (H, D)),
        "W": rng.normal(0.0, 0.5, (H, H)),
        "V": rng.normal(0.0, 0.5, (K, H)),
        "b": rng.normal(0.0, 0.5, H),
        "c": rng.normal(0.0, 0.5, K),
    }


def _grads(rng, D, H, K):
    return {"d" + name: value for name, value in _params(rng, D, H, K).items()}


def make_cases():
    cases = [
        {
            "name": "example 1: a scalar RNN, lr = 0.1",
            "visible": True,
            "args": [
                {
                    "U": np.array([[0.5]]),
                    "W": np.array([[0.8]]),
                    "V": np.array([[2.0]]),
                    "b": np.array([0.1]),
                    "c": np.array([-0.5]),
                },
                {
                    "dU": np.array([[1.0]]),
                    "dW": np.array([[-2.0]]),
                    "dV": np.array([[0.5]]),
                    "db": np.array([0.0]),
                    "dc": np.array([3.0]),
                },
                0.1,
            ],
        },
        {
            "name": "example 2: D = 2, H = 2, K = 1, lr = 0.5",
            "visible": True,
            "args": [
                {
                    "U": np.array([[1.0, 0.0], [0.0, 1.0]]),
                    "W": np.array([[0.5, 0.5], [0.0, 0.5]]),
                    "V": np.array([[1.0, -1.0]]),
                    "b": np.array([0.0, 0.0]),
                    "c": np.array([1.0]),
                },
                {
                    "dU": np.array([[0.2, -0.2], [0.4, 0.0]]),
                    "dW": np.array([[1.0, 0.0], [0.0, -1.0]]),
                    "dV": np.array([[0.5, 0.5]]),
                    "db": np.array([1.0, -1.0]),
                    "dc": np.array([-2.0]),
                },
                0.5,
            ],
        },
    ]
    rng = np.random.default_rng(2212)
    for (D, H, K), lr in [
        ((3, 4, 2), 0.01),
        ((8, 8, 8), 0.3),
        ((1, 1, 1), 2.0),
        ((5, 3, 1), 1.0),
        ((2, 6, 4), 0.05),
        ((4, 4, 3), 0.7),
    ]:
        cases.append(
            {
                "name": f"D={D} H={H} K={K}, lr={lr}",
                "visible": False,
                "args": [_params(rng, D, H, K), _grads(rng, D, H, K), lr],
            }
        )
    zero_grads = {name: np.zeros_like(g) for name, g in _grads(rng, 3, 2, 2).items()}
    cases.append(
        {
            "name": "zero gradients",
            "visible": False,
            "args": [_params(rng, 3, 2, 2), zero_grads, 0.1],
        }
    )
    cases.append(
        {
            "name": "lr = 0",
            "visible": False,
            "args": [_params(rng, 2, 3, 2), _grads(rng, 2, 3, 2), 0.0],
        }
    )
    return cases
