"""`python -m tutor` runs the CLI."""

from tutor.cli import main

main()
