"""Exception types and the exit codes the CLI maps them to."""

from __future__ import annotations


class AqabenchError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

    exit_code = 1


class UsageError(AqabenchError):
    """Bad command-line usage: unknown method/dataset, bad ``--set``, unknown subset. Exit 2."""

    exit_code = 2


class DataError(AqabenchError):
    """Bad input data: the message names the file and what is wrong. Exit 2."""

    exit_code = 2

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class PluginError(AqabenchError):
    """A plugin failed to load or register, or an unknown/duplicate plugin name. Exit 2."""

    exit_code = 2


class RunError(AqabenchError):
    """A run failed while training or evaluating. Exit 1."""

    exit_code = 1
