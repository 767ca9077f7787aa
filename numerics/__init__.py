"""numerics: HOW claims are simulated.

Shared machinery: :mod:`numerics.flow` (gradient-flow integration and gradient descent),
:mod:`numerics.fit` (rates and exponents with confidence intervals), :mod:`numerics.sweep`
(parameter grids on local processes or a Dask cluster).

Simulators by model family, each shared by the papers that need it:

* matrix factorisation and linear networks: :mod:`~numerics.factorization` (symmetric),
  :mod:`~numerics.linear_networks` (two-layer linear), :mod:`~numerics.lora` (LoRA),
  :mod:`~numerics.least_squares` (large-step GD, sharpness);
* two-layer ReLU / pReLU networks: :mod:`~numerics.two_layer` (model, gradients, flows),
  :mod:`~numerics.data` (structured data, digits), :mod:`~numerics.robustness`
  (flip radii, attacks), :mod:`~numerics.collapse` (limit networks, collapse metrics);
* networked dynamical systems: :mod:`~numerics.network_systems` (graphs, block models,
  transfer matrices, responses), :mod:`~numerics.network_reduction` (spectral
  clustering, reduced networks), :mod:`~numerics.power_grids` (bundled Kron-reduced
  pandapower grids, synthetic grids, multi-area joins);
* safe reinforcement learning: :mod:`~numerics.mdp` (finite systems, Bellman-type
  operators, learners), :mod:`~numerics.bandits`, :mod:`~numerics.navigation`,
  :mod:`~numerics.pendulum`;
* :mod:`~numerics.diffusion` (DDPM, Gaussian mixtures, attention denoiser),
  :mod:`~numerics.digit_diffusion` (a patch-transformer DDPM on the bundled digits, the
  Fréchet distance in a classifier's features),
  :mod:`~numerics.sparse_coding` (elastic-net concept decomposition),
  :mod:`~numerics.geometry` (cameras, point clouds, rendering).

Every simulator takes an explicit seed, returns arrays or a :class:`Trajectory`, and
validates its input. This package imports nothing from :mod:`theorems` but its leaf
validation module :mod:`theorems.validate`; optional dependencies (torch, pandapower,
gensim, dask) are imported only where used, through :func:`numerics._optional.require`.
"""
