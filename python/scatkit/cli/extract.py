"""``scatkit extract``: scattering features of a folder or dataset, resumably.

An ``.npz`` output is :func:`scatkit.extract.extract`'s (small jobs); a ``.zarr`` output is a
feature store written chunk by chunk by :func:`scatkit.distributed.extract`, in this process
or on Dask (``--dask``, ``--scheduler-file``). This module maps the options onto them and
prints their notices and summary.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..reference_invariance import INVARIANCES
from ._common import CLIError, eprint
from ._options import (
    add_max_pixels_option,
    add_progress_option,
    parse_size,
    parse_threads,
    progress_choice,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``extract`` command and its options."""
    p = sub.add_parser(
        "extract", help="scattering features of a folder or dataset into .npz or .zarr"
    )
    p.add_argument("path", help="folder of images (class sub-folders give labels) or dataset name")
    p.add_argument("-o", "--output", required=True, help="output .npz file or .zarr store")
    p.add_argument("--J", type=int, default=2, help="number of scales (default 2)")
    p.add_argument("--L", type=int, default=8, help="number of angles (default 8)")
    p.add_argument("--order", type=int, default=2, choices=(1, 2), help="max order (default 2)")
    p.add_argument(
        "--invariance",
        choices=INVARIANCES,
        default="translation",
        help="what the features are invariant to (docs/transform.md, section 7; default "
        "translation)",
    )
    p.add_argument(
        "--angular-scales",
        type=int,
        default=0,
        metavar="K",
        help="angular wavelets of the roto-translation variants (default 0: the variant's own)",
    )
    p.add_argument(
        "--size",
        type=int,
        nargs="+",
        metavar="N",
        help="resize images to H [W] (default: the first image's size)",
    )
    p.add_argument(
        "--resize",
        choices=("crop", "stretch"),
        default="crop",
        help="how --size resizes: keep aspect and crop (default) or stretch",
    )
    p.add_argument(
        "--color", action="store_true", help="scatter R, G, B separately (default: grayscale)"
    )
    p.add_argument("--backend", default="auto", help="scattering backend (default auto)")
    p.add_argument("--threads", default=None, help="engine threads (default: all cores)")
    p.add_argument(
        "--batch-size",
        type=int,
        default=128,
        help="images per chunk; finished chunks survive interruptions (default 128)",
    )
    p.add_argument("--root", help="data folder for cifar10/stl10")
    p.add_argument("--restart", action="store_true", help="discard a previous partial run")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--keep-parts", action="store_true", help="keep the chunk folder afterwards")
    add_progress_option(p)
    add_max_pixels_option(p)
    z = p.add_argument_group(".zarr output")
    z.add_argument(
        "--dtype",
        choices=("float32", "float16"),
        default="float32",
        help="stored feature precision (float16 halves the store)",
    )
    z.add_argument(
        "--dask",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run on Dask: a LocalCluster sized to this machine, or the scheduler at ADDRESS",
    )
    z.add_argument("--scheduler-file", help="run on the Dask scheduler described by this file")
    p.set_defaults(func=cmd_extract)


def _common(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments both outputs take, from the options."""
    return {
        "J": args.J,
        "L": args.L,
        "max_order": args.order,
        "invariance": args.invariance,
        "angular_scales": args.angular_scales,
        "size": parse_size(args.size),
        "resize": args.resize,
        "color": args.color,
        "backend": args.backend,
        "threads": None if args.threads is None else parse_threads(args.threads),
        "batch_size": args.batch_size,
        "root": args.root,
        "restart": args.restart,
        "progress": progress_choice(args),
        "log": lambda message: eprint(f"scatkit extract: {message}"),
        "max_pixels": args.max_pixels,
    }


def cmd_extract(args: argparse.Namespace) -> int:
    """Scattering features of a folder of images or a named dataset, resumably."""
    from ..extract import extract

    if args.output.rstrip("/").endswith(".zarr"):
        return _extract_store(args)
    if args.dask or args.scheduler_file or args.dtype != "float32":
        raise CLIError("--dask, --scheduler-file and --dtype need a .zarr output (-o OUT.zarr).")
    result = extract(
        args.path,
        args.output,
        overwrite=args.overwrite,
        keep_parts=args.keep_parts,
        **_common(args),
    )
    skipped = result.skipped
    rate = f", {result.images_per_second:.0f} images/s" if result.compute_seconds > 0 else ""
    print(
        f"wrote {result.output}: features {result.features_shape} (float32) from "
        f"{result.n_images} images{rate}; {len(skipped)} skipped"
    )
    _report_skipped(skipped)
    return 0


def _report_skipped(skipped: list[tuple[str, str]]) -> None:
    if skipped:
        eprint(
            f"scatkit extract: {len(skipped)} image(s) skipped: "
            + "; ".join(f"{s} ({r})" for s, r in skipped[:5])
            + (" ..." if len(skipped) > 5 else "")
        )


def _extract_store(args: argparse.Namespace) -> int:
    from ..distributed import extract

    if args.dask and args.scheduler_file:
        raise CLIError("pass either --dask or --scheduler-file, not both.")
    if args.overwrite:
        raise CLIError("a .zarr store resumes instead; pass --restart to start it over.")
    result = extract(
        args.path,
        args.output,
        args.dask or args.scheduler_file,
        dtype=args.dtype,
        **_common(args),
    )
    rate = f", {result.images_per_second:.0f} images/s" if result.computed_chunks else ""
    print(
        f"wrote {result.output}: features {result.features_shape} ({result.dtype}) from "
        f"{result.n_images} images{rate}; {len(result.skipped)} skipped; "
        f"{result.computed_chunks} chunk(s) computed by this run"
    )
    _report_skipped(result.skipped)
    return 0
