"""`python -m anonymat`: the same as the `anonymat` command."""

from anonymat.cli import app

app(prog_name="anonymat")
