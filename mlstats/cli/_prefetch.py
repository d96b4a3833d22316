"""Import modules a command will need in a background thread, while the input is parsed."""

import contextlib
import importlib
import threading


def prefetch(*modules: str) -> None:
    """Start importing `modules` now; pyarrow's parse releases the GIL, so the two overlap.

    Failures are ignored here: the command's own import reports them.
    """

    def load() -> None:
        for module in modules:
            with contextlib.suppress(Exception):
                importlib.import_module(module)

    threading.Thread(target=load, name="mlstats-prefetch", daemon=True).start()
