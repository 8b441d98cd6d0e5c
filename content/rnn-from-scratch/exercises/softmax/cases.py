import numpy as np


def make_cases():
    cases = [
        {"name": "example 1: a vector", "visible": True, "args": [np.array([1.0, 2.0, 3.0])]},
        {
            "name": "example 2: one row per time step",
            "visible": True,
            "args": [np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])],
        },
    ]
    rng = np.random.default_rng(1909)
    for K in (2, 5, 8):
        cases.append(
            {"name": f"vector of length {K}", "visible": False, "args": [rng.normal(0.0, 2.0, K)]}
        )
    for T, K in [(3, 4), (6, 2), (12, 8), (5, 5)]:
        cases.append(
            {
                "name": f"{T} rows of length {K}",
                "visible": False,
                "args": [rng.normal(0.0, 2.0, (T, K))],
            }
        )
    cases.append({"name": "a single entry", "visible": False, "args": [np.array([0.7])]})
    cases.append({"name": "one column", "visible": False, "args": [rng.normal(0.0, 1.0, (4, 1))]})
    cases.append({"name": "one row", "visible": False, "args": [rng.normal(0.0, 1.0, (1, 6))]})
    cases.append(
        {
            "name": "vector with entries at +-1000",
            "visible": False,
            "args": [np.array([1000.0, 999.0, -1000.0, 0.0])],
        }
    )
    cases.append(
        {
            "name": "rows with entries at +-1000",
            "visible": False,
            "args": [
                np.array(
                    [
                        [1000.0, 1000.0, -1000.0],
                        [-1000.0, -999.0, -1000.0],
                        [0.5, -0.5, 0.0],
                        [-1000.0, 1000.0, 998.0],
                    ]
                )
            ],
        }
    )
    return cases
