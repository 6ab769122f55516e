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

from .hookspecs import hookimpl  # noqa: E402  (plugins write ``@aqabench.hookimpl``)

__all__ += ["hookimpl"]
