"""DDPM on multi-token Gaussian mixtures and the one-layer attention denoiser.

The data model is the multi-token Gaussian mixture (MTGM, Definition 1 of Li, Min & Vidal,
ICML 2026): a data point is ``P`` tokens in ``R^d``; a uniformly random ``K``-subset ``S``
of the ``M`` orthogonal patterns ``mu_u`` is drawn, each token picks a label ``Y_p`` from
the prior ``pi`` restricted to ``S`` and renormalised, and ``x_p ~ N(mu_{Y_p}, rho^2 I)``.
The DDPM forward process (eq. 2) is ``X^t = sqrt(abar_t) X^0 + sqrt(1 - abar_t) E^t``.

The denoiser (eq. 1) is ``f(X, t)_p = v_t (x_p - sum_k softmax_k(x_k^T W x_p / d) x_k)``:
a single softmax-attention head with the value matrix fixed at ``-I`` and a residual, whose
trainable parameters are the key-query matrix ``W`` and one scalar ``v_t`` per step. It is
trained by gradient descent on the epsilon-prediction loss (eq. 3, eq. 4) with fresh
batches every step (the population objective).

Layout: row tokens. A batch is ``X`` of shape ``(n, P, d)``; the logit of key ``k`` for
query ``q`` is ``S[q, k] = x_k^T W x_q / d``, i.e. ``S = (X W^T) X^T / d`` with the softmax
over the last axis. Losses are per-entry mean squared errors (``||.||_F^2 / (d P)``);
``half=True`` multiplies by the factor 1/2 that eqs. (3), (5), (6), (14) print. Per-step
losses are averaged over the diffusion steps present in the batch, so a batch with the
steps stratified (sample ``b`` at step ``b mod T``) estimates eq. (3) without its 1/2.

Two backends compute the loss gradient: an analytic numpy gradient (default, float64)
and torch autograd (``backend="torch"``, float64, ``device="cpu"`` by default or e.g.
``"cuda"``); torch is an optional extra imported only when asked for. The torch training
loop draws its data with a seeded ``torch.Generator`` on the chosen device.

Ground truth for the score (Tweedie) checks: :func:`log_density_bruteforce` and
:func:`posterior_mean_bruteforce` evaluate ``p_t`` and ``E[E^t | X^t]`` by enumerating
every (subset, labelling) component in full dimension (small sizes only); the fast
closed form lives with the claims (``theorems.ddpm_transformer.bayes_eps``).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import logsumexp

from numerics._optional import require
from theorems.validate import as_array, as_int, as_rng, as_scalar

__all__ = [
    "MTGM",
    "TrainResult",
    "pattern_means",
    "subset_masks",
    "sample_labels",
    "forward_process",
    "stratified_steps",
    "attention",
    "attention_average",
    "transformer_forward",
    "eval_batch",
    "step_weights",
    "ddpm_loss",
    "per_sample_mse",
    "loss_and_grad",
    "loss_and_grad_torch",
    "train",
    "same_label_attention",
    "mean_denoiser",
    "attention_stats",
    "log_density_bruteforce",
    "posterior_mean_bruteforce",
]


# -- data model ------------------------------------------------------------------------------
def pattern_means(M: int, d: int, mu_norm2: Any = "d") -> np.ndarray:
    """Orthogonal patterns ``mu_u = sqrt(mu_norm2) e_u`` (rows of an ``(M, d)`` array).

    ``mu_norm2`` is ``"d"`` (the appendix's ``||mu_u||^2 = d``, default; erratum E1),
    ``"sqrt_d"`` (the main text's ``mu_i^T mu_j = sqrt(d) delta_ij``) or a positive number.
    """
    M = as_int(M, "M", low=1)
    d = as_int(d, "d", low=1)
    if M > d:
        raise ValueError(f"M must be <= d for orthogonal patterns, got M={M}, d={d}")
    if isinstance(mu_norm2, str):
        if mu_norm2 == "d":
            m2 = float(d)
        elif mu_norm2 == "sqrt_d":
            m2 = float(np.sqrt(d))
        else:
            raise ValueError(f"mu_norm2 must be 'd', 'sqrt_d' or a positive number, got {mu_norm2!r}")
    else:
        m2 = as_scalar(mu_norm2, "mu_norm2", low=0.0, low_open=True)
    mu = np.zeros((M, d))
    mu[np.arange(M), np.arange(M)] = np.sqrt(m2)
    return mu


def subset_masks(M: int, K: int) -> np.ndarray:
    """All ``binom(M, K)`` subsets of the ``M`` patterns as a boolean ``(n_S, M)`` array
    (lexicographic order)."""
    M = as_int(M, "M", low=1)
    K = as_int(K, "K", low=1, high=M)
    combos = list(itertools.combinations(range(M), K))
    mask = np.zeros((len(combos), M), dtype=bool)
    for i, c in enumerate(combos):
        mask[i, list(c)] = True
    return mask


def _prior(pi: Any, M: int | None = None) -> np.ndarray:
    p = as_array(pi, "pi", ndim=1)
    if M is not None and p.size != M:
        raise ValueError(f"pi must have M={M} entries, got {p.size}")
    if np.any(p < 0):
        raise ValueError(f"pi must be non-negative, got min {p.min():.3g}")
    if abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"pi must sum to 1, got {p.sum():.12g}")
    return p


@dataclass(frozen=True)
class MTGM:
    """A multi-token Gaussian mixture ``D(pi, K, {mu_u}, rho)`` (Definition 1).

    Parameters
    ----------
    d, M, K : token dimension, number of patterns, distinct patterns per data point
        (``1 <= K <= M <= d``; the paper's ``K < M`` is relaxed to ``K <= M``, erratum E8).
    pi : pattern prior, shape ``(M,)``, summing to 1. Zero entries are allowed here (a
        pattern that never occurs, used by a negative control); Definition 1 needs ``pi > 0``.
    rho : within-component standard deviation.
    mu_norm2 : pattern energy ``||mu_u||^2`` (see :func:`pattern_means`).
    """

    d: int
    M: int
    K: int
    pi: Any
    rho: float
    mu_norm2: Any = "d"
    mu: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        d = as_int(self.d, "d", low=1)
        M = as_int(self.M, "M", low=1, high=d)
        K = as_int(self.K, "K", low=1, high=M)
        pi = _prior(self.pi, M)
        if np.count_nonzero(pi) < K:
            raise ValueError(f"pi must have at least K={K} positive entries")
        rho = as_scalar(self.rho, "rho", low=0.0)
        object.__setattr__(self, "pi", pi)
        object.__setattr__(self, "rho", rho)
        object.__setattr__(self, "mu", pattern_means(M, d, self.mu_norm2))

    def sample(self, n: int, P: int, seed: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Draw ``n`` data points of ``P`` tokens.

        Returns
        -------
        X0 : ``(n, P, d)`` clean tokens; Y : ``(n, P)`` labels; Z : ``(n, M)`` boolean subsets.
        """
        rng = as_rng(seed)
        Y, Z = sample_labels(n, P, self.M, self.K, self.pi, rng)
        X0 = self.mu[Y] + self.rho * rng.standard_normal((Y.shape[0], Y.shape[1], self.d))
        return X0, Y, Z


def sample_labels(n: int, P: int, M: int, K: int, pi: Any, seed: Any) -> tuple[np.ndarray, np.ndarray]:
    """Labels of Definition 1: a uniform ``K``-subset per data point, then ``P`` i.i.d.
    labels from ``pi`` restricted to the subset. Returns ``Y (n, P)`` and ``Z (n, M)``.

    A subset whose restricted prior is all zero (possible only when ``pi`` has zeros) is
    redrawn, which is the conditional law given that the data point has a label at all.
    """
    n = as_int(n, "n", low=1)
    P = as_int(P, "P", low=1)
    M = as_int(M, "M", low=1)
    K = as_int(K, "K", low=1, high=M)
    p = _prior(pi, M)
    rng = as_rng(seed)
    members = np.argsort(rng.random((n, M)), axis=1)[:, :K]
    w = p[members]
    bad = w.sum(axis=1) <= 0
    while np.any(bad):  # only with zeros in pi
        members[bad] = np.argsort(rng.random((int(bad.sum()), M)), axis=1)[:, :K]
        w = p[members]
        bad = w.sum(axis=1) <= 0
    cp = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    cp[:, -1] = np.inf  # round-off in the last cumulative sum never yields an index K
    u = rng.random((n, P))
    j = (u[:, :, None] >= cp[:, None, :]).sum(axis=-1)
    Y = np.take_along_axis(members, j, axis=1)
    Z = np.zeros((n, M), dtype=bool)
    np.put_along_axis(Z, members, True, axis=1)
    return Y, Z


def forward_process(X0: Any, alpha_bar: Any, seed: Any) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (2): ``X^t = sqrt(abar) X^0 + sqrt(1 - abar) E`` with ``E`` standard normal.

    ``alpha_bar`` is a scalar or one value per data point (shape ``(n,)``) in ``(0, 1]``.
    Returns ``(Xt, E)``.
    """
    X0 = as_array(X0, "X0", ndim=3)
    ab = _alpha_bar_per_sample(alpha_bar, X0.shape[0])
    rng = as_rng(seed)
    E = rng.standard_normal(X0.shape)
    return np.sqrt(ab)[:, None, None] * X0 + np.sqrt(1.0 - ab)[:, None, None] * E, E


def _alpha_bar_per_sample(alpha_bar: Any, n: int) -> np.ndarray:
    ab = as_array(alpha_bar, "alpha_bar")
    if ab.ndim == 0:
        ab = np.full(n, float(ab))
    if ab.shape != (n,):
        raise ValueError(f"alpha_bar must be a scalar or have shape ({n},), got {ab.shape}")
    if np.any(ab <= 0) or np.any(ab > 1):
        raise ValueError("alpha_bar must lie in (0, 1]")
    return ab


def stratified_steps(n: int, steps: Any) -> np.ndarray:
    """Step indices for ``n`` samples, stratified: sample ``b`` gets ``steps[b mod len]``.

    ``steps`` is an int ``T`` (all steps ``0..T-1``) or an array of step indices.
    """
    n = as_int(n, "n", low=1)
    s = np.arange(as_int(steps, "steps", low=1)) if np.ndim(steps) == 0 else np.asarray(steps, dtype=int)
    if s.ndim != 1 or s.size == 0 or np.any(s < 0):
        raise ValueError("steps must be a positive int or a non-empty 1-d array of step indices >= 0")
    return s[np.arange(n) % s.size]


# -- model -------------------------------------------------------------------------------------
def _softmax(S: np.ndarray) -> np.ndarray:
    S = S - S.max(axis=-1, keepdims=True)
    np.exp(S, out=S)
    S /= S.sum(axis=-1, keepdims=True)
    return S


def attention(W: Any, Xt: Any) -> np.ndarray:
    """Attention weights ``A[n, q, k] = softmax_k(x_k^T W x_q / d)`` (eq. 1), rows sum to 1."""
    Xt = as_array(Xt, "Xt", ndim=3)
    d = Xt.shape[-1]
    W = as_array(W, "W", shape=(d, d))
    return _softmax((Xt @ W.T) @ np.swapaxes(Xt, -1, -2) / d)


def attention_average(W: Any, Xt: Any, chunk_elems: int = 4_000_000) -> np.ndarray:
    """``A X`` with ``A = softmax(X W^T X^T / d)``: each query's attention-weighted average of
    the tokens, shape ``(n, P, d)``. Evaluated in chunks of data points so that the
    ``(n, P, P)`` attention stays small."""
    Xt = as_array(Xt, "Xt", ndim=3)
    d = Xt.shape[-1]
    W = as_array(W, "W", shape=(d, d))
    n, P = Xt.shape[:2]
    out = np.empty_like(Xt)
    step = max(1, chunk_elems // (P * P))
    for i in range(0, n, step):
        X = Xt[i:i + step]
        Ex, Z = _exp_logits(X, W)
        out[i:i + step] = (Ex @ X) / Z[..., None]
    return out


def transformer_forward(W: Any, v_t: Any, Xt: Any) -> np.ndarray:
    """Eq. (1): ``f = v_t (X - A X)`` for each data point; ``v_t`` scalar or shape ``(n,)``."""
    Xt = as_array(Xt, "Xt", ndim=3)
    v = np.broadcast_to(as_array(v_t, "v_t"), (Xt.shape[0],))
    return v[:, None, None] * (Xt - attention_average(W, Xt))


def eval_batch(model: "MTGM", P: int, alpha_bar: Any, n: int, seed: Any, steps: Any = None) -> dict[str, np.ndarray]:
    """Fresh evaluation data: ``n`` data points with the diffusion steps stratified
    (sample ``b`` at ``steps[b mod len]``, default all steps of ``alpha_bar``).

    Returns a dict with ``X0, Xt, E, Y, Z, t_idx, ab`` (``ab`` the per-sample ``abar``).
    """
    if not isinstance(model, MTGM):
        raise TypeError(f"model must be an MTGM, got {type(model).__name__}")
    ab = as_array(alpha_bar, "alpha_bar", ndim=1)
    rng = as_rng(seed)
    t_idx = stratified_steps(n, ab.size if steps is None else steps)
    if np.any(t_idx >= ab.size):
        raise ValueError(f"steps must be indices in [0, {ab.size})")
    X0, Y, Z = model.sample(n, P, rng)
    Xt, E = forward_process(X0, ab[t_idx], rng)
    return {"X0": X0, "Xt": Xt, "E": E, "Y": Y, "Z": Z, "t_idx": t_idx, "ab": ab[t_idx]}


def step_weights(t_idx: Any, T: int) -> np.ndarray:
    """Per-sample weights that average the per-step mean losses over the steps present:
    ``w_b = 1 / (T_present * n_{t_b})``; they sum to 1."""
    t_idx = np.asarray(t_idx)
    if t_idx.ndim != 1 or not np.issubdtype(t_idx.dtype, np.integer):
        raise TypeError("t_idx must be a 1-d integer array")
    T = as_int(T, "T", low=1)
    if np.any(t_idx < 0) or np.any(t_idx >= T):
        raise ValueError(f"t_idx must lie in [0, {T})")
    counts = np.bincount(t_idx, minlength=T)
    present = int(np.count_nonzero(counts))
    return 1.0 / (present * counts[t_idx])


def per_sample_mse(F: Any, E: Any) -> np.ndarray:
    """``||F_b - E_b||_F^2 / (d P)`` for each data point ``b``."""
    F = as_array(F, "F", ndim=3)
    E = as_array(E, "E", shape=F.shape)
    return np.mean((F - E) ** 2, axis=(1, 2))


def _check_params(W: Any, v: Any, Xt: Any, E: Any, t_idx: Any):
    Xt = as_array(Xt, "Xt", ndim=3)
    d = Xt.shape[-1]
    W = as_array(W, "W", shape=(d, d))
    v = as_array(v, "v", ndim=1)
    E = as_array(E, "E", shape=Xt.shape)
    t_idx = np.asarray(t_idx)
    if t_idx.shape != (Xt.shape[0],):
        raise ValueError(f"t_idx must have shape ({Xt.shape[0]},), got {t_idx.shape}")
    return W, v, Xt, E, t_idx


def ddpm_loss(W: Any, v: Any, Xt: Any, E: Any, t_idx: Any, half: bool = False) -> float:
    """Eq. (3) estimated on a batch: per-entry MSE of ``f(X^t, t) - E^t``, averaged per step
    and then over the steps present (times 1/2 when ``half``)."""
    W, v, Xt, E, t_idx = _check_params(W, v, Xt, E, t_idx)
    w = step_weights(t_idx, v.size)
    F = transformer_forward(W, v[t_idx], Xt)
    return float(np.sum(w * per_sample_mse(F, E)) * (0.5 if half else 1.0))


def _exp_logits(Xt: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``exp(S)`` for the logits ``S = (X W^T) X^T / d`` and its row sums ``Z``.

    The max-shift of a stable softmax costs two passes over the ``(n, P, P)`` array; it is
    skipped when no row over- or underflows (the logits stay O(10) here) and done otherwise.
    """
    d = Xt.shape[-1]
    S = (Xt @ (W.T / d)) @ np.swapaxes(Xt, -1, -2)
    with np.errstate(over="ignore", under="ignore"):
        Ex = np.exp(S)
        Z = Ex.sum(axis=-1)
    if np.all(np.isfinite(Z)) and np.all(Z > 1e-250):
        return Ex, Z
    S -= S.max(axis=-1, keepdims=True)
    np.exp(S, out=S)
    return S, S.sum(axis=-1)


def loss_and_grad(W: Any, v: Any, Xt: Any, E: Any, t_idx: Any, half: bool = False,
                  freeze_W: bool = False) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss of :func:`ddpm_loss` and its analytic gradient ``(dL/dW, dL/dv)``.

    Backpropagation through eq. (1) with ``A = softmax(S)``, ``a = X - A X``,
    ``R = v a - E`` and ``G = dL/dF = 2 w_b R / (d P)``:

    * ``dL/dv_t = sum_{b: t_b = t} <G_b, a_b>``;
    * ``dL/d(AX) = Y' = -v G``, ``dL/dA = Y' X^T``;
    * ``dL/dS = A * (dL/dA - c)`` with ``c_q = sum_k A_qk (dL/dA)_qk = <Y'_q, (AX)_q>``
      (a row sum of small arrays, so the ``(P, P)`` product ``A * dL/dA`` is formed once);
    * ``dL/dW = sum_b X_b^T (dL/dS_b)^T X_b / d``, computed as
      ``(dL/dS X)^T X / d`` over all rows of the batch.

    ``freeze_W`` skips the ``W`` gradient (returned as zeros).
    """
    W, v, Xt, E, t_idx = _check_params(W, v, Xt, E, t_idx)
    n, P, d = Xt.shape
    T = v.size
    w = step_weights(t_idx, T) * (0.5 if half else 1.0)
    Ex, Z = _exp_logits(Xt, W)
    AX = (Ex @ Xt) / Z[..., None]
    a = Xt - AX
    vb = v[t_idx]
    R = vb[:, None, None] * a - E
    loss = float(np.sum(w * np.mean(R * R, axis=(1, 2))))
    G = (2.0 / (d * P)) * w[:, None, None] * R
    gv = np.bincount(t_idx, weights=np.sum(G * a, axis=(1, 2)), minlength=T)
    if freeze_W:
        return loss, np.zeros_like(W), gv
    dY = -vb[:, None, None] * G
    c = np.sum(dY * AX, axis=-1)
    Ex *= (dY / Z[..., None]) @ np.swapaxes(Xt, -1, -2)   # = A * dL/dA, in place
    dSX = Ex @ Xt - c[..., None] * AX
    gW = dSX.reshape(-1, d).T @ Xt.reshape(-1, d) / d
    return loss, gW, gv


def loss_and_grad_torch(W: Any, v: Any, Xt: Any, E: Any, t_idx: Any, half: bool = False,
                        device: str = "cpu") -> tuple[float, np.ndarray, np.ndarray]:
    """The same loss and gradient by torch autograd (float64 on ``device``): an
    independent check of :func:`loss_and_grad`."""
    W, v, Xt, E, t_idx = _check_params(W, v, Xt, E, t_idx)
    torch = _torch()
    dev = torch.device(device)
    to = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float64), device=dev)  # noqa: E731
    Wt, vt = to(W).requires_grad_(True), to(v).requires_grad_(True)
    tt = torch.as_tensor(t_idx, device=dev, dtype=torch.long)
    loss = _torch_loss(torch, Wt, vt, to(Xt), to(E), tt, v.size, half)
    loss.backward()
    return float(loss.item()), Wt.grad.cpu().numpy(), vt.grad.cpu().numpy()


def _torch():
    return require("torch", "torch", "backend='torch'")


def _torch_loss(torch, W, v, Xt, E, t_idx, T: int, half: bool):
    d, P = Xt.shape[-1], Xt.shape[-2]
    A = torch.softmax((Xt @ W.T) @ Xt.transpose(-1, -2) / d, dim=-1)
    F = v[t_idx][:, None, None] * (Xt - A @ Xt)
    counts = torch.bincount(t_idx, minlength=T).to(Xt.dtype)
    present = (counts > 0).sum()
    w = 1.0 / (present * counts[t_idx])
    per = ((F - E) ** 2).sum(dim=(1, 2)) / (d * P)
    return (w * per).sum() * (0.5 if half else 1.0)


# -- training ----------------------------------------------------------------------------------
@dataclass
class TrainResult:
    """Outcome of :func:`train`.

    ``loss`` holds the batch loss at every step (before the update); ``steps`` the
    recorded iterations (0 = initialisation), with ``W_hist``/``v_hist`` the parameters
    there. ``W``, ``v`` are the final parameters.
    """

    W: np.ndarray
    v: np.ndarray
    loss: np.ndarray
    steps: np.ndarray
    W_hist: np.ndarray
    v_hist: np.ndarray
    params: dict


def train(model: MTGM, P: int, alpha_bar: Any, *, n_iter: int, seed: Any, eta: float = 1.0,
          batch: int = 32, train_steps: Any = None, W0: Any = None, v0: Any = None,
          freeze_W: bool = False, half: bool = False, record_every: int = 10,
          backend: str = "numpy", device: str = "cpu") -> TrainResult:
    """Gradient descent (eq. 4) on the DDPM loss with fresh data every step.

    Parameters
    ----------
    model : the data distribution; P : tokens per data point.
    alpha_bar : the schedule ``abar_1..abar_T`` (shape ``(T,)``).
    n_iter : number of GD steps; eta : step size; batch : fresh data points per step, with
        the diffusion steps stratified over the batch (sample ``b`` at ``train_steps[b mod]``).
    train_steps : the step indices used for training (default all ``0..T-1``; Fig. 2(D)
        trains on the first or last 40 %).
    W0, v0 : initialisation; default ``W0 = 0`` and ``v0 ~ N(0, 1/d)`` drawn from the seed.
    freeze_W : train ``v`` only (the "attention never learns" control).
    half : use the 1/2 of eq. (3) (the gradient halves, so the same ``eta`` is half as large).
    record_every : store ``W`` and ``v`` every so many steps (and at the end).
    backend, device : ``"numpy"`` (analytic gradient) or ``"torch"`` (autograd, float64,
        data drawn by a ``torch.Generator`` on ``device``). Both are deterministic given the
        seed; they draw different random streams.
    """
    if not isinstance(model, MTGM):
        raise TypeError(f"model must be an MTGM, got {type(model).__name__}")
    P = as_int(P, "P", low=1)
    ab = as_array(alpha_bar, "alpha_bar", ndim=1)
    if np.any(ab <= 0) or np.any(ab >= 1):
        raise ValueError("alpha_bar must lie in (0, 1)")
    T = ab.size
    n_iter = as_int(n_iter, "n_iter", low=0)
    eta = as_scalar(eta, "eta", low=0.0, low_open=True)
    batch = as_int(batch, "batch", low=1)
    record_every = as_int(record_every, "record_every", low=1)
    steps_used = np.arange(T) if train_steps is None else np.asarray(train_steps, dtype=int)
    if steps_used.ndim != 1 or steps_used.size == 0 or np.any(steps_used < 0) or np.any(steps_used >= T):
        raise ValueError(f"train_steps must be a non-empty 1-d array of indices in [0, {T})")
    rng = as_rng(seed)
    d = model.d
    W = np.zeros((d, d)) if W0 is None else as_array(W0, "W0", shape=(d, d)).copy()
    v = (rng.standard_normal(T) / np.sqrt(d)) if v0 is None else as_array(v0, "v0", shape=(T,)).copy()
    t_idx = stratified_steps(batch, steps_used)
    params = {"d": d, "M": model.M, "K": model.K, "pi": model.pi.tolist(), "rho": model.rho, "P": P, "T": T,
              "n_iter": n_iter, "eta": eta, "batch": batch, "freeze_W": freeze_W, "half": half,
              "backend": backend, "device": device, "W0": "zero" if W0 is None else "given"}
    if backend == "numpy":
        return _train_numpy(model, P, ab, W, v, t_idx, n_iter, eta, batch, freeze_W, half, record_every, rng,
                            params)
    if backend == "torch":
        seed_int = int(rng.integers(2**62))
        return _train_torch(model, P, ab, W, v, t_idx, n_iter, eta, batch, freeze_W, half, record_every,
                            seed_int, device, params)
    raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")


def _record_plan(n_iter: int, every: int) -> np.ndarray:
    s = np.arange(0, n_iter + 1, every)
    return s if s[-1] == n_iter else np.append(s, n_iter)


def _train_numpy(model, P, ab, W, v, t_idx, n_iter, eta, batch, freeze_W, half, every, rng, params):
    rec = set(_record_plan(n_iter, every).tolist())
    sab, sb = np.sqrt(ab[t_idx])[:, None, None], np.sqrt(1.0 - ab[t_idx])[:, None, None]
    losses = np.empty(n_iter)
    steps, Wh, vh = [], [], []
    for s in range(n_iter + 1):
        if s in rec:
            steps.append(s)
            Wh.append(W.copy())
            vh.append(v.copy())
        if s == n_iter:
            break
        X0, _, _ = model.sample(batch, P, rng)
        E = rng.standard_normal(X0.shape)
        Xt = sab * X0 + sb * E
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            loss, gW, gv = loss_and_grad(W, v, Xt, E, t_idx, half=half, freeze_W=freeze_W)
        if not (np.isfinite(loss) and np.all(np.isfinite(gW)) and np.all(np.isfinite(gv))):
            raise FloatingPointError(f"training diverged at step {s} (loss {loss}); reduce eta")
        losses[s] = loss
        if not freeze_W:
            W -= eta * gW
        v -= eta * gv
    return TrainResult(W, v, losses, np.array(steps), np.array(Wh), np.array(vh), params)


def _train_torch(model, P, ab, W, v, t_idx, n_iter, eta, batch, freeze_W, half, every, seed, device, params):
    torch = _torch()
    dev = torch.device(device)
    gen = torch.Generator(device=dev)
    gen.manual_seed(seed)
    f64 = torch.float64
    Wt = torch.as_tensor(W, dtype=f64, device=dev).clone().requires_grad_(not freeze_W)
    vt = torch.as_tensor(v, dtype=f64, device=dev).clone().requires_grad_(True)
    mu = torch.as_tensor(model.mu, dtype=f64, device=dev)
    pi = torch.as_tensor(model.pi, dtype=f64, device=dev)
    tt = torch.as_tensor(t_idx, dtype=torch.long, device=dev)
    abt = torch.as_tensor(ab, dtype=f64, device=dev)[tt]
    sab, sb = abt.sqrt()[:, None, None], (1 - abt).sqrt()[:, None, None]
    rec = _record_plan(n_iter, every)
    rec_set = set(rec.tolist())
    losses = torch.empty(n_iter, dtype=f64, device=dev)
    Wh, vh = [], []
    M, K, d = model.M, model.K, model.d
    for s in range(n_iter + 1):
        if s in rec_set:
            Wh.append(Wt.detach().clone())
            vh.append(vt.detach().clone())
        if s == n_iter:
            break
        members = torch.argsort(torch.rand(batch, M, generator=gen, device=dev, dtype=f64), dim=1)[:, :K]
        w = pi[members]
        bad = w.sum(dim=1) <= 0
        while bool(bad.any()):  # only with zeros in pi
            nb = int(bad.sum())
            members[bad] = torch.argsort(torch.rand(nb, M, generator=gen, device=dev, dtype=f64), dim=1)[:, :K]
            w = pi[members]
            bad = w.sum(dim=1) <= 0
        cp = torch.cumsum(w / w.sum(dim=1, keepdim=True), dim=1)
        cp[:, -1] = float("inf")
        u = torch.rand(batch, P, generator=gen, device=dev, dtype=f64)
        j = (u[:, :, None] >= cp[:, None, :]).sum(dim=-1)
        Y = torch.gather(members, 1, j)
        X0 = mu[Y] + model.rho * torch.randn(batch, P, d, generator=gen, device=dev, dtype=f64)
        E = torch.randn(batch, P, d, generator=gen, device=dev, dtype=f64)
        Xt = sab * X0 + sb * E
        loss = _torch_loss(torch, Wt, vt, Xt, E, tt, ab.size, half)
        loss.backward()
        losses[s] = loss.detach()
        with torch.no_grad():
            if not freeze_W:
                Wt -= eta * Wt.grad
                Wt.grad = None
            vt -= eta * vt.grad
            vt.grad = None
    out = losses.cpu().numpy()
    if not np.all(np.isfinite(out)):
        raise FloatingPointError("training diverged (non-finite loss); reduce eta")
    return TrainResult(Wt.detach().cpu().numpy(), vt.detach().cpu().numpy(), out, rec,
                       torch.stack(Wh).cpu().numpy(), torch.stack(vh).cpu().numpy(), params)


# -- label-aware estimators and attention diagnostics --------------------------------------------
def same_label_attention(Y: Any, self_weight: bool = True) -> np.ndarray:
    """The ideal attention of Sec. 4.2: uniform weights on the tokens that share the query's
    label (``self_weight=False``: leave-one-out; a token alone in its label keeps weight on
    itself). Shape ``(n, P, P)``."""
    Y = np.asarray(Y)
    if Y.ndim != 2 or not np.issubdtype(Y.dtype, np.integer):
        raise TypeError("Y must be a 2-d integer array of labels")
    same = (Y[:, :, None] == Y[:, None, :]).astype(float)
    if not self_weight:
        P = Y.shape[1]
        eye = np.eye(P, dtype=bool)
        alone = same.sum(axis=-1) == 1
        same[:, eye] = np.where(alone, 1.0, 0.0)
    return same / same.sum(axis=-1, keepdims=True)


def mean_denoiser(Xt: Any, Y: Any, v_t: Any, self_weight: bool = True) -> np.ndarray:
    """Label-aware mean denoising ``v_t (x_p - mean of the tokens labelled Y_p)``: eq. (1)
    with the attention replaced by :func:`same_label_attention` (``self_weight=False``:
    leave-one-out mean; a token alone in its label keeps itself). Computed from per-label
    sums, without forming the ``(P, P)`` attention."""
    Xt = as_array(Xt, "Xt", ndim=3)
    Y = np.asarray(Y)
    if Y.shape != Xt.shape[:2] or not np.issubdtype(Y.dtype, np.integer) or np.any(Y < 0):
        raise ValueError(f"Y must be a non-negative integer array of shape {Xt.shape[:2]}")
    n, P, d = Xt.shape
    M = int(Y.max()) + 1
    onehot = np.zeros((n, P, M))
    np.put_along_axis(onehot, Y[:, :, None], 1.0, axis=2)
    sums = np.swapaxes(onehot, 1, 2) @ Xt                      # (n, M, d)
    counts = onehot.sum(axis=1)                                # (n, M)
    s_tok = np.take_along_axis(sums, np.broadcast_to(Y[:, :, None], (n, P, d)), axis=1)
    c_tok = np.take_along_axis(counts, Y, axis=1)[:, :, None]
    if self_weight:
        mean = s_tok / c_tok
    else:
        alone = c_tok == 1
        mean = np.where(alone, Xt, (s_tok - Xt) / np.where(alone, 1.0, c_tok - 1))
    v = np.broadcast_to(as_array(v_t, "v_t"), (n,))
    return v[:, None, None] * (Xt - mean)


def attention_stats(W: Any, Xt: Any, Y: Any, mu: Any) -> dict[str, np.ndarray]:
    """Diagnostics of the learned attention on noisy data with known labels.

    Returns per data point: ``same_mass`` (mean over queries of the attention mass on
    same-label keys, self included), ``cv`` (mean over queries of the coefficient of
    variation of the weights on same-label keys, self excluded, over queries with at least
    two such keys), ``same_logit`` / ``cross_logit`` (mean logit ``x_k^T W x_q / d`` over
    same-label pairs ``k != q`` and different-label pairs), and the pattern-block
    quantities of ``W`` in ``mu``-coordinates: ``block = U W U^T`` with ``U = mu/|mu|``.
    """
    Xt = as_array(Xt, "Xt", ndim=3)
    d = Xt.shape[-1]
    W = as_array(W, "W", shape=(d, d))
    Y = np.asarray(Y)
    if Y.shape != Xt.shape[:2]:
        raise ValueError(f"Y must have shape {Xt.shape[:2]}, got {Y.shape}")
    mu = as_array(mu, "mu", ndim=2)
    S = (Xt @ W.T) @ np.swapaxes(Xt, -1, -2) / d
    A = _softmax(S.copy())
    same = Y[:, :, None] == Y[:, None, :]
    P = Y.shape[1]
    eye = np.eye(P, dtype=bool)
    same_other = same & ~eye
    cross = ~same
    mass = np.mean(np.sum(A * same, axis=-1), axis=1)
    n_other = same_other.sum(axis=-1)
    Am = np.where(same_other, A, 0.0)
    mean_w = Am.sum(axis=-1) / np.maximum(n_other, 1)
    var_w = np.where(same_other, (A - mean_w[..., None]) ** 2, 0.0).sum(axis=-1) / np.maximum(n_other, 1)
    ok = n_other >= 2
    cv_q = np.where(ok, np.sqrt(var_w) / np.where(mean_w > 0, mean_w, 1.0), 0.0)
    cv = cv_q.sum(axis=1) / np.maximum(ok.sum(axis=1), 1)
    same_logit = np.where(same_other, S, 0.0).sum(axis=(1, 2)) / np.maximum(same_other.sum(axis=(1, 2)), 1)
    cross_logit = np.where(cross, S, 0.0).sum(axis=(1, 2)) / np.maximum(cross.sum(axis=(1, 2)), 1)
    U = mu / np.linalg.norm(mu, axis=1, keepdims=True)
    block = U @ W @ U.T
    return {"same_mass": mass, "cv": cv, "same_logit": same_logit, "cross_logit": cross_logit,
            "block": block, "block_energy_fraction": np.array(np.sum(block ** 2) / max(np.sum(W ** 2), 1e-300))}


# -- ground truth by brute-force enumeration ----------------------------------------------------
_MAX_COMPONENTS = 2_000_000


def _components(M: int, K: int, P: int, pi: np.ndarray):
    """Every (subset S, labelling Y in S^P) with its prior weight."""
    masks = subset_masks(M, K)
    n_comp = masks.shape[0] * K ** P
    if n_comp > _MAX_COMPONENTS:
        raise ValueError(f"brute-force enumeration needs {n_comp} components (> {_MAX_COMPONENTS}); "
                         "use fewer tokens or patterns")
    labels, logw = [], []
    for m in masks:
        members = np.flatnonzero(m)
        piS = pi[members] / pi[members].sum()
        for ys in itertools.product(range(K), repeat=P):
            labels.append(members[list(ys)])
            with np.errstate(divide="ignore"):
                logw.append(np.sum(np.log(piS[list(ys)])) - np.log(masks.shape[0]))
    return np.array(labels), np.array(logw)


def _bruteforce_terms(Xt, mu, pi, K, alpha_bar, rho):
    Xt = as_array(Xt, "Xt")
    if Xt.ndim == 2:
        Xt = Xt[None]
    if Xt.ndim != 3:
        raise ValueError(f"Xt must have shape (P, d) or (n, P, d), got {Xt.shape}")
    mu = as_array(mu, "mu", ndim=2)
    M, d = mu.shape
    if Xt.shape[-1] != d:
        raise ValueError(f"Xt must have last dimension d={d}, got {Xt.shape[-1]}")
    p = _prior(pi, M)
    K = as_int(K, "K", low=1, high=M)
    ab = as_scalar(alpha_bar, "alpha_bar", low=0.0, high=1.0, low_open=True, high_open=True)
    rho = as_scalar(rho, "rho", low=0.0)
    a, s2 = np.sqrt(ab), 1.0 - ab + rho ** 2 * ab
    labels, logw = _components(M, K, Xt.shape[1], p)
    means = a * mu[labels]                               # (C, P, d)
    diff = Xt[:, None] - means[None]                     # (n, C, P, d)
    loglik = -0.5 * np.sum(diff ** 2, axis=(2, 3)) / s2 - 0.5 * Xt.shape[1] * d * np.log(2 * np.pi * s2)
    return Xt, labels, logw[None] + loglik, a, s2


def log_density_bruteforce(Xt: Any, mu: Any, pi: Any, K: int, alpha_bar: float, rho: float) -> np.ndarray:
    """``log p_t(X^t)`` of the noisy MTGM, exactly, as a mixture over every subset and
    labelling (``binom(M, K) K^P`` Gaussian components in ``R^{P d}``). ``Xt`` is one data
    point ``(P, d)`` or a batch ``(n, P, d)``; returns shape ``(n,)``."""
    _, _, logc, _, _ = _bruteforce_terms(Xt, mu, pi, K, alpha_bar, rho)
    return logsumexp(logc, axis=1)


def posterior_mean_bruteforce(Xt: Any, mu: Any, pi: Any, K: int, alpha_bar: float, rho: float) -> np.ndarray:
    """``E[E^t | X^t]`` by the same enumeration: the posterior-weighted average of the
    per-component means ``(b/s^2)(X - a M_Y)``. Returns shape ``(n, P, d)``."""
    X, labels, logc, a, s2 = _bruteforce_terms(Xt, mu, pi, K, alpha_bar, rho)
    mu = np.asarray(mu, dtype=float)
    wts = np.exp(logc - logsumexp(logc, axis=1, keepdims=True))   # (n, C)
    mean_M = np.einsum("nc,cpd->npd", wts, mu[labels])
    return np.sqrt(1.0 - alpha_bar) / s2 * (X - a * mean_M)
