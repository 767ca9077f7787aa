"""A small patch-transformer DDPM on scikit-learn's 8x8 digits, with a per-class Fréchet
distance: the offline stand-in for the MNIST experiment of Li, Min & Vidal (ICML 2026,
Sec. 5.2, Fig. 3).

The paper trains a 6-layer, 4-head DiT as a DDPM on MNIST digits 0-3 with digit 2 cut to
30 % of its images, labels generated samples with a CNN classifier and tracks a per-class
FID over training. Here, offline and on a CPU:

* data (:func:`digit_images`, :func:`subsample_class`): the bundled 8x8 digits of classes
  0-3 (``numerics.data.digits``), pixels mapped to ``[-1, 1]``; the minority class keeps a
  seeded random ``keep_fraction`` of its images;
* model (:func:`make_denoiser`): a transformer whose tokens are the ``patch x patch``
  patches of the image (16 tokens of 4 pixels for ``patch = 2``), with a learned position
  embedding, a sinusoidal time embedding passed through a small MLP, and DiT-style
  adaptive layer norm (scale and shift from the time embedding) in every block; it predicts
  the noise ``E`` (epsilon parametrisation);
* training (:func:`train_denoiser`): the DDPM loss ``E ||f(X^t, t) - E^t||^2`` per entry
  (the paper's eq. (3) without its 1/2), ``X^t`` from the forward process eq. (2)
  (:func:`numerics.diffusion.forward_process`, with the data reshaped to tokens), ``t``
  uniform over the schedule, Adam on minibatches, one epoch = one pass over the training
  images;
* sampling (:func:`sample`): ancestral DDPM sampling (Ho et al. 2020, Algorithm 2) with
  ``sigma_t^2 = beta_t`` and, by default, the predicted ``x0`` clipped to ``[-1, 1]``;
* metric (:func:`fit_classifier`, :func:`classifier_features`, :func:`frechet_distance`,
  :func:`per_class_frechet`): a one-hidden-layer scikit-learn MLP trained on the real
  images; its predictions label the generated samples and its hidden activations are the
  features in which each class's generated samples are compared with the real images of
  that class by the Fréchet distance (FID with the Inception network replaced by this
  classifier).

Optional class conditioning (the images stand-in of Concept Lancet, Luo et al., CVPR 2025):
``make_denoiser(..., cond_dim=m)`` adds a conditioning vector ``c in R^m``, embedded by a
small MLP and added to the time embedding; :func:`train_denoiser` takes one vector per image
(with optional condition dropout to a null vector) and :func:`sample` / :func:`sample_ddim`
accept any vector, so edited vectors ``v + w (d_tgt - d_src)`` can be fed in.
:func:`sample_ddim` is deterministic given ``x_T`` (:func:`initial_noise`), so a source and
an edited image generated from one ``x_T`` differ only through the conditioning.
:func:`concept_atoms`, :func:`ink_presence`, :func:`background_mask`,
:func:`train_conditional_digits` and :func:`edit_metrics` build that experiment. With
``cond_dim = 0`` (the default) everything is exactly the unconditional model above.

The noise schedule is an argument (``alpha_bar``, the cumulative products
``abar_1..abar_T``); the checks pass the paper's linear schedule
``theorems.ddpm_transformer.alpha_bar_linear(T, a1, aT)`` with ``abar_T`` close to 0.

Everything is seeded: the data subsample, the minibatch order, the diffusion steps and the
forward-process noise come from one ``numpy.random.Generator``; the network initialisation
(under ``torch.random.fork_rng``, so the global torch state is left alone) and the sampling
noise (a ``torch.Generator`` on the chosen device) from integer seeds drawn from it. On the
CPU a rerun with the same seed is bit-for-bit identical. The network is float32 (the
card: float32 is fine for training); the Fréchet distance is float64. torch is an optional
extra imported only inside the functions that need it.
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from numerics import data as _data
from numerics.diffusion import forward_process
from numerics._optional import require
from theorems.validate import as_array, as_int, as_rng, as_scalar

__all__ = [
    "DenoiserConfig",
    "DigitDiffusionResult",
    "digit_images",
    "subsample_class",
    "patchify",
    "unpatchify",
    "make_denoiser",
    "train_denoiser",
    "sample",
    "initial_noise",
    "sample_ddim",
    "fit_classifier",
    "classifier_features",
    "gaussian_stats",
    "frechet_distance",
    "frechet_distance_samples",
    "per_class_frechet",
    "run_digit_diffusion",
    "concept_atoms",
    "ink_presence",
    "background_mask",
    "ConditionalDigits",
    "train_conditional_digits",
    "edit_metrics",
]

SIDE = 8  # the bundled digits are 8x8


def _torch():
    return require("torch", "torch", "numerics.digit_diffusion")


# -- data ------------------------------------------------------------------------------------------
def digit_images(classes: Sequence[int] = (0, 1, 2, 3)) -> tuple[np.ndarray, np.ndarray]:
    """The bundled 8x8 digits of ``classes`` as images in ``[-1, 1]``.

    Returns ``X`` of shape ``(n, 8, 8)`` (pixel values ``v / 8 - 1`` for the stored
    ``v in 0..16``) and the digit labels ``y`` (dataset order).
    """
    X, y = _data.digits(tuple(_classes(classes)), center=False)   # pixels / 16 in [0, 1]
    return (2.0 * X - 1.0).reshape(-1, SIDE, SIDE), y


def _classes(classes: Any) -> list[int]:
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence | np.ndarray):
        raise TypeError(f"classes must be a sequence of digits, got {type(classes).__name__}")
    c = [int(v) for v in classes]
    if len(c) < 2 or len(set(c)) != len(c) or any(v < 0 or v > 9 for v in c):
        raise ValueError(f"classes must be at least two distinct digits in 0..9, got {list(classes)}")
    return c


def subsample_class(y: Any, minority: int, keep_fraction: float, seed: Any) -> np.ndarray:
    """Indices of a training set in which class ``minority`` keeps only a fraction of its
    samples (Sec. 5.2: digit 2 keeps 30 %).

    The minority class keeps ``round(keep_fraction * n_minority)`` (at least one) of its
    samples, chosen uniformly without replacement by ``seed``; every other sample is kept.
    Returns the sorted kept indices into ``y``.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0 or not np.issubdtype(y.dtype, np.integer):
        raise TypeError("y must be a non-empty 1-d integer array of labels")
    minority = as_int(minority, "minority")
    frac = as_scalar(keep_fraction, "keep_fraction", low=0.0, high=1.0, low_open=True)
    idx = np.flatnonzero(y == minority)
    if idx.size == 0:
        raise ValueError(f"minority={minority} does not occur in y")
    rng = as_rng(seed)
    n_keep = max(1, int(round(frac * idx.size)))
    kept = rng.choice(idx, size=n_keep, replace=False)
    return np.sort(np.concatenate([np.flatnonzero(y != minority), kept]))


def patchify(X: Any, patch: int) -> np.ndarray:
    """Images ``(n, H, W)`` to tokens ``(n, (H/p)(W/p), p*p)``, patches in row-major order,
    pixels row-major within a patch."""
    X = as_array(X, "X", ndim=3)
    p = as_int(patch, "patch", low=1)
    n, H, W = X.shape
    if H % p or W % p:
        raise ValueError(f"patch must divide the image size {H}x{W}, got {p}")
    return X.reshape(n, H // p, p, W // p, p).transpose(0, 1, 3, 2, 4).reshape(n, (H // p) * (W // p), p * p)


def unpatchify(tokens: Any, patch: int, side: int = SIDE) -> np.ndarray:
    """Inverse of :func:`patchify` for square ``side x side`` images."""
    Z = as_array(tokens, "tokens", ndim=3)
    p = as_int(patch, "patch", low=1)
    side = as_int(side, "side", low=1)
    g = side // p
    if side % p or Z.shape[1:] != (g * g, p * p):
        raise ValueError(f"tokens must have shape (n, {g * g}, {p * p}) for patch={p}, side={side}, got {Z.shape}")
    return Z.reshape(-1, g, g, p, p).transpose(0, 1, 3, 2, 4).reshape(-1, side, side)


# -- model -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DenoiserConfig:
    """Size of the patch transformer: ``patch`` (2 or 4 divides 8), ``width`` (embedding
    dimension, divisible by ``heads``), ``depth`` (blocks), ``heads``, ``mlp_ratio`` (hidden
    width of each block's MLP over ``width``)."""

    patch: int = 2
    width: int = 32
    depth: int = 2
    heads: int = 4
    mlp_ratio: int = 2

    def __post_init__(self) -> None:
        p = as_int(self.patch, "patch", low=1)
        if SIDE % p:
            raise ValueError(f"patch must divide {SIDE}, got {p}")
        w = as_int(self.width, "width", low=2)
        h = as_int(self.heads, "heads", low=1)
        if w % h:
            raise ValueError(f"width must be divisible by heads, got width={w}, heads={h}")
        as_int(self.depth, "depth", low=1)
        as_int(self.mlp_ratio, "mlp_ratio", low=1)

    @property
    def tokens(self) -> int:
        return (SIDE // self.patch) ** 2

    @property
    def token_dim(self) -> int:
        return self.patch ** 2


def _schedule(alpha_bar: Any) -> np.ndarray:
    ab = as_array(alpha_bar, "alpha_bar", ndim=1)
    if np.any(ab <= 0) or np.any(ab >= 1):
        raise ValueError("alpha_bar must lie in (0, 1)")
    if ab.size > 1 and np.any(np.diff(ab) >= 0):
        raise ValueError("alpha_bar must be strictly decreasing (abar_1 > ... > abar_T)")
    return ab


def make_denoiser(config: DenoiserConfig, T: int, seed: Any, device: str = "cpu", *, cond_dim: int = 0):
    """The epsilon-prediction patch transformer (a ``torch.nn.Module``, float32).

    ``model(x, t)`` maps noisy tokens ``x`` of shape ``(n, tokens, patch^2)`` and step indices
    ``t`` (``0..T-1`` for ``abar_1..abar_T``) to the predicted noise, same shape as ``x``.
    The initialisation is drawn under ``torch.random.fork_rng`` from an integer seed taken
    from ``seed``, so it is repeatable and leaves the global torch generator untouched.

    ``cond_dim > 0`` makes the model class-conditional: ``model(x, t, c)`` takes a real
    conditioning vector ``c`` of shape ``(n, cond_dim)`` per image, passed through its own
    two-layer MLP and added to the time embedding (so it enters every block's adaptive layer
    norm, as the class embedding of a DiT does). Any vector may be fed in, not only the ones
    seen in training (the edited vectors of Concept Lancet's transplant). The conditioning
    MLP is created after every other layer, so with ``cond_dim = 0`` (the default) nothing
    is added and the network and its initialisation are exactly the unconditional ones.
    """
    if not isinstance(config, DenoiserConfig):
        raise TypeError(f"config must be a DenoiserConfig, got {type(config).__name__}")
    T = as_int(T, "T", low=1)
    cond_dim = as_int(cond_dim, "cond_dim", low=0)
    rng = as_rng(seed)
    torch = _torch()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(rng.integers(2**62)))
        model = _build(torch, config, T, cond_dim)
    return model.to(torch.device(device))


def _build(torch, cfg: DenoiserConfig, T: int, cond_dim: int = 0):
    nn = torch.nn

    class TimeEmbedding(nn.Module):
        """Sinusoidal features of the step ``t + 1`` (periods up to ``10 T``), then an MLP."""

        def __init__(self) -> None:
            super().__init__()
            half = cfg.width // 2
            freqs = torch.exp(-math.log(10.0 * T) * torch.arange(half, dtype=torch.float32) / max(half - 1, 1))
            self.register_buffer("freqs", freqs)
            self.mlp = nn.Sequential(nn.Linear(2 * half, cfg.width), nn.SiLU(), nn.Linear(cfg.width, cfg.width))

        def forward(self, t):
            a = (t.to(torch.float32) + 1.0)[:, None] * self.freqs[None, :]
            return self.mlp(torch.cat([torch.sin(a), torch.cos(a)], dim=1))

    class Block(nn.Module):
        """Pre-norm transformer block with adaptive layer norm from the time embedding."""

        def __init__(self) -> None:
            super().__init__()
            w = cfg.width
            self.norm1 = nn.LayerNorm(w, elementwise_affine=False)
            self.qkv = nn.Linear(w, 3 * w)
            self.proj = nn.Linear(w, w)
            self.norm2 = nn.LayerNorm(w, elementwise_affine=False)
            self.mlp = nn.Sequential(nn.Linear(w, cfg.mlp_ratio * w), nn.GELU(), nn.Linear(cfg.mlp_ratio * w, w))
            self.mod = nn.Linear(w, 4 * w)

        def attn(self, h):
            # multi-head softmax attention written out: with 16 tokens the explicit
            # (n, heads, P, P) logits are tiny and faster on a CPU than the fused kernels
            n, P, w = h.shape
            q, k, v = self.qkv(h).view(n, P, 3, cfg.heads, w // cfg.heads).permute(2, 0, 3, 1, 4)
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(w // cfg.heads), dim=-1)
            return self.proj((a @ v).transpose(1, 2).reshape(n, P, w))

        def forward(self, x, temb):
            s1, b1, s2, b2 = self.mod(nn.functional.silu(temb))[:, None, :].chunk(4, dim=-1)
            x = x + self.attn(self.norm1(x) * (1 + s1) + b1)
            return x + self.mlp(self.norm2(x) * (1 + s2) + b2)

    class PatchDenoiser(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Linear(cfg.token_dim, cfg.width)
            self.pos = nn.Parameter(0.02 * torch.randn(1, cfg.tokens, cfg.width))
            self.time = TimeEmbedding()
            self.blocks = nn.ModuleList([Block() for _ in range(cfg.depth)])
            self.norm = nn.LayerNorm(cfg.width)
            self.out = nn.Linear(cfg.width, cfg.token_dim)
            self.cond_dim = cond_dim
            if cond_dim:
                # built last: the layers above draw the same initial weights as without it
                self.cond = nn.Sequential(nn.Linear(cond_dim, cfg.width), nn.SiLU(),
                                          nn.Linear(cfg.width, cfg.width))

        def forward(self, x, t, c=None):
            temb = self.time(t)
            if self.cond_dim:
                if c is None or tuple(c.shape) != (x.shape[0], self.cond_dim):
                    raise ValueError(f"c must have shape ({x.shape[0]}, {self.cond_dim}), got "
                                     f"{None if c is None else tuple(c.shape)}")
                temb = temb + self.cond(c)
            elif c is not None:
                raise ValueError("c must be None for an unconditional model (cond_dim = 0)")
            h = self.embed(x) + self.pos
            for blk in self.blocks:
                h = blk(h, temb)
            return self.out(self.norm(h))

    return PatchDenoiser()


# -- training and sampling --------------------------------------------------------------------------
def train_denoiser(model: Any, tokens: Any, alpha_bar: Any, *, epochs: int, seed: Any, batch: int = 64,
                   lr: float = 8e-3, device: str = "cpu", callback: Any = None, cond: Any = None,
                   p_uncond: float = 0.0, null_cond: Any = None) -> np.ndarray:
    """Adam on the DDPM epsilon-prediction loss (eq. (3), per entry, without the 1/2).

    Each step draws ``t`` uniformly from ``0..T-1`` per image and ``X^t`` by the forward
    process eq. (2) (:func:`numerics.diffusion.forward_process`); each epoch visits the
    training tokens ``(n, P, patch^2)`` once in a seeded random order, in minibatches of
    ``batch``. ``callback(epoch)`` (epoch = 1, 2, ...) is called after every epoch (e.g. to
    sample and score). ``seed`` (int or Generator) drives the order, steps and noise; pass
    the same Generator that built the model to continue one stream.

    A conditional model (``make_denoiser(..., cond_dim=m)``) needs ``cond``, one
    conditioning vector per training image, shape ``(n, m)``. With ``p_uncond > 0`` each
    image's vector is replaced, independently at every step with that probability, by
    ``null_cond`` (length ``m``, zeros by default): the condition dropout of
    classifier-free guidance, which teaches the model an unconditional prediction at the
    null vector. The dropout draws come after the step's other draws from ``seed``, and an
    unconditional model draws nothing extra, so its training is unchanged.

    Returns the mean training loss of each epoch, shape ``(epochs,)``.
    """
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X0 = as_array(tokens, "tokens", ndim=3)
    C, p_uncond, null = _train_cond(model, cond, p_uncond, null_cond, X0.shape[0])
    ab = _schedule(alpha_bar)
    epochs = as_int(epochs, "epochs", low=0)
    batch = as_int(batch, "batch", low=1)
    lr = as_scalar(lr, "lr", low=0.0, low_open=True)
    if callback is not None and not callable(callback):
        raise TypeError("callback must be callable or None")
    rng = as_rng(seed)
    dev = torch.device(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr, foreach=True)
    n = X0.shape[0]
    losses = np.empty(epochs)
    for ep in range(epochs):
        model.train()
        order = rng.permutation(n)
        total = 0.0
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            t_idx = rng.integers(0, ab.size, size=idx.size)
            Xt, E = forward_process(X0[idx], ab[t_idx], rng)
            x = torch.as_tensor(Xt, dtype=torch.float32, device=dev)
            e = torch.as_tensor(E, dtype=torch.float32, device=dev)
            t = torch.as_tensor(t_idx, dtype=torch.long, device=dev)
            if C is None:
                pred = model(x, t)
            else:
                c = C[idx]
                if p_uncond > 0:
                    c = np.where((rng.random(idx.size) < p_uncond)[:, None], null[None, :], c)
                pred = model(x, t, torch.as_tensor(c, dtype=torch.float32, device=dev))
            loss = torch.mean((pred - e) ** 2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.size
        losses[ep] = total / n
        if not np.isfinite(losses[ep]):
            raise FloatingPointError(f"training diverged in epoch {ep + 1} (loss {losses[ep]}); reduce lr")
        if callback is not None:
            callback(ep + 1)
    return losses


def _cond_dim(model) -> int:
    return int(getattr(model, "cond_dim", 0))


def _train_cond(model, cond: Any, p_uncond: Any, null_cond: Any, n: int):
    """Validated training conditioning: ``(C or None, p_uncond, null vector or None)``."""
    m = _cond_dim(model)
    p = as_scalar(p_uncond, "p_uncond", low=0.0, high=1.0)
    if m == 0:
        if cond is not None or null_cond is not None or p > 0:
            raise ValueError("cond, null_cond and p_uncond need a conditional model (make_denoiser(..., cond_dim=m))")
        return None, 0.0, None
    if cond is None:
        raise ValueError(f"cond must be given for a conditional model: shape ({n}, {m})")
    C = as_array(cond, "cond", shape=(n, m))
    null = np.zeros(m) if null_cond is None else as_array(null_cond, "null_cond", shape=(m,))
    return C, p, null


def _sample_cond(model, cond: Any, n: int):
    """Validated sampling conditioning: ``None`` or an ``(n, m)`` float64 array (a single
    vector of length ``m`` is used for every sample)."""
    m = _cond_dim(model)
    if m == 0:
        if cond is not None:
            raise ValueError("cond must be None for an unconditional model (cond_dim = 0)")
        return None
    if cond is None:
        raise ValueError(f"cond must be given for a conditional model: shape ({m},) or ({n}, {m})")
    C = as_array(cond, "cond")
    if C.shape == (m,):
        return np.tile(C, (n, 1))
    if C.shape != (n, m):
        raise ValueError(f"cond must have shape ({m},) or ({n}, {m}), got {C.shape}")
    return C


def _sampler_inputs(model: Any, clip_x0: Any, alpha_bar: Any):
    """torch and the validated schedule, after checking the arguments the samplers share."""
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(clip_x0, bool):
        raise TypeError(f"clip_x0 must be a bool, got {type(clip_x0).__name__}")
    return torch, _schedule(alpha_bar)


def sample(model: Any, alpha_bar: Any, n: int, seed: Any, *, clip_x0: bool = True, device: str = "cpu",
           chunk: int = 2048, cond: Any = None) -> np.ndarray:
    """Ancestral DDPM sampling (Ho et al. 2020, Algorithm 2 with ``sigma_t^2 = beta_t``).

    ``x_T ~ N(0, I)``; for ``t = T..1`` the step predicts
    ``x0 = (x_t - sqrt(1 - abar_t) f(x_t, t)) / sqrt(abar_t)`` and moves to the mean of
    ``q(x_{t-1} | x_t, x0)``,
    ``sqrt(abar_{t-1}) beta_t / (1 - abar_t) x0 + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t``,
    plus ``sqrt(beta_t) z`` except at the last step (``alpha_t = abar_t / abar_{t-1}``,
    ``abar_0 = 1``). Without clipping this mean is exactly Algorithm 2's
    ``(x_t - beta_t / sqrt(1 - abar_t) f) / sqrt(alpha_t)``; with ``clip_x0`` (default, as
    in the reference implementation of Ho et al.) the predicted ``x0`` is clipped to the
    data range ``[-1, 1]`` first, which keeps a small, partly trained denoiser from
    drifting out of range.

    A conditional model needs ``cond``: one vector (length ``cond_dim``, used for every
    sample) or one per sample, ``(n, cond_dim)``.

    Returns ``n`` token arrays ``(n, P, patch^2)`` (float64), clipped to ``[-1, 1]`` at the
    end. The noise comes from a ``torch.Generator`` on ``device`` seeded from ``seed``.
    """
    torch, ab = _sampler_inputs(model, clip_x0, alpha_bar)
    n = as_int(n, "n", low=1)
    chunk = as_int(chunk, "chunk", low=1)
    C = _sample_cond(model, cond, n)
    rng = as_rng(seed)
    dev = torch.device(device)
    gen = torch.Generator(device=dev)
    gen.manual_seed(int(rng.integers(2**62)))
    ab_prev = np.concatenate([[1.0], ab[:-1]])
    alpha = ab / ab_prev
    beta = 1.0 - alpha
    c0 = np.sqrt(ab_prev) * beta / (1.0 - ab)                 # coefficient of x0
    ct = np.sqrt(alpha) * (1.0 - ab_prev) / (1.0 - ab)        # coefficient of x_t
    P, dtok = _token_shape(model)
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, n, chunk):
            m = min(chunk, n - i)
            x = torch.randn(m, P, dtok, generator=gen, device=dev)
            extra = () if C is None else (torch.as_tensor(C[i:i + m], dtype=torch.float32, device=dev),)
            for t in range(ab.size - 1, -1, -1):
                eps = model(x, torch.full((m,), t, dtype=torch.long, device=dev), *extra)
                x0 = (x - float(math.sqrt(1.0 - ab[t])) * eps) / float(math.sqrt(ab[t]))
                if clip_x0:
                    x0 = x0.clamp(-1.0, 1.0)
                x = float(c0[t]) * x0 + float(ct[t]) * x
                if t > 0:
                    x = x + float(math.sqrt(beta[t])) * torch.randn(m, P, dtok, generator=gen, device=dev)
            out.append(x.clamp(-1.0, 1.0).cpu().numpy().astype(np.float64))
    return np.concatenate(out, axis=0)


def initial_noise(model: Any, n: int, seed: Any) -> np.ndarray:
    """``x_T ~ N(0, I)`` for ``n`` samples of ``model``'s token shape ``(n, P, patch^2)``,
    drawn (float64) from ``seed`` (int or Generator), to be shared between generations
    with :func:`sample_ddim`."""
    P, dtok = _token_shape(model)
    n = as_int(n, "n", low=1)
    return as_rng(seed).standard_normal((n, P, dtok))


def sample_ddim(model: Any, alpha_bar: Any, x_T: Any, *, cond: Any = None, clip_x0: bool = True,
                device: str = "cpu", chunk: int = 2048) -> np.ndarray:
    """Deterministic DDIM sampling (Song et al. 2021, eq. (12) with ``sigma_t = 0``) from a
    given ``x_T``, over every step of the schedule.

    For ``t = T..1``: ``x0 = (x_t - sqrt(1 - abar_t) f(x_t, t, c)) / sqrt(abar_t)``, with
    ``clip_x0`` (default) clipped to ``[-1, 1]`` and the noise re-derived from the clipped
    ``x0``, ``eps = (x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t)``; then
    ``x_{t-1} = sqrt(abar_{t-1}) x0 + sqrt(1 - abar_{t-1}) eps`` (``abar_0 = 1``, so the last
    step returns ``x0``). Without clipping this is exactly the paper's eq. (1) DDIM step
    (``theorems.concept_lancet.ddim_step`` with ``sigma = 0``).

    No noise is drawn after ``x_T``: the output is a deterministic function of ``x_T`` and
    the conditioning. Generating a source and an edited image from the same ``x_T``
    (:func:`initial_noise`) with two conditioning vectors therefore attributes every pixel
    change to the change of the conditioning (as the image editors of Concept Lancet keep
    the inverted latent and change only the prompt embedding).

    ``x_T``: ``(n, P, patch^2)``; ``cond``: as in :func:`sample`. Returns float64 tokens
    clipped to ``[-1, 1]``.
    """
    torch, ab = _sampler_inputs(model, clip_x0, alpha_bar)
    P, dtok = _token_shape(model)
    XT = as_array(x_T, "x_T", ndim=3)
    if XT.shape[1:] != (P, dtok):
        raise ValueError(f"x_T must have shape (n, {P}, {dtok}), got {XT.shape}")
    n = XT.shape[0]
    chunk = as_int(chunk, "chunk", low=1)
    C = _sample_cond(model, cond, n)
    dev = torch.device(device)
    ab_prev = np.concatenate([[1.0], ab[:-1]])
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, n, chunk):
            m = min(chunk, n - i)
            x = torch.as_tensor(XT[i:i + m], dtype=torch.float32, device=dev)
            extra = () if C is None else (torch.as_tensor(C[i:i + m], dtype=torch.float32, device=dev),)
            for t in range(ab.size - 1, -1, -1):
                eps = model(x, torch.full((m,), t, dtype=torch.long, device=dev), *extra)
                sa, sb = float(math.sqrt(ab[t])), float(math.sqrt(1.0 - ab[t]))
                x0 = (x - sb * eps) / sa
                if clip_x0:
                    x0 = x0.clamp(-1.0, 1.0)
                    eps = (x - sa * x0) / sb
                x = float(math.sqrt(ab_prev[t])) * x0 + float(math.sqrt(1.0 - ab_prev[t])) * eps
            out.append(x.clamp(-1.0, 1.0).cpu().numpy().astype(np.float64))
    return np.concatenate(out, axis=0)


def _token_shape(model) -> tuple[int, int]:
    pos = getattr(model, "pos", None)
    out = getattr(model, "out", None)
    if pos is None or out is None:
        raise TypeError("model must be built by make_denoiser")
    return int(pos.shape[1]), int(out.out_features)


# -- classifier features and the Fréchet distance ---------------------------------------------------
def fit_classifier(X: Any, y: Any, *, hidden: int = 32, seed: int = 0, max_iter: int = 2000):
    """A one-hidden-layer ``sklearn.neural_network.MLPClassifier`` (tanh, Adam, L2 1e-3) on
    flattened images. Its hidden layer is the feature map of the Fréchet distance (the role
    of the Inception pool features in FID) and its predictions label generated samples.
    tanh keeps every hidden unit alive (no constant ReLU features). ``seed`` is the
    integer ``random_state``; the fit is deterministic."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X = _flat(X, "X")
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integer labels of shape ({X.shape[0]},), got {y.shape}")
    hidden = as_int(hidden, "hidden", low=1)
    seed = as_int(seed, "seed", low=0)
    max_iter = as_int(max_iter, "max_iter", low=1)
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), activation="tanh", alpha=1e-3, max_iter=max_iter,
                        random_state=seed, tol=1e-6, n_iter_no_change=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return clf


def _flat(X: Any, name: str) -> np.ndarray:
    X = as_array(X, name)
    if X.ndim == 3:
        X = X.reshape(X.shape[0], -1)
    if X.ndim != 2:
        raise ValueError(f"{name} must be images (n, H, W) or flattened (n, H*W), got shape {X.shape}")
    return X


def classifier_features(clf: Any, X: Any) -> np.ndarray:
    """Hidden-layer activations ``tanh(X W_1 + b_1)`` of a one-hidden-layer MLPClassifier."""
    W = getattr(clf, "coefs_", None)
    if W is None or len(W) != 2:
        raise TypeError("clf must be a fitted one-hidden-layer MLPClassifier (see fit_classifier)")
    X = _flat(X, "X")
    if X.shape[1] != W[0].shape[0]:
        raise ValueError(f"X must have {W[0].shape[0]} features, got {X.shape[1]}")
    return np.tanh(X @ W[0] + clf.intercepts_[0])


def gaussian_stats(F: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased, ``1/(n-1)``) covariance of the feature rows ``F (n, k)``, n >= 2."""
    F = as_array(F, "F", ndim=2)
    if F.shape[0] < 2:
        raise ValueError(f"F must have at least 2 rows, got {F.shape[0]}")
    return F.mean(axis=0), np.atleast_2d(np.cov(F, rowvar=False))


def _psd_eig_floor(lam: np.ndarray) -> np.ndarray:
    """Eigenvalues of a PSD matrix with those below its round-off level set to 0.

    The eigenvalues of a singular covariance come out as +-O(k eps lam_max); their square
    roots, O(1e-8 sqrt(lam_max)), would otherwise enter the distance as an error far larger
    than the round-off of the other terms."""
    cut = lam.size * np.finfo(float).eps * max(float(np.max(np.abs(lam))), np.finfo(float).tiny)
    return np.where(lam > cut, lam, 0.0)


def _psd_sqrt(S: np.ndarray) -> np.ndarray:
    lam, V = np.linalg.eigh(S)
    return (V * np.sqrt(_psd_eig_floor(lam))) @ V.T


def frechet_distance(mu1: Any, S1: Any, mu2: Any, S2: Any) -> float:
    """Fréchet (2-Wasserstein squared) distance between ``N(mu1, S1)`` and ``N(mu2, S2)``:

    ``|mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr (S1^{1/2} S2 S1^{1/2})^{1/2}``.

    ``tr (S1 S2)^{1/2}`` of the usual FID formula equals the trace of the symmetric form used
    here (``S1 S2`` is similar to ``S1^{1/2} S2 S1^{1/2}`` when ``S1`` is invertible, and
    both sides are continuous in ``S1``). Both square roots are taken by symmetric
    eigendecomposition, with the eigenvalues below the round-off level ``k eps lam_max``
    (negative ones included) set to 0. Singular or near-singular covariances (fewer
    samples than features, saturated units) then need no added ``eps I`` and no complex
    ``sqrtm``, and a singular case is exact to round-off (a regularised ``sqrtm`` is off by
    ``O(sqrt(eps_reg))``). The result is clipped at 0 against round-off.
    """
    mu1 = as_array(mu1, "mu1", ndim=1)
    mu2 = as_array(mu2, "mu2", shape=mu1.shape)
    k = mu1.size
    S1 = _cov(S1, "S1", k)
    S2 = _cov(S2, "S2", k)
    A = _psd_sqrt(S1)
    M = A @ S2 @ A
    lam = np.linalg.eigvalsh(0.5 * (M + M.T))
    cross = float(np.sum(np.sqrt(_psd_eig_floor(lam))))
    fd = float(np.sum((mu1 - mu2) ** 2) + np.trace(S1) + np.trace(S2) - 2.0 * cross)
    return max(fd, 0.0)


def _cov(S: Any, name: str, k: int) -> np.ndarray:
    S = as_array(S, name, shape=(k, k))
    scale = max(1.0, float(np.max(np.abs(S))))
    if np.max(np.abs(S - S.T)) > 1e-8 * scale:
        raise ValueError(f"{name} must be symmetric")
    if np.linalg.eigvalsh(0.5 * (S + S.T))[0] < -1e-8 * scale:
        raise ValueError(f"{name} must be positive semidefinite")
    return 0.5 * (S + S.T)


def frechet_distance_samples(F1: Any, F2: Any) -> float:
    """:func:`frechet_distance` between the Gaussian fits (:func:`gaussian_stats`) of two
    feature samples ``F1 (n1, k)`` and ``F2 (n2, k)``."""
    F1 = as_array(F1, "F1", ndim=2)
    F2 = as_array(F2, "F2", ndim=2)
    if F1.shape[1] != F2.shape[1]:
        raise ValueError(f"F1 and F2 must have the same number of features, got {F1.shape[1]} and {F2.shape[1]}")
    return frechet_distance(*gaussian_stats(F1), *gaussian_stats(F2))


def per_class_frechet(clf: Any, generated: Any, real: Any, real_labels: Any, classes: Sequence[int], *,
                      seed: Any, min_count: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Per-class Fréchet distance between generated and real images in ``clf``'s features.

    The generated images are labelled by ``clf.predict``. To keep the finite-sample bias of
    the Fréchet distance (of order ``tr S / n``) equal across classes, every class is scored
    on the same number ``m`` of generated samples: the smallest predicted-class count,
    each class subsampled to ``m`` without replacement by ``seed``. The real statistics of a
    class use all of ``real`` with that label. If ``m < min_count`` every distance is NaN
    (too few samples to estimate a covariance).

    Returns ``fd`` (one per class, in the order of ``classes``) and the predicted counts.
    """
    cls = _classes(classes)
    G = _flat(generated, "generated")
    R = _flat(real, "real")
    yr = np.asarray(real_labels)
    if yr.shape != (R.shape[0],):
        raise ValueError(f"real_labels must have shape ({R.shape[0]},), got {yr.shape}")
    min_count = as_int(min_count, "min_count", low=2)
    rng = as_rng(seed)
    pred = clf.predict(G)
    counts = np.array([int(np.sum(pred == c)) for c in cls])
    m = int(counts.min())
    fd = np.full(len(cls), np.nan)
    if m < min_count:
        return fd, counts
    FG, FR = classifier_features(clf, G), classifier_features(clf, R)
    for j, c in enumerate(cls):
        if not np.any(yr == c):
            raise ValueError(f"real_labels has no sample of class {c}")
        pick = rng.choice(np.flatnonzero(pred == c), size=m, replace=False)
        fd[j] = frechet_distance(*gaussian_stats(FG[pick]), *gaussian_stats(FR[yr == c]))
    return fd, counts


# -- the experiment ------------------------------------------------------------------------------------
@dataclass
class DigitDiffusionResult:
    """Outcome of :func:`run_digit_diffusion`.

    ``epochs``: the evaluated epochs; ``fd``: per-class Fréchet distance, shape
    ``(len(epochs), len(classes))``; ``counts``: generated samples per predicted class at
    each evaluation; ``loss``: mean training loss per epoch; ``n_train``: training images
    per class; ``floor``: per-class Fréchet distance of ``m`` real images (a seeded
    subsample of the class, ``m`` the size used at the last evaluation) to the class's real
    statistics, the level a perfect generator would reach at that sample size;
    ``classifier_accuracy``: training accuracy of the feature classifier.
    """

    classes: tuple
    epochs: np.ndarray
    fd: np.ndarray
    counts: np.ndarray
    loss: np.ndarray
    n_train: np.ndarray
    floor: np.ndarray
    classifier_accuracy: float
    params: dict = field(default_factory=dict)


def run_digit_diffusion(alpha_bar: Any, *, epochs: int, eval_epochs: Sequence[int], seed: int,
                        classes: Sequence[int] = (0, 1, 2, 3), minority: int = 2, keep_fraction: float = 0.3,
                        config: DenoiserConfig | None = None, batch: int = 64, lr: float = 8e-3,
                        n_samples: int = 500, hidden: int = 32, device: str = "cpu") -> DigitDiffusionResult:
    """The Sec. 5.2 stand-in: train the patch transformer on digits ``classes`` with class
    ``minority`` cut to ``keep_fraction``; after each epoch in ``eval_epochs`` draw
    ``n_samples`` images by ancestral sampling and record the per-class Fréchet distance
    (:func:`per_class_frechet`) in the features of a classifier trained on all real images
    of ``classes`` (the evaluator is not subsampled, as the paper's classifier is not part
    of the imbalanced training).

    One integer ``seed`` fixes everything (subsample, initialisation, minibatches, noise,
    samples, classifier).
    """
    seed = as_int(seed, "seed", low=0)
    cls = _classes(classes)
    if minority not in cls:
        raise ValueError(f"minority must be one of classes {cls}, got {minority}")
    ab = _schedule(alpha_bar)
    epochs = as_int(epochs, "epochs", low=1)
    ev = sorted({as_int(e, "eval_epochs", low=1, high=epochs) for e in eval_epochs})
    if not ev:
        raise ValueError("eval_epochs must not be empty")
    config = DenoiserConfig() if config is None else config
    if not isinstance(config, DenoiserConfig):
        raise TypeError(f"config must be a DenoiserConfig, got {type(config).__name__}")
    n_samples = as_int(n_samples, "n_samples", low=2)
    ss = np.random.SeedSequence(seed)
    s_data, s_model, s_train, s_sample, s_fd = (np.random.default_rng(s) for s in ss.spawn(5))
    X, y = digit_images(cls)
    keep = subsample_class(y, minority, keep_fraction, s_data)
    tokens = patchify(X[keep], config.patch)
    clf = fit_classifier(X, y, hidden=hidden, seed=seed)
    acc = float(np.mean(clf.predict(X.reshape(X.shape[0], -1)) == y))
    model = make_denoiser(config, ab.size, s_model, device=device)
    fds, cnts, ms = [], [], []

    def score(epoch: int) -> None:
        if epoch not in ev:
            return
        G = unpatchify(sample(model, ab, n_samples, s_sample, device=device), config.patch)
        fd, counts = per_class_frechet(clf, G, X, y, cls, seed=s_fd)
        fds.append(fd)
        cnts.append(counts)
        ms.append(int(counts.min()))

    loss = train_denoiser(model, tokens, ab, epochs=epochs, seed=s_train, batch=batch, lr=lr, device=device,
                          callback=score)
    m = max(ms[-1], 2)
    floor = np.array([frechet_distance_samples(
        classifier_features(clf, X[s_fd.choice(np.flatnonzero(y == c), size=min(m, int(np.sum(y == c))),
                                                replace=False)]),
        classifier_features(clf, X[y == c])) for c in cls])
    params = {"classes": cls, "minority": minority, "keep_fraction": keep_fraction, "T": int(ab.size),
              "epochs": epochs, "batch": batch, "lr": lr, "n_samples": n_samples, "hidden": hidden,
              "patch": config.patch, "width": config.width, "depth": config.depth, "heads": config.heads,
              "mlp_ratio": config.mlp_ratio, "device": device}
    return DigitDiffusionResult(tuple(cls), np.array(ev), np.array(fds), np.array(cnts), loss,
                                np.array([int(np.sum(y[keep] == c)) for c in cls]), floor, acc, params)


# -- class conditioning as concept vectors (Concept Lancet stand-in) ----------------------------------
def concept_atoms(n_concepts: int, dim: int, seed: Any) -> np.ndarray:
    """``n_concepts`` orthonormal conditioning vectors in ``R^dim`` (columns, ``dim x
    n_concepts``): the Q factor of a seeded Gaussian matrix. In the digits stand-in of
    Concept Lancet the first ones are the class concepts and the last one the null concept
    (the role of the empty prompt); orthonormal atoms make the sparse decomposition
    well posed (mutual coherence 0)."""
    n_concepts = as_int(n_concepts, "n_concepts", low=1)
    dim = as_int(dim, "dim", low=1)
    if dim < n_concepts:
        raise ValueError(f"dim must be at least n_concepts={n_concepts} for orthonormal atoms, got {dim}")
    Q, R = np.linalg.qr(as_rng(seed).standard_normal((dim, n_concepts)))
    return Q * np.sign(np.diag(R))          # a unique sign convention


def ink_presence(X: Any, labels: Any, low: float = 0.3, high: float = 1.5) -> np.ndarray:
    """Per-image "presence" of its class concept: the rank of the image's ink (sum of the
    pixel intensities ``(x + 1) / 2``) within its class, mapped linearly onto
    ``[low, high]`` (rank ``r`` of ``n``: ``low + (high - low) (r + 1/2) / n``).

    Scaling the class's conditioning vector by it ties the magnitude of the concept in the
    conditioning to how heavily the digit is drawn, so that, as in Concept Lancet's source
    prompts, the source concept is present with a per-image strength that a fixed edit
    strength cannot match. Ties are broken by dataset order (stable sort)."""
    X = as_array(X, "X", ndim=3)
    lab = np.asarray(labels)
    if lab.shape != (X.shape[0],) or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"labels must be integer labels of shape ({X.shape[0]},), got {lab.shape}")
    low = as_scalar(low, "low")
    high = as_scalar(high, "high")
    if not high > low:
        raise ValueError(f"high must exceed low, got low={low}, high={high}")
    ink = ((X + 1.0) / 2.0).sum(axis=(1, 2))
    out = np.empty(X.shape[0])
    for k in np.unique(lab):
        i = np.flatnonzero(lab == k)
        r = np.argsort(np.argsort(ink[i], kind="stable"), kind="stable")
        out[i] = low + (high - low) * (r + 0.5) / i.size
    return out


def background_mask(X: Any, labels: Any, a: int, b: int, level: float = -0.75) -> np.ndarray:
    """The "background" of an edit ``a -> b`` on 8x8 digits: the pixels that are dark in
    the mean image of class ``a`` and in that of class ``b`` (mean value ``<= level``; the
    default ``-0.75`` is at most 1/8 of full ink on average). An edit that changes only the
    digit leaves these pixels dark; ink there is a change outside the edited object (the
    role of the background outside PIE-Bench's edit masks). Returns a boolean ``(8, 8)``
    mask."""
    X = as_array(X, "X", ndim=3)
    lab = np.asarray(labels)
    if lab.shape != (X.shape[0],):
        raise ValueError(f"labels must have shape ({X.shape[0]},), got {lab.shape}")
    level = as_scalar(level, "level", low=-1.0, high=1.0)
    masks = []
    for name, k in (("a", a), ("b", b)):
        k = as_int(k, name)
        if not np.any(lab == k):
            raise ValueError(f"{name}={k} does not occur in labels")
        masks.append(X[lab == k].mean(axis=0) <= level)
    return masks[0] & masks[1]


@dataclass
class ConditionalDigits:
    """A class-conditional patch-transformer DDPM on digits (:func:`train_conditional_digits`).

    ``model``: the denoiser (``cond_dim`` = rows of ``atoms``); ``atoms``: conditioning
    vectors, columns ``0..K-1`` the classes (in the order of ``classes``) and column ``K``
    the null concept; ``X``, ``labels``: the training images and digit labels;
    ``presence``: each training image's class-concept strength (:func:`ink_presence`);
    ``loss``: mean training loss per epoch; ``alpha_bar``: the schedule.
    """

    model: Any
    atoms: np.ndarray
    classes: tuple
    X: np.ndarray
    labels: np.ndarray
    presence: np.ndarray
    loss: np.ndarray
    alpha_bar: np.ndarray
    params: dict = field(default_factory=dict)

    def index(self, digit: int) -> int:
        """Column of ``atoms`` of ``digit``."""
        if digit not in self.classes:
            raise ValueError(f"digit must be one of {self.classes}, got {digit}")
        return self.classes.index(digit)


def train_conditional_digits(alpha_bar: Any, *, epochs: int, seed: int, classes: Sequence[int] = (0, 1, 2, 3),
                             config: DenoiserConfig | None = None, cond_dim: int = 8, p_uncond: float = 0.1,
                             presence: tuple[float, float] = (0.3, 1.5), batch: int = 64, lr: float = 8e-3,
                             device: str = "cpu") -> ConditionalDigits:
    """Train a class-conditional DDPM on the digits ``classes`` (all their images).

    Image ``i`` of class ``k`` is conditioned on ``c_i = s_i d_k`` with ``d_k`` the class's
    atom (:func:`concept_atoms`, ``len(classes) + 1`` orthonormal vectors in
    ``R^cond_dim``, the last the null concept) and ``s_i`` its presence
    (:func:`ink_presence` onto ``presence``); with probability ``p_uncond`` per step it is
    replaced by the null atom (condition dropout). One integer ``seed`` fixes the atoms,
    the initialisation, the minibatches and the noise.
    """
    seed = as_int(seed, "seed", low=0)
    cls = _classes(classes)
    ab = _schedule(alpha_bar)
    config = DenoiserConfig() if config is None else config
    if not isinstance(config, DenoiserConfig):
        raise TypeError(f"config must be a DenoiserConfig, got {type(config).__name__}")
    cond_dim = as_int(cond_dim, "cond_dim", low=len(cls) + 1)
    if not isinstance(presence, Sequence) or len(presence) != 2:
        raise TypeError("presence must be a (low, high) pair")
    s_atoms, s_model, s_train = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    atoms = concept_atoms(len(cls) + 1, cond_dim, s_atoms)
    X, y = digit_images(cls)
    k = np.array([cls.index(int(v)) for v in y])
    pres = ink_presence(X, y, *presence)
    C = pres[:, None] * atoms[:, k].T
    model = make_denoiser(config, ab.size, s_model, device=device, cond_dim=cond_dim)
    loss = train_denoiser(model, patchify(X, config.patch), ab, epochs=epochs, seed=s_train, batch=batch, lr=lr,
                          device=device, cond=C, p_uncond=p_uncond, null_cond=atoms[:, -1])
    params = {"classes": cls, "T": int(ab.size), "epochs": int(epochs), "batch": batch, "lr": lr,
              "cond_dim": cond_dim, "p_uncond": p_uncond, "presence": list(presence),
              **dataclasses.asdict(config), "device": device}
    return ConditionalDigits(model, atoms, tuple(cls), X, y, pres, loss, ab, params)


def edit_metrics(clf: Any, source: Any, edited: Any, target: int, mask: Any) -> dict[str, np.ndarray]:
    """Per-image scores of edits ``source -> edited`` (images ``(n, 8, 8)``): ``hit``, whether
    the classifier ``clf`` labels the edited image ``target`` (the stand-in for CLIP edit
    accuracy); ``mse``, the mean squared pixel change over the whole image; ``mse_bg``, the
    same over the pixels of ``mask`` (:func:`background_mask`; the stand-in for background
    LPIPS)."""
    S = as_array(source, "source", ndim=3)
    E = as_array(edited, "edited", shape=S.shape)
    M = np.asarray(mask)
    if M.shape != S.shape[1:] or M.dtype != bool or not M.any():
        raise ValueError(f"mask must be a non-empty boolean array of shape {S.shape[1:]}")
    target = as_int(target, "target")
    d2 = (E - S) ** 2
    return {"hit": clf.predict(E.reshape(E.shape[0], -1)) == target,
            "mse": d2.mean(axis=(1, 2)), "mse_bg": d2[:, M].mean(axis=1)}
