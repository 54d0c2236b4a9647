"""A subject-access export (GDPR art. 15) as PDF (fpdf2, core fonts). Pure; CPU-bound, so
callers run it in a worker thread."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF


def _latin(value: Any) -> str:
    return str("-" if value in (None, "") else value).encode("latin-1", "replace").decode("latin-1")


def render(export: dict[str, Any]) -> bytes:
    """The export as a PDF: the case, the patient's details, documents and access log.

    >>> render({"exported_at": "now", "case": {"ref": "CASE-1"}, "patient": None,
    ...         "documents": [], "access_log": []})[:5]
    b'%PDF-'
    """
    pdf = FPDF(format="A4")
    pdf.set_title(f"Subject-access export, case {export['case'].get('ref')}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, "Personal data held - subject-access export (GDPR art. 15)",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 6, _latin(f"Exported {export['exported_at']}"), new_x="LMARGIN", new_y="NEXT")

    def section(title: str, pairs: list[tuple[str, Any]]) -> None:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=9)
        for label, value in pairs:
            pdf.set_font("Helvetica", "B", 9)
            pdf.cell(55, 5, _latin(label))
            pdf.set_font("Helvetica", size=9)
            pdf.multi_cell(0, 5, _latin(value), new_x="LMARGIN", new_y="NEXT")

    section("Case", [(k.replace("_", " "), v) for k, v in export["case"].items()])
    patient = export.get("patient") or {}
    section("Patient", [(k.replace("_", " "), v) for k, v in patient.items()] or
            [("", "no patient details held")])
    section("Documents", [(d["kind"], f"{d['filename']} ({d['media_type']}, {d['size']} bytes, "
                           f"sha256 {d['sha256'][:16]}...)") for d in export["documents"]] or
            [("", "none")])
    section("Who accessed this data", [(a["at"], f"{a['actor']}: {a['action']}")
                                       for a in export["access_log"]] or [("", "no one")])
    return bytes(pdf.output())
