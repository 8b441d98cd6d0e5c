import numpy as np


def _grads(rng, D, H, K, scale):
    return {
        "dU": rng.normal(0.0, scale, (H, D)),
        "dW": rng.normal(0.0, scale, (H, H)),
        "dV": rng.normal(0.0, scale, (K, H)),
        "db": rng.normal(0.0, scale, H),
        "dc": rng.normal(0.0, scale, K),
    }


def _norm(grads):
    return float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))


def make_cases():
    cases = [
        {
            "name": "example 1: global norm 5, clipped to 1",
            "visible": True,
            "args": [
                {
                    "dU": np.array([[3.0]]),
                    "dW": np.array([[0.0]]),
                    "dV": np.array([[4.0]]),
                    "db": np.array([0.0]),
                    "dc": np.array([0.0]),
                },
                1.0,
            ],
        },
        {
            "name": "example 2: global norm 1, below max_norm 5, unchanged",
            "visible": True,
            "args": [
                {
                    "dU": np.array([[0.6, 0.0], [0.0, 0.0]]),
                    "dW": np.array([[0.0, 0.0], [0.0, 0.8]]),
                    "dV": np.array([[0.0, 0.0]]),
                    "db": np.array([0.0, 0.0]),
                    "dc": np.array([0.0]),
                },
                5.0,
            ],
        },
    ]
    rng = np.random.default_rng(2313)
    # The ratio sets the regime: below 1 the gradients are clipped, above 1 they are not.
    for (D, H, K), ratio in [
        ((3, 4, 2), 0.5),
        ((8, 8, 8), 0.1),
        ((1, 1, 1), 0.3),
        ((5, 3, 1), 2.0),
        ((2, 6, 4), 1.5),
        ((4, 4, 3), 10.0),
        ((6, 5, 2), 0.9),
    ]:
        grads = _grads(rng, D, H, K, scale=float(rng.uniform(0.1, 5.0)))
        max_norm = ratio * _norm(grads)
        regime = "clipped" if ratio < 1 else "not clipped"
        cases.append(
            {"name": f"D={D} H={H} K={K}, {regime}", "visible": False, "args": [grads, max_norm]}
        )
    # Global norm above max_norm although every single array is below it.
    spread = _grads(rng, 8, 8, 8, scale=1.0)
    largest = max(float(np.sqrt(np.sum(g**2))) for g in spread.values())
    cases.append(
        {
            "name": "many gradients, each small, clipped together",
            "visible": False,
            "args": [spread, 0.5 * (largest + _norm(spread))],
        }
    )
    zero = {name: np.zeros_like(g) for name, g in _grads(rng, 3, 2, 2, scale=1.0).items()}
    cases.append({"name": "all gradients zero", "visible": False, "args": [zero, 1.0]})
    return cases
