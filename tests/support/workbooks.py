"""Excel workbooks written in code (the diary reader's tests, the hostile corpus)."""

from __future__ import annotations

import io

import openpyxl


def xlsx(*sheets: tuple[str, list[list[object]]]) -> bytes:
    """A workbook with the given sheets (title, rows from A1), as openpyxl writes it."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
