"""The benchmark's ratio statistics (bench/stats.py), on synthetic samples."""

import math

from bench.stats import Samples, paired_ratio


def test_paired_ratio_follows_drift_between_rounds():
    # The machine slows down 10x for one round of each task, at different rounds: the ratio of
    # the medians (1 / 5) is wrong, the per-round pairs say 2.
    a = Samples(wall=[1.0, 1.0, 10.0], cpu=[1.0, 1.0, 10.0])
    b = Samples(wall=[0.5, 5.0, 5.0], cpu=[0.5, 5.0, 5.0])
    assert a.median / b.median == 0.2
    assert paired_ratio(a, b) == 2.0


def test_paired_ratio_pairs_only_common_rounds_and_handles_empty():
    a = Samples(wall=[3.0, 3.0, 3.0, 99.0], cpu=[])
    b = Samples(wall=[1.0, 1.0, 1.0], cpu=[])
    assert paired_ratio(a, b) == 3.0
    assert math.isnan(paired_ratio(Samples(), b))
