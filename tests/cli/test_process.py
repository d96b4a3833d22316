"""The process entry point: what starts before the command loads."""

import hashlib

import pytest


@pytest.mark.parametrize(("args", "env", "hashed"), [
    (["describe", "{path}", "--engine", "duckdb"], {}, True),
    (["describe", "{path}", "--engine=duckdb"], {}, True),
    (["describe", "{path}"], {"MLSTATS_ENGINE": "duckdb"}, True),
    (["describe", "{path}", "--engine", "local"], {"MLSTATS_ENGINE": "duckdb"}, False),
    (["describe", "{path}"], {}, False),
    (["describe", "--columns", "x", "{path}", "--engine", "duckdb"], {}, False),
    (["no-such-command", "{path}", "--engine", "duckdb"], {}, False),
])
def test_duckdb_input_is_hashed_from_the_start(tmp_path, monkeypatch, args, env, hashed):
    """With --engine duckdb the input's SHA-256 starts before the command loads (and the
    command's own start finds it running, not a second one)."""
    from mlstats.cli.main import _hash_early
    from mlstats.io import source

    path = tmp_path / "data.csv"
    path.write_text("x\n1\n")
    monkeypatch.delenv("MLSTATS_ENGINE", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(source, "_EARLY", {})
    _hash_early([a.format(path=path) for a in args])
    assert (str(path.resolve()) in source._EARLY) is hashed
    if hashed:
        first = source._EARLY[str(path.resolve())]
        source.hash_early(str(path))
        assert source._EARLY[str(path.resolve())] is first
        assert first.result() == hashlib.sha256(b"x\n1\n").hexdigest()
