"""``python -m gilbench``: the same as the ``gilbench`` command."""

from gilbench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
