"""The Q2.a assignment: the solution file with its solution blocks replaced by stubs.

The solution (:mod:`wdproof.numerics.grading.student_solution`) marks each piece students write
between ``# BEGIN SOLUTION <prompt>`` and ``# END SOLUTION``. :func:`student_version` replaces
each block by one line, at the block's indentation::

    raise NotImplementedError("<prompt>")

so the student file imports, constructs optimizers, and fails only when ``step`` runs. Every
other line (docstrings, TODO comments, ``__init__``) is kept verbatim. :func:`write_assignment`
writes that file and a README for students (``wdproof assign --out DIR``), refusing to
replace existing ones unless ``--force``.

The solution writes ``Adam`` and ``AdamW`` out in full, with no shared helper: each is a
complete answer that a student reads on its own as a plain ``torch.optim.Optimizer``, the
grader checks each class separately and the mistakes of :mod:`.mistakes` are patched into one
class or the other. The test suite pins that the two solution blocks differ exactly where
``weight_decay`` enters (the paper's L2-versus-decoupled distinction), so the copies cannot drift.
"""

from __future__ import annotations

import os
import secrets
import textwrap
from dataclasses import dataclass
from pathlib import Path

from wdproof.numerics.errors import InputError

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
SOLUTION_PATH = Path(__file__).with_name("student_solution.py")
STUDENT_FILENAME = "optimizers.py"


@dataclass(frozen=True)
class SolutionBlock:
    """Lines ``start`` .. ``end`` (0-based, markers included) of a solution file."""

    start: int
    end: int
    indent: str
    prompt: str
    body: tuple[str, ...]


def solution_source() -> str:
    """The reference solution file, markers included."""
    return SOLUTION_PATH.read_text(encoding="utf-8")


def solution_blocks(source: str) -> list[SolutionBlock]:
    """The marked blocks of ``source``; raises ``ValueError`` on unbalanced markers."""
    lines = source.splitlines()
    blocks: list[SolutionBlock] = []
    opened: int | None = None
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if opened is not None:
                raise ValueError(f"line {number + 1}: {BEGIN} inside another solution block")
            opened = number
        elif stripped.startswith(END):
            if opened is None:
                raise ValueError(f"line {number + 1}: {END} without {BEGIN}")
            head = lines[opened]
            prompt = head.strip()[len(BEGIN) :].strip() or "fill in this block"
            indent = head[: len(head) - len(head.lstrip())]
            blocks.append(
                SolutionBlock(opened, number, indent, prompt, tuple(lines[opened + 1 : number]))
            )
            opened = None
    if opened is not None:
        raise ValueError(f"line {opened + 1}: {BEGIN} is never closed")
    return blocks


def student_version(source: str) -> str:
    """``source`` with every solution block replaced by a ``NotImplementedError`` stub."""
    lines = source.splitlines()
    out: list[str] = []
    position = 0
    for block in solution_blocks(source):
        out.extend(lines[position : block.start])
        out.append(f"{block.indent}raise NotImplementedError({block.prompt!r})")
        position = block.end + 1
    out.extend(lines[position:])
    return "\n".join(out) + "\n"


def solution_code(class_name: str) -> str:
    """The dedented body of ``class_name``'s solution block (for the solution key)."""
    for block in solution_blocks(solution_source()):
        if block.prompt.startswith(f"{class_name}."):
            return textwrap.dedent("\n".join(block.body))
    raise KeyError(f"no solution block for {class_name!r}")


STUDENT_README = """\
# Q2.a: implement Adam and AdamW

`{filename}` defines `Adam` and `AdamW`, two `torch.optim.Optimizer` subclasses with PyTorch's
constructor `(params, lr, betas, eps, weight_decay)`. Their `step` methods raise
`NotImplementedError`: replace each `raise NotImplementedError(...)` line with the update rule
described in the file's docstring (Loshchilov & Hutter 2019, Algorithm 2).

Your optimizers must reproduce `torch.optim.Adam` and `torch.optim.AdamW` in float64:

* Adam's `weight_decay` is L2 regularization (added to the gradient);
* AdamW's `weight_decay` is decoupled: `p <- p * (1 - lr * weight_decay)`, applied to the
  parameter before this step's Adam update, outside the adaptive scaling;
* `eps` goes outside the square root: `sqrt(v_hat) + eps`;
* bias corrections use the step count `t = 1, 2, ...` of each parameter;
* parameter groups with their own `lr` and `weight_decay` must work.

## Grading

    wdproof grade {filename}          # a table of checks, points and feedback
    wdproof grade {filename} --json   # the same as JSON

The grader runs your file in a separate process (time and memory limited) on small
deterministic problems with several hyperparameter settings, compares every parameter after
every step with the reference, and, when a check fails, reports the first step and tensor where
your trajectory departs and names the known mistake it matches (for example a missing bias
correction or epsilon inside the square root). You may run it as often as you like.
"""


def _replace_file(path: Path, text: str) -> None:
    """Write ``text`` to a new file and rename it onto ``path``.

    The rename replaces whatever ``path`` is, a symbolic link included, without following it:
    a link planted as ``optimizers.py`` never redirects the write to a file outside ``--out``.
    """
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_assignment(out_dir: Path, force: bool = False) -> list[Path]:
    """Write the student file and README into ``out_dir``; return their paths.

    An existing student file or README (perhaps a student's work) is never replaced unless
    ``force``: without it, nothing is written and the first such file is named in the error.
    With ``force`` a symbolic link in their place is replaced by a file; its target is untouched.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir}: exists and is not a directory")
    student = out_dir / STUDENT_FILENAME
    readme = out_dir / "README.md"
    if not force:
        for path in (student, readme):
            if path.exists() or path.is_symlink():
                raise InputError(f"{path}: already exists; pass --force to overwrite it")
    for path in (student, readme):
        if path.is_dir() and not path.is_symlink():
            raise InputError(f"{path}: is a folder; remove it or choose another --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _replace_file(student, student_version(solution_source()))
        _replace_file(readme, STUDENT_README.format(filename=STUDENT_FILENAME))
    except OSError as err:
        raise InputError(f"--out {out_dir}: cannot write ({err.strerror})") from None
    return [student, readme]
