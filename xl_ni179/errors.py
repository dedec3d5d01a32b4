"""Named exceptions the library raises; the CLI, ribbon and intake turn them into messages."""


class Ni179Error(Exception):
    """Base for every error a user can act on. ``str(err)`` is the message to show."""

    def lines(self) -> list[str]:
        """The message as the lines it is shown on; only a message written as a list breaks."""
        return [str(self)]


MAX_LISTED = 100  # problems shown of a configuration file (all are in ConfigError.problems)


class ConfigProblem:
    """One problem in a configuration file: the key's path (``rounds[1].closes``), what is
    wrong and what to do, and the line it is on when known."""

    __slots__ = ("key", "line", "problem")

    def __init__(self, key: str, problem: str, line: int | None = None) -> None:
        self.key, self.problem, self.line = key, problem, line

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.key}: {self.problem}" if self.key else f"{where}{self.problem}"

    def __repr__(self) -> str:
        return f"ConfigProblem({self.key!r}, {self.problem!r}, {self.line!r})"


class ConfigError(Ni179Error):
    """The partnership configuration file cannot be used: every problem found in it, in
    file order (``problems``), so that one edit can fix them all."""

    def __init__(
        self,
        file: str,
        key: str = "",
        problem: str = "",
        *,
        problems: list[ConfigProblem] | None = None,
    ) -> None:
        self.file = file
        self.problems = problems or [ConfigProblem(key, problem)]
        self.key, self.problem = self.problems[0].key, self.problems[0].problem
        if len(self.problems) == 1:
            super().__init__(f"{file}: {self.problems[0]}")
        else:
            shown = self.problems[:MAX_LISTED]
            listed = "\n".join(f"  {p}" for p in shown)
            if len(self.problems) > len(shown):
                listed += f"\n  ...and {len(self.problems) - len(shown)} more after these"
            super().__init__(
                f"{file} has {len(self.problems)} problems; fix them all, then check it again "
                f"with `ni179 config check`:\n{listed}"
            )

    def lines(self) -> list[str]:
        return str(self).split("\n")


class UnknownRoundError(Ni179Error):
    """A round id that the configuration does not define."""


class FillError(Ni179Error):
    """Data for ``ni179 fill`` names an input the schema does not have, or is malformed."""


class WorkspaceError(Ni179Error):
    """The workspace folder or its store cannot be used."""


class StoreBusyError(WorkspaceError):
    """Another process held the store longer than this one would wait; the message names it."""


class DemoFolderError(Ni179Error):
    """``ni179 demo`` was pointed at a folder it did not make; nothing was changed."""
