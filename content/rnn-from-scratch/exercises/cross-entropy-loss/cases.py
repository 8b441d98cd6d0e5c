import numpy as np


def make_cases():
    cases = [
        {
            "name": "example 1: two steps, three classes",
            "visible": True,
            "args": [np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 3.0]]), np.array([0, 2])],
        },
        {
            "name": "example 2: one step, two classes",
            "visible": True,
            "args": [np.array([[1.0, -1.0]]), np.array([1])],
        },
    ]
    rng = np.random.default_rng(2111)
    for T, K in [(4, 3), (12, 8), (6, 2), (1, 5), (7, 4), (3, 3), (5, 6)]:
        cases.append(
            {
                "name": f"T={T} K={K}",
                "visible": False,
                "args": [rng.normal(0.0, 2.0, (T, K)), rng.integers(0, K, T, dtype=np.int64)],
            }
        )
    cases.append(
        {
            "name": "confident and right",
            "visible": False,
            "args": [np.array([[10.0, -10.0], [-10.0, 10.0]]), np.array([0, 1])],
        }
    )
    # Rows holding +1000 have it away from the label, whose own logit stays small: every
    # unstable way of writing the loss then gives +inf (not NaN), so all match the variant.
    cases.append(
        {
            "name": "entries at +-1000",
            "visible": False,
            "args": [
                np.array([[1000.0, 0.0, -1000.0], [5.0, 1000.0, 2.0], [0.5, -1000.0, 0.0]]),
                np.array([1, 0, 2]),
            ],
        }
    )
    cases.append(
        {
            "name": "one step with entries at +-1000",
            "visible": False,
            "args": [np.array([[-1000.0, 1000.0, 3.0, 0.0]]), np.array([2])],
        }
    )
    # Every logit near 1000 and none far below the largest: exp() overflows (no max
    # subtraction gives NaN or inf) while no probability underflows, so a stable softmax
    # followed by log(p) is right here. This case tells the two mistakes apart.
    cases.append(
        {
            "name": "three logits near 1000",
            "visible": False,
            "args": [np.array([[1000.0, 1000.0, 999.0]]), np.array([2])],
        }
    )
    return cases
