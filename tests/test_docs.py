"""Every hook is documented in docs/plugins.md with its exact signature and docstring."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from aqabench import hookspecs

DOCS = Path(__file__).resolve().parent.parent / "docs"


def hook_functions() -> list:
    return [f for name, f in vars(hookspecs).items()
            if name.startswith("aqabench_") and inspect.isfunction(f)]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace("`", "").strip()


def test_there_are_three_hooks() -> None:
    assert sorted(f.__name__ for f in hook_functions()) == [
        "aqabench_register_backbones", "aqabench_register_datasets", "aqabench_register_methods"]


def test_every_hook_is_documented_with_signature_and_docstring() -> None:
    text = (DOCS / "plugins.md").read_text(encoding="utf-8")
    flat = squash(text)
    for func in hook_functions():
        assert func.__doc__, f"{func.__name__} has no docstring"
        signature = f"def {func.__name__}{inspect.signature(func)}:"
        signature = signature.replace("'", "")  # annotations are strings (postponed evaluation)
        assert signature in text, f"docs/plugins.md lacks the signature {signature}"
        assert f"### `{func.__name__}(register)`" in text
        for paragraph in inspect.cleandoc(func.__doc__).split("\n\n"):
            if paragraph.startswith(":param"):
                continue
            assert squash(paragraph) in flat, f"{func.__name__}: paragraph missing: {paragraph}"
