"""The command line: the Typer app, shared options and one thin module per command."""
