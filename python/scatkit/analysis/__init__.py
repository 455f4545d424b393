"""Layer-by-layer analysis of networks and scatterings ("Organising Deep Networks").

- :func:`collect`: representations of a data set at chosen layers of any ``nn.Module``
  (forward hooks, bounded memory); :func:`scattering_layers`: orders 0, 1, 2 of a scattering.
- :func:`layer_metrics`: per layer, 1-NN / k-NN / linear-probe accuracy, Oyallon's boundary
  points, contraction, separation and TwoNN intrinsic dimension, as a DataFrame.
- :func:`organisation`: how smoothly activations vary along a layer's channel order.
- :func:`plot_depth`, :func:`plot_boundary_curves`, :func:`plot_pca`: figures.

Needs NumPy, scikit-learn and pandas (``pip install scatkit[analysis]``); matplotlib for the
figures and PyTorch for :func:`collect`, both imported only when used.
"""

from __future__ import annotations

from .boundary import boundary_curve, knn_correct
from .collect import Representations, collect, default_layers, scattering_layers
from .geometry import contraction, layer_scale, separation
from .intrinsic import twonn
from .metrics import jsonable, layer_metrics, linear_probe
from .neighbours import NeighbourSearch, search_recall
from .organisation import auto_channel_axes, channel_smoothness, organisation
from .plots import plot_boundary_curves, plot_depth, plot_pca
from .projection import RandomProjection, jl_epsilon, pairwise_distortion, project

__all__ = [
    "collect",
    "scattering_layers",
    "default_layers",
    "Representations",
    "layer_metrics",
    "boundary_curve",
    "knn_correct",
    "contraction",
    "separation",
    "linear_probe",
    "jsonable",
    "layer_scale",
    "twonn",
    "NeighbourSearch",
    "search_recall",
    "organisation",
    "channel_smoothness",
    "auto_channel_axes",
    "plot_depth",
    "plot_boundary_curves",
    "plot_pca",
    "project",
    "RandomProjection",
    "jl_epsilon",
    "pairwise_distortion",
]
