"""Cold chain: readings from the GS1 sensor examples and loggers, excursions, MKT, the chart."""

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from app.coldchain.chart import svg
from app.coldchain.evaluate import StorageRange, assess, assess_legs
from app.coldchain.readings import Reading, ReadingError, from_csv, from_event, from_json
from epcis.read import read_document
from tests.corpus import corpus_path

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FRIDGE = StorageRange(2.0, 8.0, timedelta(minutes=30))


def series(*celsius: float, minutes: int = 10) -> list[Reading]:
    return [Reading(T0 + timedelta(minutes=minutes * i), c) for i, c in enumerate(celsius)]


def readings_of(path) -> list[Reading]:
    return [r for e in read_document(path).events for r in from_event(e)]


def test_the_gs1_sensor_examples_read_alike_in_json_ld_and_xml():
    base = ("epcis", "gs1-EPCIS")
    jsonld = readings_of(corpus_path(*base, "epcis-2.0-jsonld", "WithSensorData",
                                     "SensorDataExample1.jsonld"))
    assert [(r.time.isoformat(), r.celsius) for r in jsonld[:3]] == [
        ("2019-04-02T14:05:00+01:00", 26.0), ("2019-04-02T14:35:00+01:00", 26.1),
        ("2019-04-02T14:55:00+01:00", 26.2)]
    xml = readings_of(corpus_path(*base, "epcis-2.0-xml", "WithSensorData",
                                  "SensorDataExamples.xml"))
    assert [r.celsius for r in xml[:3]] == [26.0, 26.1, 26.2]
    # An interval summary (min 26.0, max 26.2, mean 26.1) keeps its extremes.
    summary = next(r for r in xml if r.low is not None)
    assert (summary.low, summary.celsius, summary.high) == (26.0, 26.1, 26.2)


def _event(reports: list[dict], metadata: dict | None = None) -> bytes:
    element = {"sensorReport": reports} | ({"sensorMetadata": metadata} if metadata else {})
    return json.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-12-01T08:00:00Z",
        "epcisBody": {"eventList": [{
            "type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-12-01T08:00:00Z",
            "eventTimeZoneOffset": "+00:00", "epcList": ["urn:epc:id:sscc:0370002.0000000017"],
            "bizStep": "sensor_reporting", "sensorElementList": [element]}]}}).encode()


def test_the_older_mt_spelling_fahrenheit_and_kelvin_are_read_and_other_types_ignored():
    doc = _event([{"type": "gs1:MT-Temperature", "value": 41, "uom": "FAH"},
                  {"type": "gs1:Temperature", "value": 280.15, "uom": "KEL",
                   "time": "2026-12-01T08:05:00Z"},
                  {"type": "gs1:RelativeHumidity", "value": 40, "uom": "A93"}])
    got = [(r.time.minute, r.celsius) for r in readings_of(doc)]
    assert got == [(0, 5.0), (5, 7.0)]


def test_a_temperature_in_a_unit_we_cannot_convert_is_named():
    # (Values that are not finite doubles never get here: the EPCIS readers refuse them.)
    with pytest.raises(ReadingError) as caught:
        readings_of(_event([{"type": "gs1:Temperature", "value": 5, "uom": "XYZ"}]))
    assert (caught.value.where, caught.value.expected, caught.value.found) == (
        "sensorElementList[0].sensorReport[0].value.uom", "CEL, FAH or KEL", "XYZ")


def test_logger_files_in_csv_and_json_with_their_errors_at_the_line():
    rows = "Time,Temperature,uom\n2026-12-01T08:00:00Z,4.5,CEL\n2026-12-01T08:10:00Z,50,FAH\n"
    assert [r.celsius for r in from_csv(rows)] == [4.5, 10.0]
    with pytest.raises(ReadingError, match=r"line 3\.value: expected a number, got 'warm'"):
        from_csv("time,temperature\n2026-12-01T08:00:00Z,4\n2026-12-01T08:10:00Z,warm\n")
    with pytest.raises(ReadingError, match="line 1: expected a header with time and temperature"):
        from_csv("when,degrees\n")
    with pytest.raises(ReadingError, match=r"line 2\.time: expected an ISO 8601 time with a zone"):
        from_csv("time,temperature\n2026-12-01 08:00,4\n")
    with pytest.raises(ReadingError, match=r"\$\[1\]\.value: expected a finite number"):
        from_json('[{"time": "2026-12-01T08:00:00Z", "value": 4},'
                  ' {"time": "2026-12-01T08:10:00Z", "value": "NaN"}]')
    with pytest.raises(ReadingError, match=r"\$\[0\]\.value: expected a number, got True"):
        from_json('[{"time": "2026-12-01T08:00:00Z", "value": true}]')
    with pytest.raises(ReadingError, match="line 1 column 2: expected JSON"):
        from_json("[oops")


def test_time_outside_the_range_is_counted_by_the_interval_each_reading_holds():
    got = assess(series(5, 5, 9, 10, 5, 1, 5), FRIDGE)
    assert got.outside == timedelta(minutes=30)  # 9 and 10 hold 20 minutes, 1 holds 10
    assert [(e.start.minute, e.end.minute, e.lowest, e.highest) for e in got.excursions] == [
        (20, 40, 9, 10), (50, 0, 1, 1)]
    assert (got.within_budget, got.verdict) == (True, "excursion-within-budget")
    assert assess(series(5, 9, 9, 9, 9, 5), FRIDGE).verdict == "excursion"  # 40 minutes
    assert assess(series(5, 6, 7), FRIDGE).verdict == "ok"
    assert assess([], FRIDGE).verdict == "no-data"


def test_the_budget_is_shared_across_the_legs_of_the_chain():
    first, second = series(5, 9, 9, 5), series(5, 5, 9, 9, 5)  # 20 minutes outside each
    assert assess(first, FRIDGE).within_budget and assess(second, FRIDGE).within_budget
    whole = assess_legs([first, second], FRIDGE)
    assert (whole.outside, whole.legs, whole.verdict) == (timedelta(minutes=40), 2, "excursion")


def test_a_gap_in_the_logger_is_reported_not_counted_either_way():
    readings = [Reading(T0, 5), Reading(T0 + timedelta(minutes=10), 12),
                Reading(T0 + timedelta(hours=5), 5)]
    got = assess(readings, FRIDGE, max_gap=timedelta(hours=1))
    assert got.gaps == ((T0 + timedelta(minutes=10), T0 + timedelta(hours=5)),)
    assert got.outside == timedelta(0) and len(got.excursions) == 1


def test_an_interval_whose_minimum_left_the_range_counts_whole():
    cold = Reading(T0, 4.0, low=1.0, high=6.0)
    got = assess([cold, Reading(T0 + timedelta(minutes=45), 5)], FRIDGE)
    assert (got.outside, got.lowest, got.verdict) == (timedelta(minutes=45), 1.0, "excursion")


def test_mean_kinetic_temperature_follows_usp_1160():
    assert assess(series(5, 5, 5), FRIDGE).mkt == 5.0
    # Equal time at 20 and 30 degrees: T_k = (dH/R) / -ln(mean(exp(-dH/(R*T)))).
    half = (math.exp(-10000 / 293.15) + math.exp(-10000 / 303.15)) / 2
    expected = round(10000 / -math.log(half) - 273.15, 2)
    got = assess([Reading(T0, 20), Reading(T0 + timedelta(hours=1), 30),
                  Reading(T0 + timedelta(hours=2), 30)], StorageRange(15, 25))
    assert got.mkt == expected and 25 < got.mkt < 30  # above the arithmetic mean, as USP says
    assert assess_legs([series(20, 20), series(20, 20)], StorageRange(15, 25)).mkt == 20.0


def test_the_chart_marks_the_range_and_each_excursion_in_words_not_colour_alone():
    readings = series(5, 9, 5, 1, 5)
    drawn = svg(readings, FRIDGE, assess(readings, FRIDGE), title="Shipment 7")
    root = etree.fromstring(drawn.encode())
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert titles[0] == "Shipment 7" and "storage range 2 to 8 °C" in titles
    assert [t for t in titles if t.startswith("excursion")] == [
        "excursion 1: 2026-12-01 08:10 to 08:20, 9 to 9 °C",
        "excursion 2: 2026-12-01 08:30 to 08:40, 1 to 1 °C"]
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"E1", "E2"} <= set(labels)
    assert "href" not in drawn and "<script" not in drawn
    assert "No temperature readings" in svg([], FRIDGE, assess([], FRIDGE))


def test_the_command_assesses_each_file_as_a_leg_and_exits_by_the_verdict(tmp_path):
    from tests.process import custody

    first = tmp_path / "truck.csv"
    first.write_text("time,temperature\n2026-12-01T08:00:00Z,5\n2026-12-01T08:10:00Z,9.5\n"
                     "2026-12-01T08:30:00Z,5\n")
    second = tmp_path / "flight.json"
    second.write_text('[{"time": "2026-12-02T08:00:00Z", "value": 41, "uom": "FAH"},'
                      ' {"time": "2026-12-02T08:10:00Z", "value": 50, "uom": "FAH"},'
                      ' {"time": "2026-12-02T08:30:00Z", "value": 41, "uom": "FAH"}]')
    chart = tmp_path / "chart.svg"
    alone = custody("coldchain", "assess", str(first), "--budget", "30")
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.startswith("excursion-within-budget: 20 min outside 2..8 °C")
    both = custody("coldchain", "assess", str(first), str(second), "--budget", "30",
                   "--svg", str(chart), "--json")
    assert both.returncode == 1
    report = json.loads(both.stdout)
    assert (report["verdict"], report["minutesOutside"], report["legs"]) == ("excursion", 40, 2)
    assert len(report["excursions"]) == 2 and chart.read_text().count("<title>excursion") == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("time,temperature\n2026-12-01T08:00:00Z,hot\n")
    refused = custody("coldchain", "assess", str(bad))
    assert refused.returncode == 2
    assert refused.stderr.strip() == "error: line 2.value: expected a number, got 'hot'"


def test_a_reading_of_0_c_is_drawn_inside_the_chart():
    from app.coldchain.chart import BOTTOM, HEIGHT, TOP

    readings = series(5, 0, 5)  # 0 °C is a reading like any other, not "none"
    root = etree.fromstring(svg(readings, FRIDGE, assess(readings, FRIDGE)).encode())
    line = next(root.iter("{http://www.w3.org/2000/svg}polyline"))
    ys = [float(p.split(",")[1]) for p in line.get("points").split()]
    assert all(TOP <= y <= HEIGHT - BOTTOM for y in ys), ys  # between the plot's top and bottom
