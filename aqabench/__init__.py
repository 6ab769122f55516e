"""aqabench — a plugin-based benchmark suite for Action Quality Assessment.

The harness owns seeding, sampling, the training loop, metrics, timing and result records;
plugins (datasets, backbones, methods) own only what is unique to them. See docs/plugins.md.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("aqabench")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

try:
    from .hookspecs import hookimpl  # noqa: E402  (plugins write ``@aqabench.hookimpl``)
except KeyboardInterrupt:  # Ctrl-C while torch loads: the CLI cannot catch it yet
    from .interrupts import exit_if_cli_start

    exit_if_cli_start()
    raise

__all__ += ["hookimpl"]
