"""Safe reading of an untrusted returned workbook.

Two layers, used in this order:

1. ``open_package(path)`` checks the raw bytes and the zip package, follows its
   relationships as Excel does and reads and screens every part once: wrong formats,
   damaged or tampered zips, zip bombs, DTDs, packages programs could read two ways,
   macros, links, connections, formulas that reach outside the workbook. Any problem is an
   error and no cell is read. The reader (``xl_ni179.intake.reader.read_package``) then
   reads the cells from the same parsed parts, against the same ``limits``.
2. ``BoundedPool`` / ``run_bounded`` run the parse itself in a worker process with a
   time limit and a memory limit, so that a crash, hang or memory blow-up in a reader
   becomes a ``parse-crashed`` / ``parse-timeout`` / ``parse-memory`` finding instead of
   taking the validating process down.

The limits are module constants in ``xl_ni179.intake.safety.limits``. Both layers report
a ``Problem`` (``problems``): the code of the file rule and its message parameters. This
package imports no rules; ``xl_ni179.intake.screen`` turns problems into findings.
"""

from typing import TYPE_CHECKING

from xl_ni179.intake.safety.bounded import BoundedPool, Outcome, run_bounded
from xl_ni179.intake.safety.worker import PoolError

if TYPE_CHECKING:  # the type checker reads this instead of __getattr__, which it does not see
    from xl_ni179.intake.safety.package import inspect_package, open_package
else:
    from typing import Any

    def __getattr__(name: str) -> Any:
        # The package check loads lxml: only the workers need it, not the process that hands
        # them the files (nor anything that only reads a problem's code).
        if name in ("inspect_package", "open_package"):
            from xl_ni179.intake.safety import package

            return getattr(package, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BoundedPool", "Outcome", "PoolError", "inspect_package", "open_package", "run_bounded"]
