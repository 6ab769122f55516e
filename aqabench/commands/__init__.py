"""CLI subcommands: each module has ``add_parser(subparsers)`` and a ``main(args)``."""
