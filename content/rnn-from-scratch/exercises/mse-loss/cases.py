import numpy as np


def make_cases():
    cases = [
        {
            "name": "example 1: two steps, two outputs",
            "visible": True,
            "args": [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 1.0], [1.0, 1.0]])],
        },
        {
            "name": "example 2: three steps, one output",
            "visible": True,
            "args": [np.array([[0.5], [-0.5], [1.0]]), np.array([[0.0], [0.0], [2.0]])],
        },
    ]
    rng = np.random.default_rng(2010)
    for T, K in [(4, 3), (12, 8), (6, 1), (1, 5), (1, 1), (7, 2), (3, 3)]:
        cases.append(
            {
                "name": f"T={T} K={K}",
                "visible": False,
                "args": [rng.normal(0.0, 1.0, (T, K)), rng.normal(0.0, 1.0, (T, K))],
            }
        )
    ys = rng.normal(0.0, 1.0, (5, 4))
    cases.append({"name": "perfect predictions", "visible": False, "args": [ys, ys.copy()]})
    cases.append(
        {
            "name": "large errors",
            "visible": False,
            "args": [rng.normal(0.0, 100.0, (4, 3)), rng.normal(0.0, 1.0, (4, 3))],
        }
    )
    return cases
