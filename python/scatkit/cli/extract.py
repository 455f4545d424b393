"""``scatkit extract``: scattering features of a folder or dataset into an .npz, resumably.

The work is :func:`scatkit.extract.extract`; this module maps the options onto it and
prints its notices and summary.
"""

from __future__ import annotations

import argparse

from ._common import eprint
from ._options import parse_size, parse_threads


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``extract`` command and its options."""
    p = sub.add_parser("extract", help="scattering features of a folder or dataset into .npz")
    p.add_argument("path", help="folder of images (class sub-folders give labels) or dataset name")
    p.add_argument("-o", "--output", required=True, help="output .npz file")
    p.add_argument("--J", type=int, default=2, help="number of scales (default 2)")
    p.add_argument("--L", type=int, default=8, help="number of angles (default 8)")
    p.add_argument("--order", type=int, default=2, choices=(1, 2), help="max order (default 2)")
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
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_extract)


def cmd_extract(args: argparse.Namespace) -> int:
    """Scattering features of a folder of images or a named dataset, resumably, into an npz."""
    from ..extract import extract

    size = parse_size(args.size)
    threads = None if args.threads is None else parse_threads(args.threads)
    result = extract(
        args.path,
        args.output,
        args.J,
        args.L,
        args.order,
        size=size,
        resize=args.resize,
        color=args.color,
        backend=args.backend,
        threads=threads,
        batch_size=args.batch_size,
        root=args.root,
        restart=args.restart,
        overwrite=args.overwrite,
        keep_parts=args.keep_parts,
        progress=not args.no_progress,
        log=lambda message: eprint(f"scatkit extract: {message}"),
    )
    skipped = result.skipped
    rate = f", {result.images_per_second:.0f} images/s" if result.compute_seconds > 0 else ""
    print(
        f"wrote {result.output}: features {result.features_shape} (float32) from "
        f"{result.n_images} images{rate}; {len(skipped)} skipped"
    )
    if skipped:
        eprint(
            f"scatkit extract: {len(skipped)} image(s) skipped: "
            + "; ".join(f"{s} ({r})" for s, r in skipped[:5])
            + (" ..." if len(skipped) > 5 else "")
        )
    return 0
