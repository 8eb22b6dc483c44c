"""The clinical safety hazard log stays honest: every control in the software names a test
that exists, so `make test` runs the proof of every control (docs/clinical-safety/).

The log is markdown: one `## H<n>: <title>` section per hazard, with a `### Controls` list.
A control names its tests in backticks, as `tests/path/test_file.py::test_name` (or
`::TestClass::test_method`), or begins "Process:" and names none. Tests are found with
`ast`, never imported or run here, so this needs no database.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAZARD_LOG = ROOT / "docs" / "clinical-safety" / "hazard-log.md"

HEADING = re.compile(r"^## H(\d+): (.+)$", re.MULTILINE)
NAMED_TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+(?:::\w+)?)`")
PROCESS = "Process:"


@dataclass(frozen=True)
class Hazard:
    number: int
    title: str
    controls: tuple[str, ...]
    tests: tuple[str, ...]  # every test the section names, in its controls or elsewhere

    def __str__(self) -> str:
        return f"H{self.number} ({self.title})"


def named_tests(text: str) -> tuple[str, ...]:
    return tuple(f"{path}::{name}" for path, name in NAMED_TEST.findall(text))


def hazards(log: str) -> list[Hazard]:
    """Each `## H<n>: <title>` section, with its controls and the tests it names."""
    headings = list(HEADING.finditer(log))
    found = []
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(log)
        section = log[heading.end() : end]
        found.append(
            Hazard(int(heading[1]), heading[2].strip(), _controls(section), named_tests(section))
        )
    return found


def _controls(section: str) -> tuple[str, ...]:
    """The bullets under `### Controls`, each with its indented continuation lines."""
    bullets: list[str] = []
    inside = False
    for line in section.splitlines():
        if line.startswith("### "):
            inside = line.strip() == "### Controls"
        elif inside and line.startswith("- "):
            bullets.append(line[2:].strip())
        elif inside and bullets and line.startswith("  "):
            bullets[-1] += " " + line.strip()
    return tuple(bullets)


def resolves(node_id: str, root: Path = ROOT) -> bool:
    """Whether the file exists and defines the test pytest would collect: a module-level
    `def test_...`, or a `test_...` method of a module-level `Test...` class."""
    path, *names = node_id.split("::")
    file = root / path
    if not file.is_file():
        return False
    body = ast.parse(file.read_text(encoding="utf-8"), filename=str(file)).body
    *classes, function = names
    for name in classes:
        found = [n for n in body if isinstance(n, ast.ClassDef) and n.name == name]
        if not found or not name.startswith("Test"):
            return False
        body = found[0].body
    return function.startswith("test") and any(
        isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == function for n in body
    )


def problems(log: str, root: Path = ROOT) -> list[str]:
    """Everything wrong with a hazard log, one line each: none when it is honest."""
    found = hazards(log)
    if not found:
        return ["The hazard log has no hazards: no '## H<n>: <title>' headings."]
    wrong = []
    numbers = [hazard.number for hazard in found]
    if numbers != list(range(1, len(found) + 1)):
        wrong.append(f"Hazard numbers must be unique and run 1, 2, 3 in order: {numbers}.")
    for hazard in found:
        if not any(named_tests(control) for control in hazard.controls):
            wrong.append(f"{hazard} has no control in the software that names a test.")
        for control in hazard.controls:
            if control.startswith(PROCESS) == bool(named_tests(control)):
                wrong.append(
                    f"{hazard}: a control must either name a test or begin '{PROCESS}' "
                    f"and name none: {control}"
                )
        wrong.extend(
            f"{hazard} names {node_id}, which does not exist."
            for node_id in hazard.tests
            if not resolves(node_id, root)
        )
    return wrong


def test_every_hazard_is_controlled_by_tests_that_exist() -> None:
    wrong = problems(HAZARD_LOG.read_text(encoding="utf-8"))
    assert not wrong, "\n".join(wrong)


def test_a_test_that_does_not_exist_is_reported() -> None:
    log = """
## H1: A made-up hazard

### Controls

- The software does something.
  `tests/test_hazard_log.py::test_that_does_not_exist`,
  `tests/test_hazard_log.py::test_a_test_that_does_not_exist_is_reported`
- Process: people are trained.
"""
    assert problems(log) == [
        "H1 (A made-up hazard) names tests/test_hazard_log.py::test_that_does_not_exist, "
        "which does not exist."
    ]


def test_gaps_in_numbering_and_controls_without_tests_are_reported() -> None:
    log = """
## H1: Only a process

### Controls

- Process: people are trained.
- The software does something, but names no test.

## H3: Numbered after a gap

### Controls

- Tested. `tests/test_hazard_log.py::test_gaps_in_numbering_and_controls_without_tests_are_reported`
"""
    assert problems(log) == [
        "Hazard numbers must be unique and run 1, 2, 3 in order: [1, 3].",
        "H1 (Only a process) has no control in the software that names a test.",
        "H1 (Only a process): a control must either name a test or begin 'Process:' and "
        "name none: The software does something, but names no test.",
    ]
    assert problems("# No hazards here") == [
        "The hazard log has no hazards: no '## H<n>: <title>' headings."
    ]
