"""The three hooks a plugin can implement (pluggy project ``"aqabench"``).

A plugin is a module or package named by an entry point in the ``aqabench`` group, e.g.::

    [project.entry-points.aqabench]
    my_method = "my_package.plugin"

and implements any of the hooks below, decorated with :data:`aqabench.hookimpl`. Each hook is
given a ``register`` callable; call it once per spec. The harness validates every spec, rejects
duplicate names (naming both distributions) and remembers which plugin registered what.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from .specs import BackboneSpec, DatasetSpec, MethodSpec

hookspec = pluggy.HookspecMarker("aqabench")
hookimpl = pluggy.HookimplMarker("aqabench")


@hookspec
def aqabench_register_datasets(register: Callable[[DatasetSpec], None]) -> None:
    """Register datasets: call ``register(DatasetSpec(...))`` once per dataset.

    :param register: validates the spec and adds it to the registry; raises
        :class:`aqabench.errors.PluginError` when the name is already taken.

    A dataset's ``loader(request: DataRequest) -> DataBundle`` reads its real released layout
    (or generates a synthetic twin) and returns the official train/test split in memory.
    """


@hookspec
def aqabench_register_backbones(register: Callable[[BackboneSpec], None]) -> None:
    """Register clip-feature backbones: call ``register(BackboneSpec(...))`` once per backbone.

    :param register: validates the spec and adds it to the registry; raises
        :class:`aqabench.errors.PluginError` when the name is already taken.

    A backbone's ``factory(device) -> Backbone`` must load weights from a local file or an
    installed package — never from a hub at run time.
    """


@hookspec
def aqabench_register_methods(register: Callable[[MethodSpec], None]) -> None:
    """Register AQA methods: call ``register(MethodSpec(...))`` once per method.

    :param register: validates the spec and adds it to the registry; raises
        :class:`aqabench.errors.PluginError` when the name is already taken.

    A method's ``build(config, info) -> AQAModel`` returns its network (with its ``loss``);
    ``defaults(dataset, subset) -> dict`` returns the paper's hyper-parameters. A method never
    touches seeds, devices, optimisers, epochs or metrics: the harness owns them.
    """
