"""Scanner text parsing: wedge separators, symbology ids, HRI, Digital Link, exact errors."""

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gs1.checkdigit import check_digit
from gs1.errors import GS1Error
from gs1.identifiers import AI82
from scanners import ProductIdentifier, parse_product, parse_text
from tests.corpus import corpus_path

EXPECTED = ProductIdentifier(gtin="00312345678906", serial="SN-42/7", lot="LOT5",
                             expiry=date(2027, 2, 28))


@pytest.mark.parametrize("symbology", ["", "]d2", "]C1", "]e0", "]Q3"])
@pytest.mark.parametrize("sep", ["\x1d", "|", "~", "^", "#", "@"])
def test_wedge_strings_with_every_separator_style(symbology, sep):
    text = f"{symbology}010031234567890621SN-42/7{sep}10LOT5{sep}17270200"
    product = parse_product(text, separators=sep)
    assert product == EXPECTED
    assert (product.symbology, product.raw) == (symbology or None, text)


def test_gs_still_separates_when_a_substitute_is_configured():
    assert parse_product("010031234567890621SN-42/7\x1d10LOT5|17270200", "|") == EXPECTED


def test_enter_and_tab_from_the_scanner_are_ignored():
    assert parse_product("]d2010031234567890621SN-42/7\x1d10LOT5\x1d17270200\r\n") == EXPECTED
    assert parse_product("\t(01)00312345678906(21)SN-42/7(10)LOT5(17)270200\t") == EXPECTED


def test_leading_trailing_and_doubled_separators_are_ignored():
    assert parse_product("]d2\x1d010031234567890621SN-42/7\x1d\x1d10LOT5\x1d17270200\x1d") == (
        EXPECTED)


@pytest.mark.parametrize(
    "text",
    [
        "(01)00312345678906(21)SN-42/7(10)LOT5(17)270200",
        "(01) 00312345678906 (17) 270228 (10) LOT5 (21) SN-42/7",
        "(01)00312345678906(21)SN-42/7(10)LOT5(17)270228",
    ],
)
def test_hri(text):
    assert parse_product(text) == EXPECTED


@pytest.mark.parametrize(
    "text",
    [
        "https://id.example/01/00312345678906/10/LOT5/21/SN-42%2F7?17=270200",
        "https://id.gs1.org/01/00312345678906/21/SN-42%2F7?10=LOT5&17=270228&linkType=x",
        "HTTP://example.com/some/prefix/01/312345678906/10/LOT5/21/SN-42%2F7?17=270200",
        "]Q1https://id.example/01/00312345678906/10/LOT5/21/SN-42%2F7?17=270200#frag",
    ],
)
def test_digital_link(text):
    assert parse_product(text) == EXPECTED


def test_round_trips_through_every_text_form():
    for text in (EXPECTED.element_string(), EXPECTED.element_string("|"), EXPECTED.hri,
                 EXPECTED.digital_link("https://x.example")):
        assert parse_product(text, "|") == EXPECTED


def test_derived_forms():
    assert EXPECTED.ndc10 == "1234567890"
    assert EXPECTED.ndc11("4-4-2") == "01234567890"
    assert EXPECTED.epc(7).uri == "urn:epc:id:sgtin:0312345.067890.SN-42%2F7"
    assert EXPECTED.digital_link() == (
        "https://id.gs1.org/01/00312345678906/10/LOT5/21/SN-42%2F7?17=270228")
    assert EXPECTED.to_json() == {
        "symbology": None, "raw": None, "gtin": "00312345678906", "serial": "SN-42/7",
        "lot": "LOT5", "expiry": "2027-02-28", "ndc": "1234567890", "sscc": None}
    assert ProductIdentifier.from_epc_uri(EXPECTED.epc(7).uri) == ProductIdentifier(
        gtin="00312345678906", serial="SN-42/7")


def test_sscc_and_non_us_gtin():
    sscc = parse_product("]C100106141412345678908")
    assert (sscc.sscc, sscc.gtin, sscc.ndc10, sscc.symbology) == (
        "106141412345678908", None, None, "]C1")
    assert sscc.epc(7).uri == "urn:epc:id:sscc:0614141.1234567890"
    assert parse_product("0104012345123456").ndc10 is None


def test_day_00_is_last_day_of_month_and_century_window():
    assert parse_product("(01)00312345678906(17)280200").expiry == date(2028, 2, 29)
    assert parse_product("(01)00312345678906(17)991231").expiry == date(1999, 12, 31)
    assert parse_product("(01)00312345678906(17)751231").expiry == date(2075, 12, 31)


ERRORS = [
    ("", "'': expected a GS1 element string, HRI or Digital Link, got nothing"),
    ("]d2", "']d2': expected a GS1 element string, HRI or Digital Link, got nothing"),
    ("01003123456789072112",
     "'01003123456789072112': AI (01) GTIN check digit at position 16: expected 6, got 7"),
    ("]d2010031234567890621ABC\x1d9Z",
     "']d2010031234567890621ABC\\x1d9Z': application identifier at position 26: expected a"
     " known GS1 AI, got '9Z'"),
    ("01003123456789061726130",
     "'01003123456789061726130': AI (17) value at position 19: expected 6 characters, got 5"),
    ("0100312345678906172613011",
     "'0100312345678906172613011': AI (17) month at position 21: expected 01 to 12, got 13"),
    ("010031234567890617270230",
     "'010031234567890617270230': AI (17) day at position 23: expected 00 to 28 for 2027-02,"
     " got 30"),
    ("0100312345678906211234567890123456789012310LOT",
     "'0100312345678906211234567890123456789012310LOT': AI (21) value at position 19: expected"
     " at most 20 characters, got 28 (missing separator?)"),
    ("010031234567890621AB C",
     "'010031234567890621AB C': AI (21) character at position 21: expected GS1 character set"
     " 82, got ' '"),
    ("0100312345678A06",
     "'0100312345678A06': AI (01) character at position 14: expected a digit, got 'A'"),
    ("(01)00312345678906(21)",
     "'(01)00312345678906(21)': AI (21) value at position 23: expected a value, got nothing"),
    ("(1)15210526", "'(1)15210526': HRI at position 1: expected '(AI)' with a known GS1 AI,"
     " got '(1)152'"),
    ("(10)L1(21)S1", "'(10)L1(21)S1': expected AI (01) GTIN or (00) SSCC, got (10), (21)"),
    ("(01)00312345678906(21)A(21)B",
     "'(01)00312345678906(21)A(21)B': AI (21) at position 24: expected one value, got 'A' and"
     " 'B'"),
    ("https://id.example/foo/123",
     "'https://id.example/foo/123': Digital Link path: expected a primary key such as"
     " /01/{gtin} or /00/{sscc}, got none"),
    ("https://id.example/01/00312345678906/99x/1",
     "'https://id.example/01/00312345678906/99x/1': Digital Link segment at position 38:"
     " expected a known GS1 AI, got '99x'"),
    ("https://id.example/01/00312345678906?17=261301",
     "'https://id.example/01/00312345678906?17=261301': AI (17) month at position 43: expected"
     " 01 to 12, got 13"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_each_error_text(text, message):
    with pytest.raises(GS1Error) as err:
        parse_product(text)
    assert str(err.value) == message


def test_error_position_points_at_the_character():
    for text, _ in ERRORS:
        with pytest.raises(GS1Error) as err:
            parse_product(text)
        if err.value.position is not None:
            assert 1 <= err.value.position <= len(text) + 1, text  # len + 1: at the end


def test_direct_construction_validates():
    with pytest.raises(GS1Error, match="^product identifier: expected a GTIN or an SSCC"):
        ProductIdentifier(serial="1")
    with pytest.raises(GS1Error, match="^lot 'a b': character ' ' at position 2"):
        ProductIdentifier(gtin="00312345678906", lot="a b")


# --- cross-check with the biip test tables (corpus) ------------------------------------

def _biip(file: str, test: str) -> list:
    data = json.loads(corpus_path("barcodes", "biip-gs1-test-cases.json").read_text())
    return [c for group in data["files"][f"tests/{file}"][test] for c in group["cases"]]


def _hri(scan) -> str:
    return "".join(f"({e.ai}){e.value}" for e in scan.elements)


def test_biip_messages_with_separator_chars():
    cases = _biip("test_gs1_messages.py", "test_parse_with_separator_char")
    cases += [[v, ["\x1d"], hri] for v, hri in
              _biip("test_gs1_messages.py", "test_parse_ignores_redundant_separator_chars")]
    cases += [[v, ["\x1d"], hri] for v, hri in _biip("test_gs1_messages.py", "test_as_hri")]
    assert len(cases) == 9
    for value, seps, hri in cases:
        assert _hri(parse_text(value, "".join(seps))) == hri, value


def test_biip_unparsable_leftovers_are_errors_here_too():
    for value, _ in _biip("test_gs1_messages.py", "test_parse_fails_if_unparsed_data_left"):
        with pytest.raises(GS1Error):
            parse_text(value)


def test_biip_hri_and_digital_links():
    for value, expected in _biip("test_gs1_messages.py", "test_parse_hri"):
        pairs = [(e["ai"]["ai"], e["value"]) for e in expected["element_strings"]["_args"][0]]
        assert [(e.ai, e.value) for e in parse_text(value).elements] == pairs
    for value, hri in _biip("test_gs1_digital_link_uris.py", "test_as_gs1_message"):
        assert _hri(parse_text(value)) == hri
    for value in _biip("test_gs1_messages.py", "test_parse_hri_fails_if_not_starting_with_parenthesis"):
        if value != "17221231":  # a valid element string here; biip's HRI parser refuses it
            with pytest.raises(GS1Error):
                parse_text(value)


def test_biip_dates():
    cases = _biip("test_gs1_element_strings.py", "test_extract_handles_zero_day_as_last_day_of_month")
    cases += [c[:2] for c in _biip("test_gs1_element_strings.py", "test_extract_date_and_datetime")
              if c[0][:2] in ("11", "12", "13", "15", "16", "17")]
    assert len(cases) == 9
    for value, iso in cases:
        assert parse_text(value).elements[0].as_date == date.fromisoformat(iso), value
    for ai, bad in _biip("test_gs1_element_strings.py", "test_extract_fails_with_invalid_date"):
        with pytest.raises(GS1Error):
            parse_text(ai + bad)


# --- properties ---------------------------------------------------------------------------

@given(
    body=st.text("0123456789", min_size=13, max_size=13),
    serial=st.text(sorted(AI82), min_size=1, max_size=20),
    lot=st.none() | st.text(sorted(AI82), min_size=1, max_size=20),
    expiry=st.none() | st.dates(date(1977, 1, 1), date(2075, 12, 31)),
    sep=st.sampled_from(["\x1d", "|", "~", "^", "#"]),
    symbology=st.sampled_from(["", "]d2", "]C1", "]Q3"]),
)
def test_every_text_form_parses_back(body, serial, lot, expiry, sep, symbology):
    product = ProductIdentifier(gtin=body + check_digit(body), serial=serial, lot=lot,
                                expiry=expiry)
    assert parse_product(symbology + product.element_string(sep), sep) == product
    assert parse_product(product.digital_link("https://x.example")) == product
    if "(" not in serial + (lot or ""):  # HRI cannot carry "(AI)"-like text unambiguously
        assert parse_product(product.hri) == product


@given(st.text(max_size=60))
def test_arbitrary_text_never_raises_anything_but_gs1error(text):
    try:
        parse_product(text, "|")
    except GS1Error as err:
        assert str(err).startswith(repr(text.rstrip("\r\n\t")) + ": ")
