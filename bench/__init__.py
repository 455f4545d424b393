"""Benchmarks of scatkit (run as modules: ``python -m bench.cpu``, ``python -m bench.headtohead``).

Nothing here is imported by the package or collected by the unit tests.
"""
