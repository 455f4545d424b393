"""``scatkit info``: version, build options, backends, devices and defaults."""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np

from .. import __version__
from ._common import one_line


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``info`` command."""
    p = sub.add_parser("info", help="version, build options, backends and devices")
    p.set_defaults(func=cmd_info)


def cmd_info(args: argparse.Namespace) -> int:
    """Print version, build options, backends, devices and defaults."""
    from ..backends import backends

    print(f"scatkit {__version__}")
    try:
        from .. import _core

        print(f"build: {_core.build_info()}")
    except ImportError as exc:
        print(f"build: native extension not importable ({one_line(str(exc))})")
    print(
        f"python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPU cores"
    )
    print("backends:")
    for b in backends():
        state = "available" if b.available else f"unavailable: {b.reason}"
        print(f"  {b.name:<10} {b.device:<5} {state}  ({b.description})")
    try:
        import torch
    except ImportError:
        print("torch: not installed (pip install scatkit[torch] for scatkit.torch and models)")
    else:
        cuda = torch.cuda.is_available()
        print(f"torch {torch.__version__}, CUDA {'available' if cuda else 'not available'}")
        if cuda:
            for i in range(torch.cuda.device_count()):
                print(f"  cuda:{i} {torch.cuda.get_device_name(i)}")
    try:
        import sklearn
    except ImportError:
        print("scikit-learn: not installed (pip install scatkit[sklearn])")
    else:
        print(f"scikit-learn {sklearn.__version__}")
    from ..datasets import available
    from ..training import auto_threads, default_cache_dir

    cache = default_cache_dir()
    entries = sorted(cache.glob("*.npy")) if cache.is_dir() else []
    size = sum(p.stat().st_size for p in entries) / 2**20
    print(f"feature cache: {cache} ({len(entries)} entries, {size:.1f} MiB)")
    print(f"training threads now (auto): {auto_threads()}")
    print(f"datasets: {', '.join(available())}")
    try:
        from ..models import MODELS
    except ImportError:
        pass
    else:
        print(f"models: {', '.join(MODELS)}")
    return 0
