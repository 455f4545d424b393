"""``python -m scatkit``: the same as the ``scatkit`` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
