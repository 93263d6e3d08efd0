"""``python -m erlen``: the same as the ``erlen`` command."""

from .cli import main

if __name__ == "__main__":
    main()
