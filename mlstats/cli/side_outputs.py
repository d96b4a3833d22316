"""Files a command writes besides its result (`--curve`, `--plot`): checked before any work."""

from __future__ import annotations


def check_side_outputs(output: str | None, files: dict[str, str | None], *,
                       source: str | None = None) -> None:
    """Each side file (option → path) is a path, never the input, the -o file or another one.

    Without this, `--curve X -o X` would write the curve and then replace it with the
    report. (The writer itself also refuses every input: `io.writer.atomic_open`.)
    """
    import os

    from mlstats.errors import InputError
    from mlstats.io.source import file_identity

    def same(a: str, b: str) -> bool:
        return os.path.realpath(a) == os.path.realpath(b) or (
            file_identity(a) is not None and file_identity(a) == file_identity(b))

    given = [(option, path) for option, path in files.items() if path is not None]
    for i, (option, path) in enumerate(given):
        if path == "-":
            raise InputError(f"{option} writes a file; give a path, not - (standard output "
                             "holds the result)")
        if source not in (None, "-") and same(path, source):
            raise InputError(f"{option} '{path}' is the input file; write it somewhere else")
        if output not in (None, "-") and same(path, output):
            raise InputError(f"{option} '{path}' is also the -o file; give them different "
                             "paths")
        for other, other_path in given[i + 1:]:
            if same(path, other_path):
                raise InputError(f"{option} and {other} both name '{path}'; give them "
                                 "different paths")
