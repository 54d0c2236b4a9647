"""Form FDA 3911 drafts as PDF: one page of field names and values (fpdf2, core fonts).

Pure: a draft (:func:`app.investigations.service.form_3911`) in, PDF bytes out. It renders
CPU-bound, so callers run it in a worker thread.
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

LABELS = {
    "type_of_report": "Type of report", "incident_number": "Incident number",
    "date_of_initial_notification": "Date of initial notification",
    "date_of_determination": "Date of determination", "classification": "Classification",
    "name_of_product": "Name of product (as on label)", "primary_ingredients": "Primary ingredient(s)",
    "drug_use": "Drug use", "drug_description": "Drug description", "strength": "Strength",
    "dosage_form": "Dosage form", "quantity": "Quantity", "ndc": "NDC",
    "serial_numbers": "Serial number(s)", "lot_numbers": "Lot number(s)",
    "expiration_dates": "Expiration date(s)", "description_of_event": "Description of event",
    "reason_for_termination": "Reason for termination",
    "other_channels_used": "Other channels used", "company_name": "Company name",
    "company_address": "Company address", "contact": "Contact",
}


def _text(value: Any) -> str:
    """A field value as one line of Latin-1 text (what the PDF core fonts can show)."""
    if value is None or value == [] or value == {}:
        text = "-"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict) and "number" in value:
        text = f"{value['number']} x {value.get('unit')}"
    elif isinstance(value, dict):
        text = ", ".join(str(v) for v in value.values() if v)
    else:
        text = str(value)
    return text.encode("latin-1", "replace").decode("latin-1")


def render(draft: dict[str, Any]) -> bytes:
    """The draft as a PDF: a heading with the notification deadline, then each field.

    >>> render({"investigation": 1, "deadline": None, "overdue": False,
    ...         "fields": {"type_of_report": "initial"}})[:5]
    b'%PDF-'
    """
    pdf = FPDF(format="Letter")
    pdf.set_title(f"Form FDA 3911 draft, investigation {draft['investigation']}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, "Form FDA 3911 - DRAFT (not submitted)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    due = draft.get("deadline")
    line = f"Investigation {draft['investigation']}"
    if due:
        line += f"; notify FDA and trading partners by {due}"
        line += " - OVERDUE" if draft.get("overdue") else ""
    pdf.cell(0, 8, _text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for name, value in draft["fields"].items():
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(65, 6, _text(LABELS.get(name, name)))
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
