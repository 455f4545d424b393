"""The ``scatkit`` command line: info, demo, extract, train, evaluate and analyze.

Every failure a user can cause (missing file, unreadable image, unknown dataset or
model, bad option) ends as one line ``scatkit <command>: error: ...`` on stderr and a
non-zero exit code, never a traceback; so does an unexpected error (a bug), with a hint
to rerun with ``--debug``. ``--debug`` (before or after the command name) or the
environment variable ``SCATKIT_DEBUG=1`` prints the full traceback first. Heavy
modules (torch, scikit-learn, OpenCV) are imported only by the commands that need them.

Each command is one module (``info``, ``demo``, ``extract``, ``train``, ``evaluate``, ...)
with an ``add_parser`` that registers its options and a ``cmd_<name>`` that parses them,
calls the library (:mod:`scatkit.extract`, :mod:`scatkit.training`...) and prints.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from .. import __version__
from .._sources import IMAGE_EXTENSIONS
from ..extract import PARTS_FORMAT
from . import analyze, demo, evaluate, extract, info, train
from ._common import CLIError, eprint, one_line
from .demo import cmd_demo
from .evaluate import cmd_evaluate
from .extract import cmd_extract
from .info import cmd_info
from .train import cmd_train

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130

_DEBUG_HELP = "on an error, print the full traceback (also: SCATKIT_DEBUG=1)"

#: What to do after Ctrl-C, per command.
_INTERRUPT_HINTS = {
    "extract": "; rerun the same command to resume",
    "train": "; add --resume to continue from the last finished epoch",
}


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``scatkit`` command."""
    parser = argparse.ArgumentParser(
        prog="scatkit",
        description="Fast, exact 2D wavelet scattering: features, baselines and hybrid nets.",
    )
    parser.add_argument("--version", action="version", version=f"scatkit {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (info, demo, extract, train, evaluate, analyze):
        command.add_parser(sub)
    for command_parser in sub.choices.values():
        # SUPPRESS: a subcommand's default must not overwrite a --debug given before its name.
        command_parser.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP
        )
    return parser


def debug_requested(args: argparse.Namespace | None = None) -> bool:
    """True when ``--debug`` was given or ``SCATKIT_DEBUG`` is set to a true value."""
    env = os.environ.get("SCATKIT_DEBUG", "").strip().lower()
    return bool(getattr(args, "debug", False)) or env not in ("", "0", "false", "no", "off")


def main(argv: list[str] | None = None) -> int:
    """Run the ``scatkit`` command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    prog = f"scatkit {args.command}"
    debug = debug_requested(args)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader went away (e.g. `scatkit info | head`): stop quietly, and point stdout
        # at devnull so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        eprint(f"{prog}: interrupted{_INTERRUPT_HINTS.get(args.command, '')}")
        return EXIT_INTERRUPTED
    except (
        CLIError,
        ValueError,
        TypeError,
        OSError,
        ImportError,
        RuntimeError,
        FloatingPointError,
    ) as exc:
        if debug:
            traceback.print_exc()
        message = str(exc) or type(exc).__name__
        if isinstance(exc, FileNotFoundError) and exc.filename and str(exc.filename) not in message:
            message = f"{exc.filename}: {message}"
        eprint(f"{prog}: error: {one_line(message)}")
        return EXIT_ERROR
    except Exception as exc:  # a bug: still one line, with the way to see more
        if debug:
            traceback.print_exc()
        what = (
            "please report it with the traceback above"
            if debug
            else "run with --debug for the traceback and report it"
        )
        detail = f": {one_line(str(exc))}" if str(exc).strip() else ""
        eprint(
            f"{prog}: error: unexpected {type(exc).__name__}{detail} "
            f"(likely a bug in scatkit: {what})"
        )
        return EXIT_ERROR


__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "IMAGE_EXTENSIONS",
    "PARTS_FORMAT",
    "CLIError",
    "build_parser",
    "cmd_demo",
    "cmd_evaluate",
    "cmd_extract",
    "cmd_info",
    "cmd_train",
    "debug_requested",
    "main",
]
