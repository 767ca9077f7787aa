"""numerics: HOW claims are simulated.

Simulators grouped by model family and shared by papers: :mod:`numerics.flow`
(gradient-flow integration and gradient descent), :mod:`numerics.fit` (rates and
exponents with confidence intervals), :mod:`numerics.sweep` (parameter grids on local
processes or a Dask cluster), :mod:`numerics.factorization` (symmetric matrix
factorisation), :mod:`numerics.linear_networks` (two-layer linear networks).

Every simulator takes an explicit seed, returns arrays or a :class:`Trajectory`, and
validates its input. This package never imports :mod:`theorems` except its leaf
validation module :mod:`theorems.validate`.
"""
