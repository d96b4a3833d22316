"""A fuzzer of malformed CSVs against every data command: no exit 3, no hang (issue 18).

Each case mutates a file of the seed corpus (random bytes, quotes, delimiters, encodings,
line endings, huge numbers, compression) and runs a command in-process. A result is fine
when it is an exit code of the SPEC other than 3 (an internal error), reached within the
time limit. `python -m tests.test_fuzz SECONDS [SEED]` runs it by hand and prints each
failing case; the slow-marked test runs a fixed number of cases.
"""

from __future__ import annotations

import gzip
import random
import signal
import sys

import pytest

from tests.conftest import invoke

CORPUS = [
    b"a,b\n1,2\n3,4\n5,6\n7,8\n",
    b"x,y,g\n1.5,2,A\n2.5,3,B\n3.5,5,A\n4.5,4,B\n5.5,7,A\n6.5,6,B\n",
    b'id,note,v\n1,"hello, world",3\n2,"multi\nline",4\n3,"say ""hi""",5\n4,plain,6\n',
    b"\xef\xbb\xbfp;q\r\n0,5;1\r\n1,5;0\r\n2,5;1\r\n3,5;0\r\n",
    b"label\tscore\n1\t0.9\n0\t0.1\n1\t0.8\n0\t0.3\n1\t0.4\n0\t0.6\n",
    b"a|b\n1|\n|2\n3|4\nNA|5\n6|nan\n",
    b"v,w\n1e308,1\n-1e308,2\n1e-308,3\n0,4\n",
    b"g,m\ncontrol,1\ncontrol,0\nB,1\nB,1\ncontrol,0\nB,0\n",
]

COMMANDS = [
    ["describe"],
    ["describe", "--by", "1"],
    ["ab-test", "--group", "1", "--metric", "2"],
    ["regression", "--y", "1", "--x", "2"],
    ["precision-recall", "--true", "1", "--score", "2"],
    ["bootstrap", "--column", "1", "--resamples", "30", "--seed", "1"],
    ["jackknife", "--column", "1"],
    ["correlate"],
    ["correlate", "--method", "kendall"],
    ["sample", "--n", "2", "--seed", "1"],
    ["sample", "--frac", "0.5", "--method", "systematic", "--seed", "1"],
    ["clean"],
    ["clean", "--check", "--coerce", "--missing", "median"],
    ["kmeans", "--k", "2", "--n-init", "2", "--seed", "1"],
    ["kmeans", "--k-range", "1:3", "--n-init", "1", "--seed", "1", "--assign"],
    ["describe", "--engine", "duckdb"],
    ["ab-test", "--group", "1", "--metric", "2", "--engine", "duckdb"],
]

_PIECES = [b'"', b",", b";", b"\t", b"|", b"\n", b"\r", b"\r\n", b"\x00", b"\xe9", b"\xff",
           b"1e999", b"-inf", b"9e307", b"nan", b"NA", b"", b" ", b"\x1b[31m", b'""',
           b"1,234", b"\xef\xbb\xbf", b"\xc3", b"0" * 400, b"-", b"1.7976931348623157e308"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """Apply one to four random edits to `data`."""
    for _ in range(rng.randint(1, 4)):
        pos = rng.randint(0, len(data))
        kind = rng.randrange(9)
        if kind == 0:
            data = data[:pos] + rng.choice(_PIECES) + data[pos:]
        elif kind == 1:
            data = data[:pos] + data[pos + rng.randint(1, 5):]
        elif kind == 2:
            data = data[:pos] + bytes([rng.randrange(256)]) + data[pos:]
        elif kind == 3:
            lines = data.split(b"\n")
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
            data = b"\n".join(lines)
        elif kind == 4:
            data = data.replace(b"\n", rng.choice([b"\r", b"\r\n", b"\n\n"]))
        elif kind == 5:
            old, new = rng.sample([b",", b";", b"\t", b"|"], 2)
            data = data.replace(old, new, rng.randint(1, 3))
        elif kind == 6:
            data = data[:pos]
        elif kind == 7:
            data = data.decode("utf-8", "replace").encode(rng.choice(["utf-16", "latin-1"]),
                                                          "replace")
        else:
            data = data * rng.randint(2, 50)
    return gzip.compress(data) if rng.random() < 0.05 else data


class _Hang(BaseException):
    """Raised by the alarm: a case ran past its time limit."""


def _alarm(signum: int, frame: object) -> None:
    raise _Hang


def run_case(data: bytes, command: list[str], tmp: str, limit: int = 20) -> int | str:
    """The exit code of `mlstats COMMAND FILE` on `data`, or 'hang'."""
    path = f"{tmp}/case.csv"
    with open(path, "wb") as f:
        f.write(data)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        return invoke(command[0], path, *command[1:], "--quiet").exit_code
    except _Hang:
        return "hang"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def fuzz(cases: int, seed: int, tmp: str) -> list[tuple[int, list[str], bytes, int | str]]:
    """Run `cases` random cases; the failures as (case number, command, data, outcome)."""
    rng = random.Random(seed)
    failures = []
    for number in range(cases):
        data = mutate(rng.choice(CORPUS), rng)
        command = rng.choice(COMMANDS)
        outcome = run_case(data, command, tmp)
        if outcome not in (0, 1, 2):
            failures.append((number, command, data, outcome))
    return failures


@pytest.mark.slow
def test_fuzzed_csvs_never_crash_or_hang(tmp_path):
    failures = fuzz(3000, seed=18, tmp=str(tmp_path))
    assert failures == []


def test_fuzzer_seed_corpus_reads_cleanly(tmp_path):
    # The unmutated corpus: every command gives an answer or a one-line input error.
    for data in CORPUS:
        for command in COMMANDS:
            assert run_case(data, command, str(tmp_path)) in (0, 1, 2), (data, command)


if __name__ == "__main__":  # python -m tests.test_fuzz CASES [SEED]
    import tempfile

    found = fuzz(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0,
                 tempfile.mkdtemp())
    for number, command, data, outcome in found:
        print(number, outcome, command, repr(data[:300]))
    print(f"{len(found)} failures")
