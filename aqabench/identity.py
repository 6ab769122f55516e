"""A record's identity: everything that changes its results, and what its file is called.

Two runs share a record file only when they are the same run: same method, dataset, subset,
seed, twin size and resolved config. The config part is the *config hash* (the hash of the
resolved config and the run's identity, :func:`aqabench.config.config_hash`) and, readable in
the file name, the *changed keys*: every config key (harness or method) whose value differs from
the method's defaults for that dataset (the seed is in the name already)::

    ridge__rg-synth__Ball__seed0.json                               the defaults
    ridge__rg-synth__Ball__seed0__lr-0.001__c3f9a0b12.json           --set lr=0.001
    cofinal__rg-synth__Ball__seed0__epochs-20+use_gpm-false__c0d1e2f3a.json

The short hash (``c`` + 8 hex digits) is in the name whenever anything differs, so runs that
differ in a value the name shortens (a list, a long tag) still keep two files. The keys the
harness fills from the training labels (:data:`FILLED_KEYS`) are hashed as given (null unless
set), never as filled.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .config import BASE_CONFIG, config_hash, merge_config

#: Config keys the harness fills from the training labels when they are null; records store
#: the filled values, the config hash is computed before filling.
FILLED_KEYS = ("score_shift", "score_scale")
#: Keys already in the file name, never repeated among the changed keys.
NAMED_KEYS = ("seed",)
HASH_CHARS = 8
TAG_LIMIT = 120  # characters of changed keys in a file name; the hash covers the rest


def default_config(method: Any, dataset: str, subset: str | None,
                   variant: str | None = None) -> dict[str, Any]:
    """The resolved config a run gets with nothing set (for ``variant``: its defaults)."""
    from .runner import method_defaults

    return merge_config(method_defaults(method, dataset, subset, variant))


def changed_keys(method: Any, dataset: str, subset: str | None,
                 config: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``config`` (as resolved, before the harness fills :data:`FILLED_KEYS`)
    whose values differ from the method's defaults for ``dataset``/``subset``. A variant is
    compared with its own defaults (``variant`` itself with the plain defaults), so
    ``--set variant=code`` reads ``variant=code`` and not every key the variant changes."""
    base = default_config(method, dataset, subset)
    defaults = default_config(method, dataset, subset, config.get("variant"))
    changed = {}
    for key, value in sorted(config.items()):
        if key in NAMED_KEYS:
            continue
        reference = base.get(key) if key == "variant" else defaults.get(key, base.get(key))
        if reference != value:
            changed[key] = value
    return changed


def tag(changed: Mapping[str, Any]) -> str | None:
    """``{"lr": 0.001, "use_x": False}`` -> ``"lr=0.001,use_x=false"``; None when empty."""
    return ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(changed.items())) or None


def method_only(changed: Mapping[str, Any], numerics: Iterable[str] = ()) -> dict[str, Any]:
    """The method-specific part of ``changed`` (a record's *setting*: its ablation/variant),
    without the method's ``numerics`` keys (:attr:`aqabench.api.MethodSpec.numerics`: how its
    maths is carried out, not what it computes)."""
    skip = set(numerics)
    return {k: v for k, v in changed.items() if k not in BASE_CONFIG and k not in skip}


def name_part(text: str) -> str:
    """A tag as a file-name part: ``k=v,k2=v2`` -> ``k-v+k2-v2``, other characters dropped,
    at most :data:`TAG_LIMIT` characters."""
    part = re.sub(r"[^A-Za-z0-9_.+-]", "", text.replace("=", "-").replace(",", "+")
                  .replace(" ", ""))
    return part[:TAG_LIMIT]


def run_identity(method: Any, dataset: str, subset: str | None, size: str,
                 config: Mapping[str, Any]) -> dict[str, Any]:
    """The identity fields a run's record carries besides method/dataset/subset/backbone/
    split/variant: ``seed``, ``size``, ``setting`` (method keys changed: the ablation),
    ``changed`` (every key changed) and ``config_hash``, plus ``numerics`` (the names of the
    method's :attr:`~aqabench.api.MethodSpec.numerics` keys among the changed ones) when there
    are any: tables read such a record as the setting it computes, not as an ablation.
    ``config`` is the resolved config before the harness fills :data:`FILLED_KEYS`."""
    changed = changed_keys(method, dataset, subset, config)
    numerics = sorted(set(changed) & set(getattr(method, "numerics", ())))
    ident = {"seed": config["seed"], "size": size,
             "setting": tag(method_only(changed, numerics)), "changed": tag(changed),
             "config_hash": config_hash(dict(config), method=method.name, dataset=dataset,
                                        subset=subset, size=size)}
    if numerics:
        ident["numerics"] = numerics
    return ident


def unfilled_config(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The config a stored record's ``config_hash`` was computed from: its stored config with
    the :data:`FILLED_KEYS` the harness filled put back to null (each combination is tried
    and checked against the stored hash); None when no combination gives the stored hash."""
    ident, prov = record["identity"], record["provenance"]
    stored = dict(prov.get("config") or {})
    fillable = [k for k in FILLED_KEYS if stored.get(k) is not None]
    for nulled in itertools.chain.from_iterable(
            itertools.combinations(fillable, n) for n in range(len(fillable), -1, -1)):
        candidate = {**stored, **{k: None for k in nulled}}
        digest = config_hash(candidate, method=ident["method"], dataset=ident["dataset"],
                             subset=ident.get("subset"), size=ident.get("size", "full"))
        if digest == prov.get("config_hash"):
            return candidate
    return None


def config_difference(old: Mapping[str, Any], new: Mapping[str, Any], limit: int = 3) -> str:
    """``"lr 0.01 -> 0.001, epochs 10 -> 5"``: the keys whose values differ (first ``limit``),
    or ``"the same keys"`` when none do."""
    keys = sorted(set(old) | set(new))
    diffs = [f"{k} {json.dumps(old.get(k))} -> {json.dumps(new.get(k))}" for k in keys
             if k not in FILLED_KEYS and old.get(k) != new.get(k)]
    more = f" (+{len(diffs) - limit} more)" if len(diffs) > limit else ""
    return ", ".join(diffs[:limit]) + more if diffs else "no visible key"
