"""Find the fenced code blocks of a Markdown file and run its Python ones.

``python tests/doc_blocks.py FILE.md [SESSION]`` runs the ``python`` blocks of
FILE in its order, in one namespace (``__name__ == "__main__"``), as a reader
pasting them one after the other into a fresh interpreter would: nothing is
imported before them, so an example's import order is the one it shows. It
prints ``ran N, skipped M`` last and exits 0, or exits 1 with the failing
block's file and line and its traceback.

Two markers, each an HTML comment on the line right before a block's opening
fence (invisible once rendered), change that:

- ``<!-- skip-test: REASON -->``: the block is not run; REASON says what it
  needs that a test machine does not have, e.g. ``needs a Ray cluster``.
- ``<!-- fresh-interpreter: REASON -->``: the block starts a new session, run
  by a new interpreter with a new namespace, for an example that only works
  as the first thing a session does (REASON says why, e.g. ``skl2onnx is
  imported before skmlp``). SESSION (default 0) picks the session to run.

This module imports nothing from skmlp: ``tests/test_documentation.py`` uses
it both in the test process and as the script of that fresh interpreter.
"""

import re
import sys
import traceback
from pathlib import Path

MARKER = re.compile(
    r"<!--\s*(?P<kind>skip-test|fresh-interpreter):\s*(?P<reason>\S.*?)\s*-->"
)
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
PYTHON = ("python", "py", "python3")


class CodeBlock:
    """One fenced code block of a Markdown file.

    ``line`` is the 1-based line of its opening fence; ``skip_reason`` the
    REASON of a ``<!-- skip-test: REASON -->`` line right before it, or None;
    ``fresh_interpreter`` whether a ``<!-- fresh-interpreter: REASON -->``
    line is right before it.
    """

    def __init__(
        self, language, source, line, skip_reason=None, fresh_interpreter=False
    ):
        self.language = language
        self.source = source
        self.line = line
        self.skip_reason = skip_reason
        self.fresh_interpreter = fresh_interpreter

    @property
    def is_python(self):
        return self.language in PYTHON


def code_blocks(text):
    """The fenced code blocks of the Markdown ``text``, in order."""
    lines = text.splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        body = [_dedented(line, indent) for line in lines[index + 1 : end]]
        previous = lines[index - 1].strip() if index > 0 else ""
        marker = MARKER.fullmatch(previous)
        kind = marker["kind"] if marker else None
        blocks.append(
            CodeBlock(
                language=opening["info"].strip("{}").lower(),
                source="\n".join(body) + "\n",
                line=index + 1,
                skip_reason=marker["reason"] if kind == "skip-test" else None,
                fresh_interpreter=kind == "fresh-interpreter",
            )
        )
        index = end + 1
    return blocks


def _dedented(line, indent):
    """``line`` without the indentation of its list item's fence."""
    return line[indent:] if not line[:indent].strip() else line


def python_sessions(text):
    """The Python blocks of the Markdown ``text``, split into the sessions
    that ``<!-- fresh-interpreter: ... -->`` markers start."""
    sessions = [[]]
    for block in code_blocks(text):
        if not block.is_python:
            continue
        if block.fresh_interpreter and sessions[-1]:
            sessions.append([])
        sessions[-1].append(block)
    return sessions


def run_python_blocks(path, session=0):
    """Run the Python blocks of one session of the Markdown file ``path`` in
    one namespace.

    Returns the number of blocks run and the reasons of those skipped. A
    failing block raises an ``AssertionError`` naming its file and line,
    chained to the block's own exception.
    """
    namespace = {"__name__": "__main__"}
    run, skipped = 0, []
    for block in python_sessions(Path(path).read_text(encoding="utf-8"))[session]:
        if block.skip_reason:
            skipped.append(block.skip_reason)
            continue
        # Line numbers in tracebacks are those of the Markdown file.
        source = "\n" * block.line + block.source
        where = f"{path}:{block.line}"
        try:
            exec(compile(source, str(path), "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"the code block at {where} failed: {exc!r}") from exc
        run += 1
    return run, skipped


def main(argv):
    path, session = argv[0], int(argv[1]) if len(argv) > 1 else 0
    try:
        run, skipped = run_python_blocks(path, session)
    except AssertionError:
        traceback.print_exc()
        return 1
    print(f"ran {run}, skipped {len(skipped)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
