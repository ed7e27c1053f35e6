"""`python -m anonymat`: the same CLI as the `anonymat` command."""

from anonymat.cli import main

main()
