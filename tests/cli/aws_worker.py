"""A long-lived subprocess that runs AWS CLI (v1) invocations on request.

Starting the AWS CLI costs over half a second of imports; the differential tests run it
a few hundred times. This worker imports it once and runs each invocation with a fresh
``CLIDriver`` (so no session state carries over), with the environment, stdin, stdout
and stderr of that invocation. ``random.choice`` is pinned to the first element, so the
skeletons the AWS CLI generates (which pick a random enum value) are deterministic.

Protocol: one JSON object per line on stdin (``{"args": [...], "env": {...}, "stdin":
"..."}``); one JSON object per line on the original stdout (``{"code", "stdout",
"stderr"}``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import sys


def _first(sequence):  # type: ignore[no-untyped-def]
    return sequence[0]


def main() -> None:
    random.choice = _first  # type: ignore[assignment]
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    requests = sys.stdin
    import awscli
    from awscli.clidriver import create_clidriver

    # Importing awscli appends its own data folder to AWS_DATA_PATH; keep it there.
    own_data = os.path.join(os.path.dirname(awscli.__file__), "data")
    for line in requests:
        request = json.loads(line)
        os.environ.clear()
        os.environ.update(request["env"])
        paths = [p for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
        os.environ["AWS_DATA_PATH"] = os.pathsep.join([*paths, own_data])
        out, err = io.StringIO(), io.StringIO()
        saved_stdin = sys.stdin
        sys.stdin = io.StringIO(request.get("stdin") or "")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = create_clidriver().main(request["args"])
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                except Exception as exc:  # reported to the test
                    err.write(f"worker: {type(exc).__name__}: {exc}\n")
                    code = -1
        finally:
            sys.stdin = saved_stdin
        channel.write(
            json.dumps({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}) + "\n"
        )
        channel.flush()


if __name__ == "__main__":
    main()
