"""Plugin discovery and the registry of datasets, backbones and methods.

Every plugin — first-party ones included — is an entry point in the ``aqabench`` group. Each
entry point is loaded and registered on its own: one that fails to import, or raises in a hook,
is recorded (name, distribution, version, traceback) and warned about once; every other plugin
keeps working (a plugin raising ``SystemExit`` or ``KeyboardInterrupt`` itself included; a
real Ctrl-C, seen by :mod:`aqabench.interrupts`, still stops), and selecting anything from
the broken one prints its error. With strict mode
(``--strict-plugins`` or ``AQABENCH_STRICT_PLUGINS=1``) any failure is fatal.

Names are claimed deterministically: the first-party plugins (the entry points of the
``aqabench`` distribution itself) load first, and their names cannot be taken — a third-party
plugin registering one fails, the built-in stays. Two third-party plugins claiming the same
name both fail, whatever their load order. ``--disable-plugin NAME`` (repeatable) or
``AQABENCH_DISABLE_PLUGINS=a,b`` skips plugins by entry-point or distribution name.
"""

from __future__ import annotations

import difflib
import os
import traceback
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any, Generic, TypeVar

import pluggy

from . import hookspecs
from .errors import PluginError, UsageError
from .interrupts import interrupted_by_user, sigint_witness
from .specs import BackboneSpec, DatasetSpec, MethodSpec

ENTRY_POINT_GROUP = "aqabench"
STRICT_ENV = "AQABENCH_STRICT_PLUGINS"
DISABLE_ENV = "AQABENCH_DISABLE_PLUGINS"
#: The distribution whose entry points are the first-party plugins.
FIRST_PARTY = "aqabench"
KINDS: dict[str, Any] = {"dataset": DatasetSpec, "backbone": BackboneSpec, "method": MethodSpec}
HOOKS = {
    "dataset": "aqabench_register_datasets",
    "backbone": "aqabench_register_backbones",
    "method": "aqabench_register_methods",
}


class PluginWarning(UserWarning):
    """A plugin failed to load or register; the others keep working."""


@dataclass
class PluginRecord:
    """One entry point and what became of it."""

    name: str
    module: str
    distribution: str = "-"
    version: str = "-"
    status: str = "ok"  # "ok", "failed" or "disabled"
    error: str = ""  # one line
    traceback: str = ""
    provides: dict[str, list[str]] = field(default_factory=dict)  # kind -> names

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def first_party(self) -> bool:
        return self.distribution == FIRST_PARTY

    def describe(self) -> str:
        """``'name' (distribution version)``, for messages."""
        return f"{self.name!r} ({self.distribution} {self.version})"

    def provenance(self) -> dict[str, str]:
        return {"plugin": self.name, "distribution": self.distribution, "version": self.version}


S = TypeVar("S")


class Catalog(Generic[S]):
    """Specs of one kind, by name, with the plugin that registered each."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.specs: dict[str, S] = {}
        self.owner: dict[str, PluginRecord] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.specs

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.specs))

    def names(self) -> list[str]:
        return sorted(self.specs)


class Registry:
    """All registered specs plus the record of every plugin, healthy or not."""

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.plugins: list[PluginRecord] = []
        #: (kind, name) -> why no third-party plugin may take it: claimed by two third-party
        #: plugins, or registered by a first-party plugin that then failed.
        self.reserved: dict[tuple[str, str], str] = {}
        self.disabled: frozenset[str] = frozenset()  # names load_registry skipped
        self.datasets: Catalog[DatasetSpec] = Catalog("dataset")
        self.backbones: Catalog[BackboneSpec] = Catalog("backbone")
        self.methods: Catalog[MethodSpec] = Catalog("method")

    def catalog(self, kind: str) -> Catalog[Any]:
        catalogs: dict[str, Catalog[Any]] = {
            "dataset": self.datasets, "backbone": self.backbones, "method": self.methods}
        return catalogs[kind]

    # ------------------------------------------------------------------------------ loading
    def add_disabled(self, name: str, distribution: str = "-", version: str = "-"
                     ) -> PluginRecord:
        """List a plugin that ``--disable-plugin`` skipped (it is not imported)."""
        record = PluginRecord(name=name, module=name, distribution=distribution,
                              version=version, status="disabled", error="disabled")
        self.plugins.append(record)
        return record

    def add_plugin(self, name: str, load: Callable[[], ModuleType | object],
                   distribution: str = "-", version: str = "-") -> PluginRecord:
        """Load one plugin object and run its hooks, isolating any failure."""
        record = PluginRecord(name=name, module=name, distribution=distribution, version=version)
        self.plugins.append(record)
        try:
            plugin = load()
            record.module = getattr(plugin, "__name__", type(plugin).__name__)
            manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
            manager.add_hookspecs(hookspecs)
            manager.register(plugin, name=name)
            for kind, hook_name in HOOKS.items():
                for impl in getattr(manager.hook, hook_name).get_hookimpls():
                    impl.function(register=self._register_for(kind, record))
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - isolation is the point
            self._fail(record, exc)
        except KeyboardInterrupt as exc:  # the user's Ctrl-C stops; a plugin's own raise fails
            if interrupted_by_user():
                raise
            self._fail(record, exc)
        return record

    def _register_for(self, kind: str, record: PluginRecord) -> Callable[[Any], None]:
        catalog = self.catalog(kind)
        expected: Any = KINDS[kind]

        def register(spec: Any) -> None:
            if not isinstance(spec, expected):
                raise PluginError(
                    f"plugin {record.name!r} registered a {type(spec).__name__} as a {kind}; "
                    f"expected {expected.__name__}"
                )
            if not spec.name or spec.name != spec.name.strip():
                raise PluginError(f"plugin {record.name!r} registered a {kind} with a bad name")
            self._claim(kind, spec.name, record)
            catalog.specs[spec.name] = spec
            catalog.owner[spec.name] = record
            record.provides.setdefault(kind, []).append(spec.name)

        return register

    def _claim(self, kind: str, name: str, record: PluginRecord) -> None:
        """Raise unless ``record`` may take ``name``: a first-party name is never taken, two
        third parties claiming one name both lose it (order-independent)."""
        catalog = self.catalog(kind)
        if (kind, name) in self.reserved and not record.first_party:
            raise PluginError(f"plugin {record.describe()} cannot register {kind} {name!r}: "
                              f"the name is {self.reserved[kind, name]}")
        if name not in catalog:
            return
        other = catalog.owner[name]
        if record.first_party and not other.first_party:  # direct add_plugin in another order
            self._fail(other, PluginError(f"plugin {other.describe()} cannot register {kind} "
                                          f"{name!r}: the name is a built-in {kind} of "
                                          f"{record.describe()}"), from_exception=False)
            return
        if not other.first_party and not record.first_party:
            self.reserved[kind, name] = "claimed by several third-party plugins"
            self._fail(other, PluginError(f"duplicate {kind} name {name!r}: plugins "
                                          f"{other.describe()} and {record.describe()} both "
                                          "claim it"), from_exception=False)
            raise PluginError(f"duplicate {kind} name {name!r}: plugins {other.describe()} and "
                              f"{record.describe()} both claim it")
        raise PluginError(f"plugin {record.describe()} cannot register {kind} {name!r}: the "
                          f"name is a built-in {kind} of {other.describe()}")

    def _fail(self, record: PluginRecord, exc: BaseException,
              from_exception: bool = True) -> None:
        record.status = "failed"
        record.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        record.traceback = traceback.format_exc() if from_exception else record.error
        for kind, names in record.provides.items():  # drop what it half-registered
            catalog = self.catalog(kind)
            for spec_name in names:
                if record.first_party:  # a broken built-in's names stay built-in
                    self.reserved[kind, spec_name] = f"a built-in {kind} of {record.describe()}"
                catalog.specs.pop(spec_name, None)
                catalog.owner.pop(spec_name, None)
        message = f"aqabench plugin {record.name!r} ({record.distribution}) failed: {record.error}"
        if self.strict:
            raise PluginError(message) from exc
        warnings.warn(message, PluginWarning, stacklevel=2)

    # ------------------------------------------------------------------------------ lookup
    def failed(self) -> list[PluginRecord]:
        return [p for p in self.plugins if p.status == "failed"]

    def get(self, kind: str, name: str) -> Any:
        """The spec called ``name``; otherwise a :class:`UsageError` with "did you mean"."""
        catalog = self.catalog(kind)
        if name in catalog:
            return catalog.specs[name]
        for record in self.failed():
            if name in (record.name, record.module) or name in record.provides.get(kind, []):
                raise PluginError(
                    f"{kind} {name!r} comes from plugin {record.name!r} ({record.distribution}), "
                    f"which failed to load: {record.error}"
                )
        message = f"unknown {kind} {name!r}"
        close = difflib.get_close_matches(name, catalog.names(), n=3, cutoff=0.5)
        if close:
            message += "; did you mean " + " or ".join(repr(c) for c in close) + "?"
        else:
            message += f"; known: {', '.join(catalog.names()) or 'none'}"
        if self.failed():
            broken = ", ".join(p.name for p in self.failed())
            message += f" (plugins that failed to load: {broken}; see 'aqabench plugins')"
        off = [p.name for p in self.plugins if p.status == "disabled"]
        if off:
            message += f" (disabled plugins: {', '.join(off)})"
        raise UsageError(message)

    def dataset(self, name: str) -> DatasetSpec:
        return self.get("dataset", name)  # type: ignore[no-any-return]

    def method(self, name: str) -> MethodSpec:
        return self.get("method", name)  # type: ignore[no-any-return]

    def backbone(self, name: str) -> BackboneSpec:
        return self.get("backbone", name)  # type: ignore[no-any-return]

    def provenance(self, method: str, dataset: str, backbone: str) -> dict[str, dict[str, Any]]:
        """For records: the name of the run's method, dataset and backbone and the plugin,
        distribution and version that registered each. Features of a backbone no plugin
        registers (a dataset's precomputed ``"vst"``, a twin's ``"synthetic"``) come with the
        dataset: its provider is named, with ``"via": "dataset"``."""
        out: dict[str, dict[str, Any]] = {}
        for kind, name in (("method", method), ("dataset", dataset), ("backbone", backbone)):
            owner = self.catalog(kind).owner.get(name)
            out[kind] = {"name": name, **(owner.provenance() if owner is not None else {})}
        if "plugin" not in out["backbone"]:
            out["backbone"].update({k: v for k, v in out["dataset"].items() if k != "name"},
                                   via="dataset")
        return out


def strict_from_env() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _distribution(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "-", "-"
    return dist.metadata["Name"] or "-", dist.version or "-"


def disabled_from_env() -> set[str]:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


def load_order(eps: Iterable[EntryPoint]) -> list[tuple[EntryPoint, str, str]]:
    """(entry point, distribution, version): first-party plugins first, then by name; the
    same entry point found twice on ``sys.path`` once."""
    seen: set[tuple[str, str]] = set()
    found = []
    for ep in eps:
        if (ep.name, ep.value) in seen:
            continue
        seen.add((ep.name, ep.value))
        found.append((ep, *_distribution(ep)))
    return sorted(found, key=lambda item: (item[1] != FIRST_PARTY, item[0].name))


def load_registry(
    eps: Iterable[EntryPoint] | None = None, strict: bool | None = None,
    disabled: Iterable[str] | None = None,
) -> Registry:
    """Discover every ``aqabench`` entry point and build a fresh :class:`Registry`;
    ``disabled`` (default: ``$AQABENCH_DISABLE_PLUGINS``) names plugins or distributions to skip."""
    registry = Registry(strict=strict_from_env() if strict is None else strict)
    skip = disabled_from_env() if disabled is None else set(disabled)
    registry.disabled = frozenset(skip)
    if eps is None:
        eps = entry_points(group=ENTRY_POINT_GROUP)
    with sigint_witness():
        for ep, distribution, version in load_order(eps):
            if ep.name in skip or distribution in skip:
                registry.add_disabled(ep.name, distribution, version)
            else:
                registry.add_plugin(ep.name, ep.load, distribution, version)
    return registry


_REGISTRY: Registry | None = None


def get_registry(strict: bool | None = None) -> Registry:
    """The process-wide registry (loaded once, so each failure is warned about once)."""
    global _REGISTRY
    wanted = strict_from_env() if strict is None else strict
    if _REGISTRY is None or (wanted and not _REGISTRY.strict) \
            or _REGISTRY.disabled != disabled_from_env():
        _REGISTRY = load_registry(strict=wanted)
    return _REGISTRY


def reset_registry() -> None:
    global _REGISTRY
    _REGISTRY = None
