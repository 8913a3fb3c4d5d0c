"""Subcommands of the ``onstream`` console script: one module per command, each defining
``COMMAND = Command(...)``. :func:`onstream.cli.main` discovers them, so a domain adds a command by
adding a file here."""
