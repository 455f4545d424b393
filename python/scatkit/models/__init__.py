"""Trainable hybrid networks (fixed scattering front + CNN head) and matching baselines.

Models by name (see :func:`build_model`):

=============  ==============================================================  ============
name           model                                                           inputs
=============  ==============================================================  ============
scat-cnn       :class:`ScatCNN`: scattering J=2 + small CNN head               28-64 px
cnn            :func:`matched_cnn`: end-to-end CNN of the same size            28-64 px
scat-wrn       :class:`ScatWRN`: scattering J=2 + WRN-16-8 body                32x32 RGB
wrn            :class:`WideResNet`: end-to-end WRN-16-8                        32x32 RGB
scat-resnet    :class:`ScatResNet`: scattering J=3 + ResNet-10                 224x224
resnet         :class:`ResNet`: end-to-end ResNet-18                           224x224
mhcnn          :class:`MHCNN`: hierarchical CNN, channels on ordered axes      28-64 px
=============  ==============================================================  ============

Hybrids are :class:`HybridNet` instances: ``model.front`` (no parameters) and
``model.head`` (the trainable part, which accepts precomputed features).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from .baselines import CNN, ResNet, WideResNet, count_parameters, matched_cnn
from .hybrid import (
    ConvHead,
    HybridNet,
    ResNetHead,
    ScatCNN,
    ScatResNet,
    ScatteringFront,
    ScatWRN,
    WRNHead,
    check_input_shape,
)
from .mhcnn import MHCNN

#: Model names accepted by :func:`build_model`, with a one-line description.
MODELS: dict[str, str] = {
    "scat-cnn": "scattering (J=2) + small CNN head",
    "cnn": "end-to-end CNN with as many parameters as scat-cnn",
    "scat-wrn": "scattering (J=2) + Wide ResNet 16-k body (Oyallon et al.)",
    "wrn": "end-to-end Wide ResNet 16-k",
    "scat-resnet": "scattering (J=3) + ResNet-10 (for 224x224 images)",
    "resnet": "end-to-end ResNet-18",
    "mhcnn": "multiscale hierarchical CNN: channels on ordered axes (Jacobsen et al.)",
}

_BUILDERS = {
    "scat-cnn": ScatCNN,
    "cnn": matched_cnn,
    "scat-wrn": ScatWRN,
    "wrn": WideResNet,
    "scat-resnet": ScatResNet,
    "resnet": ResNet,
    "mhcnn": MHCNN,
}


def build_model(name: str, input_shape: Any, num_classes: int, **kwargs: Any) -> nn.Module:
    """Build a model by name (see :data:`MODELS`) for images of ``input_shape``.

    Parameters
    ----------
    name : str
        One of :data:`MODELS`.
    input_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)`` of one image.
    num_classes : int
        Number of classes.
    **kwargs
        Passed to the model's constructor (for example ``J``, ``width``, ``k``).

    Returns
    -------
    torch.nn.Module
        The model, with a ``spec`` attribute (a dict) from which :func:`model_from_spec`
        rebuilds it, e.g. when a checkpoint is loaded.
    """
    if name not in _BUILDERS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}.")
    shape = check_input_shape(input_shape)
    try:
        model = _BUILDERS[name](shape, num_classes, **kwargs)
    except TypeError as exc:
        raise TypeError(f"bad option for model {name!r}: {exc}") from None
    model.spec = {
        "name": name,
        "input_shape": list(shape),
        "num_classes": int(num_classes),
        "kwargs": dict(kwargs),
    }
    return model


def model_from_spec(spec: dict[str, Any]) -> nn.Module:
    """Rebuild a model from the ``spec`` dict that :func:`build_model` attached to it."""
    try:
        return build_model(
            spec["name"], spec["input_shape"], spec["num_classes"], **spec.get("kwargs", {})
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a valid model spec ({exc}): {spec!r}") from None


def is_hybrid(model: nn.Module) -> bool:
    """True when ``model`` is a :class:`HybridNet` (a fixed front and a trainable head)."""
    return isinstance(model, HybridNet)


__all__ = [
    "MODELS",
    "build_model",
    "model_from_spec",
    "is_hybrid",
    "count_parameters",
    "HybridNet",
    "ScatteringFront",
    "ScatCNN",
    "ScatWRN",
    "ScatResNet",
    "ConvHead",
    "WRNHead",
    "ResNetHead",
    "CNN",
    "matched_cnn",
    "WideResNet",
    "ResNet",
    "MHCNN",
]
