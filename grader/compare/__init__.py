"""Compare a learner's outputs with the reference's and say, in one sentence, where they differ.

Plain Python and NumPy: no Django, no sandbox. Every function takes decoded values (arrays,
Python scalars, None, and tuples, lists or dicts of those) and never executes anything.
`components` walks a returned value in a fixed order of checks, `messages` words what it finds,
`values` holds tolerances, closeness, finiteness and JSON conversion, and `mutation` finds an
input the learner's call changed.
"""

from grader.compare.components import (
    ComponentResult,
    compare_output,
    compare_value,
    component_names,
)
from grader.compare.mutation import find_mutation, inputs_changed
from grader.compare.values import (
    SCALE_ATOL,
    Tolerances,
    all_finite,
    outputs_match,
    to_jsonable,
)

__all__ = [
    "SCALE_ATOL",
    "ComponentResult",
    "Tolerances",
    "all_finite",
    "compare_output",
    "compare_value",
    "component_names",
    "find_mutation",
    "inputs_changed",
    "outputs_match",
    "to_jsonable",
]
