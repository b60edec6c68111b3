"""``python -m jointzone``: the same command as ``jointzone``."""

from jointzone.cli import main

main()
