"""``aqabench plugins`` checks: does every lazy ``"module:attr"`` factory of a healthy plugin
resolve? Each string is imported and looked up — nothing is called or built — so a typo shows
in the listing as an error instead of a traceback when the name is first selected."""

from __future__ import annotations

from .errors import PluginError
from .plugins import Registry
from .specs import resolve_factory

#: The factory fields of each kind of spec.
FACTORY_FIELDS = {
    "dataset": ("loader", "info", "check", "export"),
    "backbone": ("factory",),
    "method": ("build", "defaults"),
}


def factory_problems(registry: Registry) -> dict[str, list[str]]:
    """Plugin name -> one line per factory of its specs that does not resolve."""
    problems: dict[str, list[str]] = {}
    for kind, fields in FACTORY_FIELDS.items():
        catalog = registry.catalog(kind)
        for name in catalog.names():
            spec = catalog.specs[name]
            for field_name in fields:
                factory = getattr(spec, field_name)
                if factory is None:
                    continue
                try:
                    resolve_factory(factory)
                except PluginError as exc:
                    problems.setdefault(catalog.owner[name].name, []).append(
                        f"{kind} {name!r} {field_name}: {exc}")
    return problems
