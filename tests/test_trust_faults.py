"""docs/fault-table.md is the fault table of tests/trust_faults.py, and every row is injected."""

from __future__ import annotations

from pathlib import Path

from trust_faults import DOC, FAULTS, render_table

TESTS = Path(__file__).parent


def test_the_documented_table_is_this_table() -> None:
    assert render_table() in DOC.read_text(encoding="utf-8"), (
        "regenerate the table: python tests/trust_faults.py"
    )


def test_every_row_is_injected_by_the_test_module_it_names() -> None:
    for row in FAULTS:
        source = (TESTS / row.test).read_text(encoding="utf-8")
        assert f'fault("{row.id}")' in source or f'("{row.id}"' in source, row.id


def test_every_fail_open_item_of_the_issue_has_rows() -> None:
    assert {row.item for row in FAULTS} == set(range(1, 9))
    assert len({row.id for row in FAULTS}) == len(FAULTS)


def test_the_security_page_counts_this_table() -> None:
    page = (DOC.parent / "security.md").read_text(encoding="utf-8")
    count = len(FAULTS)
    assert f"fail-open items (exit 1, 2 or 3) | {count} | {count} | 0 |" in page
    assert f"{count} faults across every step, 0 passes" in page.replace("\n  ", " ")
