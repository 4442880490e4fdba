"""The errors imprint reports to its users.

Every failure a user can cause (a broken post, a bad setting, a missing
resource, a renderer that cannot finish) is an :class:`ImprintError`. The CLI
turns one into a single line, ``path:line: category: message``, and an exit
code. Any other exception is a bug in imprint and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class ImprintError(Exception):
    """A failure caused by input, settings or the environment, not by a bug."""

    category = "error"
    exit_code = 1

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def located(self, path: Path | str, line: int | None = None) -> ImprintError:
        """Attach a location when the raiser did not know it."""
        if self.path is None:
            self.path = Path(path)
        if self.line is None:
            self.line = line
        return self

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return "\n".join(f"{where}{self.category}: {line}" for line in self.message.splitlines())

    def __reduce__(  # keep the location when crossing process boundaries
        self,
    ) -> tuple[type[ImprintError], tuple[str, Path | None, int | None]]:
        return (self.__class__, (self.message, self.path, self.line))


class SourceError(ImprintError):
    """A post that cannot be read or understood."""

    category = "source"
    exit_code = 65  # EX_DATAERR


class ConfigError(ImprintError):
    """Project settings, brand or collection manifest that are not valid."""

    category = "config"
    exit_code = 78  # EX_CONFIG


class ResourceError(ImprintError):
    """An image, stylesheet or font that cannot or must not be read."""

    category = "resource"
    exit_code = 66  # EX_NOINPUT


class RenderError(ImprintError):
    """A renderer that could not produce its output."""

    category = "render"
    exit_code = 70  # EX_SOFTWARE
    detail = ""  # all the failing tool said, where the message gives only its last line


class ToolError(ImprintError):
    """An external program (pandoc, java) missing or failing."""

    category = "tool"
    exit_code = 69  # EX_UNAVAILABLE


def memory_cap_mb() -> int | None:
    """This process's address-space cap in MB ([build] memory_mb in a worker), if any."""
    import resource

    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if limit == resource.RLIM_INFINITY else limit // (1024 * 1024)


def out_of_memory(what: str, path: Path | str | None = None) -> RenderError:
    """The error for a job that ran out of memory, naming the cap when one is set."""
    cap = memory_cap_mb()
    if cap is None:
        return RenderError(f"{what} ran out of memory", path)
    return RenderError(
        f"{what} ran out of memory under the worker's cap of {cap} MB "
        "(raise [build] memory_mb in imprint.toml)",
        path,
    )
