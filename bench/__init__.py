"""Benchmarks of scatkit (run as modules: ``python -m bench.cpu``, ``python -m bench.headtohead``).

One module per job: ``workloads`` (what is measured), ``peers`` (the libraries), ``worker`` (one
library per process, over a pipe), ``stats`` (interleaved rounds, paired ratios), ``machine``
(what ran it), ``store`` (results JSON), ``report`` and ``templates/`` (the reports), ``readme``
(the documents' figures from the JSON). The package scatkit never imports this; the tests under
tests/python (``test_bench_*.py``) do.
"""
