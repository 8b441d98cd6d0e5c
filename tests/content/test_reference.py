"""Check the seeded course's reference implementations against PyTorch and finite differences."""

from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.reference import SEEDED_COURSE_DIR, load_reference

SEEDS = range(60)
FD_SEEDS = range(50)
RTOL, ATOL = 1e-7, 1e-9  # float64 against float64: only rounding differs
FD_RTOL, FD_ATOL, FD_EPS = 1e-5, 1e-7, 1e-6
SLUGS = sorted(p.name for p in (SEEDED_COURSE_DIR / "exercises").iterdir() if p.is_dir())


@dataclass(frozen=True)
class Sizes:
    T: int
    D: int
    H: int
    K: int
    weight_scale: float


def _sizes(seed: int, small: bool = False) -> Sizes:
    """Draw sizes for one case; every tenth seed lands on each edge case in turn."""
    rng = np.random.default_rng(10_000 + seed)
    top = 5 if small else 8
    T = int(rng.integers(2, 7 if small else 13))
    D, H, K = (int(n) for n in rng.integers(1, top + 1, 3))
    scale = 0.6
    edge = seed % 10
    if edge == 0:
        T = 1
    elif edge == 1:
        H = 1
    elif edge == 2:
        D = H
    elif edge == 3:
        K = 1
    elif edge == 4:
        scale = 6.0  # saturates tanh
    elif edge == 5:
        scale = 0.0
    elif edge == 6:
        T = 6 if small else 12
    return Sizes(T, D, H, K, scale)


def _rnn_args(seed: int, small: bool = False, min_classes: int = 1) -> tuple[np.ndarray, ...]:
    s = _sizes(seed, small)
    K = max(s.K, min_classes)
    rng = np.random.default_rng(seed)
    return (
        rng.normal(0.0, 1.0, (s.T, s.D)),
        rng.uniform(-0.9, 0.9, s.H),
        rng.normal(0.0, s.weight_scale, (s.H, s.D)),
        rng.normal(0.0, s.weight_scale, (s.H, s.H)),
        rng.normal(0.0, s.weight_scale, (K, s.H)),
        rng.normal(0.0, 0.5, s.H),
        rng.normal(0.0, 0.5, K),
    )


def _t(array: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.tensor(array, dtype=torch.float64, requires_grad=grad)


def _assert_close(actual: object, expected: torch.Tensor | float, rtol=RTOL, atol=ATOL) -> None:
    expected_array = (
        expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
    )
    actual_array = np.asarray(actual, dtype=np.float64)
    assert actual_array.shape == expected_array.shape
    np.testing.assert_allclose(actual_array, expected_array, rtol=rtol, atol=atol)


def _torch_rnn(U, W, b) -> torch.nn.RNN:
    """Return a one-layer torch RNN holding U, W and b (its second bias fixed at zero)."""
    H, D = U.shape
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(_t(U))
        rnn.weight_hh_l0.copy_(_t(W))
        rnn.bias_ih_l0.copy_(_t(b))
        rnn.bias_hh_l0.zero_()
    return rnn


def _run_torch_rnn(xs, h0, U, W, b) -> tuple[torch.nn.RNN, torch.Tensor]:
    rnn = _torch_rnn(U, W, b)
    hs, _ = rnn(_t(xs)[None], _t(h0)[None, None])
    return rnn, hs[0]


def _rnn_grads(rnn: torch.nn.RNN) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # b enters once per step through bias_ih, exactly like the course's single bias.
    return rnn.weight_ih_l0.grad, rnn.weight_hh_l0.grad, rnn.bias_ih_l0.grad


def _central_differences(loss, params: list[np.ndarray]) -> list[np.ndarray]:
    """Return dloss/dparam for each parameter by central differences (params edited in place)."""
    grads = []
    for param in params:
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + FD_EPS
            up = loss()
            param[index] = saved - FD_EPS
            down = loss()
            param[index] = saved
            grad[index] = (up - down) / (2 * FD_EPS)
        grads.append(grad)
    return grads


def _numpy_hidden_states(xs, h0, U, W, b) -> list[np.ndarray]:
    hs, h = [], h0
    for x_t in xs:
        h = np.tanh(U @ x_t + W @ h + b)
        hs.append(h)
    return hs


def test_load_reference_returns_each_exercise_entry_point() -> None:
    assert len(SLUGS) == 15
    for slug in SLUGS:
        assert load_reference(slug).__name__ == slug.replace("-", "_")


def test_load_reference_rejects_an_unknown_slug() -> None:
    with pytest.raises(LookupError):
        load_reference("no-such-exercise")


# --- forward passes -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_fnn_forward_matches_torch(seed: int) -> None:
    xs, _, W1, _, W2, b1, b2 = _rnn_args(seed)
    x = xs[0]
    h, y = load_reference("fnn-forward")(x, W1, b1, W2, b2)
    layer1 = torch.nn.Linear(*W1.shape[::-1], dtype=torch.float64)
    layer2 = torch.nn.Linear(*W2.shape[::-1], dtype=torch.float64)
    with torch.no_grad():
        layer1.weight.copy_(_t(W1))
        layer1.bias.copy_(_t(b1))
        layer2.weight.copy_(_t(W2))
        layer2.bias.copy_(_t(b2))
        expected_h = torch.tanh(layer1(_t(x)))
        _assert_close(h, expected_h)
        _assert_close(y, layer2(expected_h))


@pytest.mark.parametrize("seed", SEEDS)
def test_rnn_step_matches_torch_rnn_cell(seed: int) -> None:
    xs, h0, U, W, _, b, _ = _rnn_args(seed)
    cell = torch.nn.RNNCell(U.shape[1], U.shape[0], nonlinearity="tanh", dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(_t(U))
        cell.weight_hh.copy_(_t(W))
        cell.bias_ih.copy_(_t(b))
        cell.bias_hh.zero_()
        _assert_close(load_reference("rnn-step")(xs[0], h0, U, W, b), cell(_t(xs[0]), _t(h0)))


@pytest.mark.parametrize("seed", SEEDS)
def test_rnn_forward_matches_torch_rnn(seed: int) -> None:
    xs, h0, U, W, V, b, c = _rnn_args(seed)
    hs, ys = load_reference("rnn-forward")(xs, h0, U, W, V, b, c)
    with torch.no_grad():
        _, expected_hs = _run_torch_rnn(xs, h0, U, W, b)
        _assert_close(hs, expected_hs)
        _assert_close(ys, F.linear(expected_hs, _t(V), _t(c)))


@pytest.mark.parametrize("seed", SEEDS)
def test_many_to_one_forward_matches_torch(seed: int) -> None:
    xs, h0, U, W, V, b, c = _rnn_args(seed, min_classes=2)
    probs = load_reference("many-to-one-forward")(xs, h0, U, W, V, b, c)
    with torch.no_grad():
        _, hs = _run_torch_rnn(xs, h0, U, W, b)
        _assert_close(probs, torch.softmax(F.linear(hs[-1], _t(V), _t(c)), dim=-1))


# --- losses -----------------------------------------------------------------------------------


def _logits(seed: int) -> np.ndarray:
    """Return a (T, K) array; some seeds put entries at +-1000 or make T or K tiny."""
    s = _sizes(seed)
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, (s.T, max(s.K, 2)))
    if seed % 3 == 0:
        mask = rng.random(logits.shape) < 0.4
        logits[mask] = rng.choice([-1000.0, 1000.0], mask.sum())
    return logits


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_matches_torch_on_vectors_and_rows(seed: int) -> None:
    logits = _logits(seed)
    softmax = load_reference("softmax")
    _assert_close(softmax(logits), torch.softmax(_t(logits), dim=-1))
    _assert_close(softmax(logits[0]), torch.softmax(_t(logits[0]), dim=-1))


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_loss_matches_torch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    s = _sizes(seed)
    ys, targets = rng.normal(0.0, 2.0, (2, s.T, s.K))
    loss = load_reference("mse-loss")(ys, targets)
    assert np.ndim(loss) == 0
    _assert_close(loss, F.mse_loss(_t(ys), _t(targets)))


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_loss_matches_torch(seed: int) -> None:
    logits = _logits(seed)
    labels = np.random.default_rng(seed + 1).integers(0, logits.shape[1], logits.shape[0])
    loss = load_reference("cross-entropy-loss")(logits, labels)
    assert np.ndim(loss) == 0 and np.isfinite(loss)
    _assert_close(loss, F.cross_entropy(_t(logits), torch.tensor(labels)))


# --- backpropagation ------------------------------------------------------------------------


def _fnn_args(seed: int, small: bool = False) -> tuple[np.ndarray, ...]:
    xs, _, W1, _, W2, b1, b2 = _rnn_args(seed, small)
    target = np.random.default_rng(seed + 1).normal(0.0, 1.0, b2.shape)
    return xs[0], target, W1, b1, W2, b2


@pytest.mark.parametrize("seed", SEEDS)
def test_fnn_backward_matches_torch_autograd(seed: int) -> None:
    x, target, W1, b1, W2, b2 = _fnn_args(seed)
    result = load_reference("fnn-backward")(x, target, W1, b1, W2, b2)
    params = [_t(p, grad=True) for p in (W1, b1, W2, b2)]
    tW1, tb1, tW2, tb2 = params
    loss = F.mse_loss(tW2 @ torch.tanh(tW1 @ _t(x) + tb1) + tb2, _t(target))
    loss.backward()
    _assert_close(result[0], loss)
    for got, param in zip(result[1:], params, strict=True):
        _assert_close(got, param.grad)


@pytest.mark.parametrize("seed", FD_SEEDS)
def test_fnn_backward_matches_finite_differences(seed: int) -> None:
    x, target, W1, b1, W2, b2 = _fnn_args(seed, small=True)
    result = load_reference("fnn-backward")(x, target, W1, b1, W2, b2)
    params = [p.copy() for p in (W1, b1, W2, b2)]

    def loss() -> float:
        pW1, pb1, pW2, pb2 = params
        return float(np.mean((pW2 @ np.tanh(pW1 @ x + pb1) + pb2 - target) ** 2))

    for got, expected in zip(result[1:], _central_differences(loss, params), strict=True):
        _assert_close(got, expected, FD_RTOL, FD_ATOL)


def _bptt_args(seed: int, small: bool = False) -> tuple[np.ndarray, ...]:
    args = _rnn_args(seed, small)
    targets = np.random.default_rng(seed + 1).normal(0.0, 1.0, (args[0].shape[0], args[-1].size))
    return (*args, targets)


@pytest.mark.parametrize("seed", SEEDS)
def test_rnn_bptt_matches_torch_autograd(seed: int) -> None:
    xs, h0, U, W, V, b, c, targets = _bptt_args(seed)
    loss, dU, dW, dV, db, dc = load_reference("rnn-bptt")(xs, h0, U, W, V, b, c, targets)
    rnn, hs = _run_torch_rnn(xs, h0, U, W, b)
    tV, tc = _t(V, grad=True), _t(c, grad=True)
    expected_loss = F.mse_loss(F.linear(hs, tV, tc), _t(targets))
    expected_loss.backward()
    _assert_close(loss, expected_loss)
    for got, expected in zip(
        (dU, dW, db, dV, dc), (*_rnn_grads(rnn), tV.grad, tc.grad), strict=True
    ):
        _assert_close(got, expected)


@pytest.mark.parametrize("seed", FD_SEEDS)
def test_rnn_bptt_matches_finite_differences(seed: int) -> None:
    xs, h0, U, W, V, b, c, targets = _bptt_args(seed, small=True)
    _, *grads = load_reference("rnn-bptt")(xs, h0, U, W, V, b, c, targets)
    params = [p.copy() for p in (U, W, V, b, c)]

    def loss() -> float:
        pU, pW, pV, pb, pc = params
        hs = np.array(_numpy_hidden_states(xs, h0, pU, pW, pb))
        return float(np.mean((hs @ pV.T + pc - targets) ** 2))

    for got, expected in zip(grads, _central_differences(loss, params), strict=True):
        _assert_close(got, expected, FD_RTOL, FD_ATOL)


def _label(seed: int, K: int) -> int:
    return int(np.random.default_rng(seed + 1).integers(0, K))


@pytest.mark.parametrize("seed", SEEDS)
def test_many_to_one_bptt_matches_torch_autograd(seed: int) -> None:
    xs, h0, U, W, V, b, c = _rnn_args(seed, min_classes=2)
    label = _label(seed, c.size)
    loss, dU, dW, dV, db, dc = load_reference("many-to-one-bptt")(xs, h0, U, W, V, b, c, label)
    rnn, hs = _run_torch_rnn(xs, h0, U, W, b)
    tV, tc = _t(V, grad=True), _t(c, grad=True)
    logits = F.linear(hs[-1], tV, tc)
    expected_loss = F.cross_entropy(logits[None], torch.tensor([label]))
    expected_loss.backward()
    _assert_close(loss, expected_loss)
    for got, expected in zip(
        (dU, dW, db, dV, dc), (*_rnn_grads(rnn), tV.grad, tc.grad), strict=True
    ):
        _assert_close(got, expected)


@pytest.mark.parametrize("seed", FD_SEEDS)
def test_many_to_one_bptt_matches_finite_differences(seed: int) -> None:
    xs, h0, U, W, V, b, c = _rnn_args(seed, small=True, min_classes=2)
    label = _label(seed, c.size)
    _, *grads = load_reference("many-to-one-bptt")(xs, h0, U, W, V, b, c, label)
    params = [p.copy() for p in (U, W, V, b, c)]

    def loss() -> float:
        pU, pW, pV, pb, pc = params
        logits = pV @ _numpy_hidden_states(xs, h0, pU, pW, pb)[-1] + pc
        top = np.max(logits)
        return float(top + np.log(np.sum(np.exp(logits - top))) - logits[label])

    for got, expected in zip(grads, _central_differences(loss, params), strict=True):
        _assert_close(got, expected, FD_RTOL, FD_ATOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_norms_match_torch_jacobians(seed: int) -> None:
    xs, h0, U, W, _, b, _ = _rnn_args(seed)
    norms = load_reference("gradient-norms")(xs, h0, U, W, b)
    T = xs.shape[0]
    hs = _numpy_hidden_states(xs, h0, U, W, b)
    tU, tW, tb = _t(U), _t(W), _t(b)

    def last_state_from(t: int):
        def run(h_t: torch.Tensor) -> torch.Tensor:
            h = h_t
            for x in _t(xs[t:]):  # steps t+1..T, with xs[t] holding x_{t+1}
                h = torch.tanh(tU @ x + tW @ h + tb)
            return h

        return run

    expected = [
        torch.linalg.matrix_norm(
            torch.autograd.functional.jacobian(last_state_from(t), _t(hs[t - 1]))
        ).item()
        for t in range(1, T + 1)
    ]
    _assert_close(norms, np.array(expected))
    assert norms[-1] == pytest.approx(np.sqrt(h0.size))


# --- updates ----------------------------------------------------------------------------------

PARAM_NAMES = ("U", "W", "V", "b", "c")


def _params_and_grads(seed: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    _, _, U, W, V, b, c = _rnn_args(seed)
    params = dict(zip(PARAM_NAMES, (U, W, V, b, c), strict=True))
    rng = np.random.default_rng(seed + 1)
    scale = rng.uniform(0.1, 3.0)
    grads = {"d" + name: rng.normal(0.0, scale, p.shape) for name, p in params.items()}
    return params, grads


@pytest.mark.parametrize("seed", SEEDS)
def test_sgd_step_matches_torch_sgd_and_leaves_inputs_alone(seed: int) -> None:
    params, grads = _params_and_grads(seed)
    lr = float(np.random.default_rng(seed).choice([0.001, 0.05, 0.3, 1.0, 2.5]))
    before = {name: a.copy() for name, a in {**params, **grads}.items()}
    new = load_reference("sgd-step")(params, grads, lr)

    tensors = [_t(params[name], grad=True) for name in PARAM_NAMES]
    for name, tensor in zip(PARAM_NAMES, tensors, strict=True):
        tensor.grad = _t(grads["d" + name])
    torch.optim.SGD(tensors, lr=lr).step()

    assert list(new) == list(PARAM_NAMES)
    for name, tensor in zip(PARAM_NAMES, tensors, strict=True):
        _assert_close(new[name], tensor)
    for name, array in {**params, **grads}.items():
        np.testing.assert_array_equal(array, before[name])


@pytest.mark.parametrize("seed", SEEDS)
def test_clip_gradients_matches_torch_clip_grad_norm(seed: int) -> None:
    params, grads = _params_and_grads(seed)
    if seed % 10 == 9:
        grads = {name: np.zeros_like(g) for name, g in grads.items()}
    global_norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    # Clipped for even seeds, kept for odd ones; never close to the boundary.
    ratio = 0.4 if seed % 2 == 0 else 1.6
    max_norm = float(ratio * global_norm) if global_norm > 0 else 1.0
    before = {name: g.copy() for name, g in grads.items()}
    clipped = load_reference("clip-gradients")(grads, max_norm)

    tensors = [_t(params[name], grad=True) for name in PARAM_NAMES]
    for name, tensor in zip(PARAM_NAMES, tensors, strict=True):
        tensor.grad = _t(grads["d" + name])
    torch.nn.utils.clip_grad_norm_(tensors, max_norm)

    assert list(clipped) == list(grads)
    for name, tensor in zip(PARAM_NAMES, tensors, strict=True):
        # torch divides by (norm + 1e-6), a relative difference far below 1e-5 here.
        _assert_close(clipped["d" + name], tensor.grad, rtol=1e-5)
    new_norm = np.sqrt(sum(np.sum(g**2) for g in clipped.values()))
    assert new_norm == pytest.approx(min(global_norm, max_norm) if global_norm > 0 else 0.0)
    for name, g in grads.items():
        np.testing.assert_array_equal(g, before[name])
