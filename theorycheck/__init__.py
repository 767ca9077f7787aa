"""theorycheck: the application layer.

The ``theorycheck`` command (``run``, ``report``, ``list``, ``show``, ``docs``) and the
static HTML report renderer. It depends on :mod:`theorems` (the registry) and reads the
evidence that ``checks/`` writes; nothing else depends on it.
"""
__version__ = "0.1.0"
