"""`custody epcis ...` through Typer's CliRunner on the sub-app."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from app.commands.epcis import app
from epcis.model import Document
from epcis.read import read_document
from epcis.write import write_document
from tests.corpus import corpus_path
from tests.epcis.test_write import dscsa_document, t

runner = CliRunner()


def pharma():
    return corpus_path("epcis", "openepcis-test-resources", "1.2", "EPCIS", "XML", "Capture", "Documents",
                       "GS1_US_Pharma_Example_2_2_1_1.xml")


def invalid_action():
    return corpus_path("epcis", "openepcis-test-resources", "2.0", "EPCIS", "XML", "Capture", "Invalid",
                       "ObjectEvent_with_invalid_action.xml")


def test_validate_complete_shipment_exits_0():
    result = runner.invoke(app, ["validate", str(pharma())])
    assert result.exit_code == 0
    assert result.output == f"{pharma()}: 8 events, 0 errors, 0 warnings\n"


def test_validate_lists_findings_one_per_line_and_exits_1(tmp_path):
    doc = Document("1.2", creation_date=t("2023-04-01T08:45:16+00:00"), events=dscsa_document().events)
    path = tmp_path / "bare.xml"
    path.write_bytes(write_document(doc, "1.2-xml"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == ("warning: document, gs1ushc:guidelineVersion: GUIDELINE_VERSION_MISSING: the header "
                        "names no GS1 US guideline version (R1.2 or R1.3); read as R1.2")
    assert lines[1] == ("error: event 2, EPCClass/regulatedProductName: TI_MISSING_PRODUCT_NAME: no product "
                        "name (regulatedProductName) in master data for 00300010123455")
    assert lines[-1] == f"{path}: 3 events, 7 errors, 2 warnings"
    assert lines[6] == ("error: event 2, sourceList: TI_SELLER_ADDRESS_MISSING: no Location or Party master "
                        "data for the seller urn:epc:id:sgln:030001.111111.0")
    as_json = json.loads(runner.invoke(app, ["validate", "--json", str(path)]).output)
    assert as_json["valid"] is False
    assert [f["code"] for f in as_json["findings"]] == [
        "GUIDELINE_VERSION_MISSING", "TI_MISSING_PRODUCT_NAME", "TI_MISSING_STRENGTH", "TI_MISSING_DOSAGE_FORM",
        "TI_MISSING_CONTAINER_SIZE", "TI_MISSING_MANUFACTURER", "TI_SELLER_ADDRESS_MISSING",
        "TI_BUYER_ADDRESS_MISSING", "TS_MISSING"]


def test_validate_warns_where_capture_accepts():
    # Capture stores an event with a bizStep CBV does not define (no rule applies to it), and
    # nothing else: validate warns, and exits 0 as capture accepts.
    path = corpus_path("epcis", "openepcis-test-resources", "2.0", "EPCIS", "JSON", "Capture", "Invalid",
                       "ObjectEvent_with_non_standard_bizStep.json")
    result = runner.invoke(app, ["validate", str(path)])
    assert (result.exit_code, result.output.splitlines()[0]) == (0, (
        "warning: event 0, bizStep: CBV_UNKNOWN_BIZSTEP: urn:epcglobal:cbv:bizstep:transforming is not "
        "a CBV 2.0 bizStep"))
    assert result.output.splitlines()[-1].endswith(": 1 events, 0 errors, 2 warnings")


def test_unreadable_input_is_one_line_with_position_and_exit_2():
    result = runner.invoke(app, ["validate", str(invalid_action())])
    assert result.exit_code == 2
    assert result.output == ("error: event 0, line 12: bad action [field action]; expected ADD, OBSERVE or "
                             "DELETE, got 'CREATE'\n")
    result = runner.invoke(app, ["validate", "--json", str(invalid_action())])
    assert result.exit_code == 2
    assert json.loads(result.output) == {"error": {
        "message": "bad action", "field": "action", "expected": "ADD, OBSERVE or DELETE", "found": "CREATE",
        "line": 12, "event_index": 0}}


def test_missing_file_exits_2_without_traceback(tmp_path):
    result = runner.invoke(app, ["dscsa", str(tmp_path / "nope.xml")])
    assert result.exit_code == 2
    assert result.output == f"error: cannot read the file: No such file or directory ({tmp_path / 'nope.xml'})\n"


def test_json_error_names_the_pointer(tmp_path):
    path = tmp_path / "bad.jsonld"
    path.write_text(json.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-01-01T00:00:00Z",
        "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "yesterday",
                                     "eventTimeZoneOffset": "+00:00", "action": "ADD", "epcList": []}]}}))
    result = runner.invoke(app, ["validate", "--json", str(path)])
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["pointer"] == "/epcisBody/eventList/0/eventTime"


@pytest.mark.parametrize("fmt", ["1.2-xml", "2.0-xml", "2.0-jsonld"])
def test_convert_keeps_the_meaning(fmt, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["convert", str(pharma()), "--to", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    source, converted = read_document(pharma()), read_document(out)
    assert converted.events == source.events
    assert converted.master_data == source.master_data


def test_convert_to_stdout_and_bad_format():
    result = runner.invoke(app, ["convert", str(pharma()), "--to", "2.0-jsonld"])
    assert result.exit_code == 0
    assert json.loads(result.stdout_bytes)["epcisBody"]["eventList"][7]["bizStep"] == "shipping"
    assert runner.invoke(app, ["convert", str(pharma()), "--to", "3.0-xml"]).exit_code == 2


def test_dscsa_json_gives_the_ti_and_ts():
    result = runner.invoke(app, ["dscsa", "--json", str(pharma())])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["findings"] == []
    (tx,) = data["transactions"]
    assert tx["seller"]["address"]["name"] == "GS1 Pharma"
    assert tx["products"][0]["number_of_containers"] == 12
    assert (tx["products"][0]["lots"], tx["products"][0]["expiries"]) == (["A123"], ["2025-03-27"])
    text = runner.invoke(app, ["dscsa", str(pharma())]).output.splitlines()
    assert text[3] == "  12 x Epcistra 100mg PILL NDC 0001-0123-45 lots A123 expiry 2025-03-27"
    assert tx["statement"]["affirmed"] is True


def test_hash_streams_events_in_document_order():
    hashing = pytest.importorskip("epcis.hashing", reason="the event hash module lands separately")
    path = pharma()
    result = runner.invoke(app, ["hash", "--json", str(path)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["index"] for r in rows] == list(range(8))
    assert all(re.fullmatch(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0", r["eventHash"]) for r in rows)
    # The command is plumbing: the same hashes, in document order, as the library gives.
    assert [r["eventHash"] for r in rows] == [hashing.event_hash(e) for e in read_document(path).events]
    text = runner.invoke(app, ["hash", str(path)]).output.splitlines()
    assert text[7] == f"7\t{rows[7]['eventHash']}"


def test_hash_of_unreadable_input_exits_2():
    pytest.importorskip("epcis.hashing", reason="the event hash module lands separately")
    result = runner.invoke(app, ["hash", str(invalid_action())])
    assert result.exit_code == 2
    assert result.output.startswith("error: event 0, line 12: bad action")
