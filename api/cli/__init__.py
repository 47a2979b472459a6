"""The `motcua` command line: `root` holds the group and the commands of its own, one module per
command group (`users`, `units`, `tasks`, `audit`, `calendar`, `timers`, `documents`,
`definitions`), and `session` what they share. Modules import `session`, `root` imports the
groups: no module imports one that imports it back."""

from api.cli.root import main

__all__ = ["main"]
