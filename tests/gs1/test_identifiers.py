"""gs1.identifiers against EPC Tag Data Standard examples and exact error texts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gs1.errors import GS1Error
from gs1.identifiers import (
    AI82,
    EpcKey,
    epc_key_from_ais,
    gtin_to_ndc10,
    lgtin_uri,
    ndc11,
    ndc_to_gtin,
    parse_epc_uri,
    pgln_uri,
    sgln_uri,
    sgtin_uri,
    sscc_uri,
    validate_gtin,
)

# (EPC URI, element string HRI, Digital Link) triples; the URI/HRI pairs are the TDS examples.
VECTORS = [
    ("urn:epc:id:sgtin:0614141.812345.6789", "(01)80614141123458(21)6789",
     "https://id.gs1.org/01/80614141123458/21/6789"),
    ("urn:epc:id:sscc:0614141.1234567890", "(00)106141412345678908",
     "https://id.gs1.org/00/106141412345678908"),
    ("urn:epc:id:sgln:0614141.12345.5678", "(414)0614141123452(254)5678",
     "https://id.gs1.org/414/0614141123452/254/5678"),
    ("urn:epc:id:sgln:0614141.12345.0", "(414)0614141123452",
     "https://id.gs1.org/414/0614141123452"),
    ("urn:epc:id:pgln:0614141.12345", "(417)0614141123452",
     "https://id.gs1.org/417/0614141123452"),
    ("urn:epc:class:lgtin:4012345.012345.998877", "(01)04012345123456(10)998877",
     "https://id.gs1.org/01/04012345123456/10/998877"),
    ("urn:epc:id:sgtin:0312345.067890.A%2FB%25C", "(01)00312345678906(21)A/B%C",
     "https://id.gs1.org/01/00312345678906/21/A%2FB%25C"),
    ("urn:epc:id:sgtin:012345678901.0.7", "(01)00123456789012(21)7",
     "https://id.gs1.org/01/00123456789012/21/7"),
]


@pytest.mark.parametrize(("uri", "hri", "link"), VECTORS)
def test_uri_hri_and_digital_link_agree(uri, hri, link):
    key = parse_epc_uri(uri)
    assert (key.uri, key.hri, key.digital_link()) == (uri, hri, link)


def test_builders_match_parsed_keys():
    assert sgtin_uri("80614141123458", "6789", 7) == VECTORS[0][0]
    assert sscc_uri("106141412345678908", 7) == VECTORS[1][0]
    assert sgln_uri("0614141123452", 7, "5678") == VECTORS[2][0]
    assert sgln_uri("0614141123452", 7, "0") == VECTORS[3][0]
    assert pgln_uri("0614141123452", 7) == VECTORS[4][0]
    assert lgtin_uri("4012345123456", "998877", 7) == VECTORS[5][0]
    assert sgtin_uri("312345678906", "A/B%C", 7) == VECTORS[6][0]


def test_element_string_puts_separator_only_after_variable_fields():
    key = parse_epc_uri("urn:epc:id:sgln:0614141.12345.5678")
    assert key.element_string() == "41406141411234522545678"
    assert epc_key_from_ais({"01": "80614141123458", "21": "6789"}, 7).element_string("|") == (
        "0180614141123458216789"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: validate_gtin("0061414111111"), "GTIN '0061414111111': expected check digit 9"
         " at position 13, got 1"),
        (lambda: validate_gtin("1234567"),
         "GTIN '1234567': expected 8, 12, 13 or 14 digits, got 7"),
        (lambda: parse_epc_uri("urn:epc:id:sgtin:0614141.81234.6789"),
         "EPC URI 'urn:epc:id:sgtin:0614141.81234.6789': expected company prefix and reference"
         " to have 13 digits together, got 12"),
        (lambda: parse_epc_uri("urn:epc:id:sgtin:06141x1.812345.6789"),
         "EPC URI 'urn:epc:id:sgtin:06141x1.812345.6789': expected a digit at position 23,"
         " got 'x'"),
        (lambda: parse_epc_uri("urn:epc:id:sscc:0614141.1234567890.1"),
         "EPC URI 'urn:epc:id:sscc:0614141.1234567890.1': expected 2 dot-separated fields after"
         " 'urn:epc:id:sscc:', got 3"),
        (lambda: parse_epc_uri("urn:epc:id:sgtin:0614141.812345.a/b"),
         "serial 'a/b': character '/' at position 2 is not allowed in an EPC URI (GS1 character"
         " set 82, with \" % & / < > ? percent-escaped)"),
        (lambda: parse_epc_uri("urn:epc:id:sgtin:12345.81234567.1"),
         "EPC URI 'urn:epc:id:sgtin:12345.81234567.1': expected a company prefix of 6 to 12"
         " digits, got 5"),
        (lambda: sgtin_uri("80614141123458", "x" * 21, 7),
         "serial 'xxxxxxxxxxxxxxxxxxxxx': expected 1 to 20 characters, got 21"),
        (lambda: sgtin_uri("80614141123458", "1", 13),
         "company prefix length: expected 6 to 12, got 13"),
        (lambda: sscc_uri("106141412345678909", 7),
         "SSCC '106141412345678909': expected check digit 8 at position 18, got 9"),
        (lambda: ndc11("12345-678-9"),
         "NDC '12345-678-9': expected segmentation 4-4-2, 5-3-2 or 5-4-1, got 5-3-1"),
    ],
)
def test_error_texts(call, message):
    with pytest.raises(GS1Error) as err:
        call()
    assert str(err.value) == message


def test_escaped_character_outside_ai82_points_at_its_percent_sign():
    with pytest.raises(GS1Error) as err:
        parse_epc_uri("urn:epc:id:sgtin:0614141.812345.ab%20c")
    assert (str(err.value), err.value.position) == (
        "serial 'ab%20c': character ' ' at position 3 is not allowed in an EPC URI (GS1"
        " character set 82, with \" % & / < > ? percent-escaped)", 3)


def test_error_points_at_position():
    with pytest.raises(GS1Error) as err:
        parse_epc_uri("urn:epc:id:sgtin:06141x1.812345.6789")
    assert err.value.position == 23
    assert "urn:epc:id:sgtin:06141x1.812345.6789"[22] == "x"


def test_ndc_forms():
    assert gtin_to_ndc10("50312345678901") == "1234567890"
    assert gtin_to_ndc10("00614141111114") is None
    assert [ndc11("1234567890", s) for s in ("4-4-2", "5-3-2", "5-4-1")] == [
        "01234567890", "12345067890", "12345678900"]
    assert ndc11("50090-2875-1") == "50090287501"
    assert ndc_to_gtin("50090-2875-1") == "00350090287516"
    assert gtin_to_ndc10(ndc_to_gtin("5009028751", "5")) == "5009028751"


def test_epc_key_rejects_unknown_kind():
    with pytest.raises(GS1Error, match="EPC kind 'grai': expected"):
        EpcKey("grai", 7)  # type: ignore[arg-type]


@given(
    body=st.text("0123456789", min_size=13, max_size=13),
    cpl=st.integers(6, 12),
    serial=st.text(sorted(AI82), min_size=1, max_size=20),
)
def test_sgtin_round_trip(body, cpl, serial):
    from gs1.checkdigit import check_digit

    gtin = body + check_digit(body)
    uri = sgtin_uri(gtin, serial, cpl)
    key = parse_epc_uri(uri)
    assert (key.gtin, key.serial, key.company_prefix_length, key.uri) == (gtin, serial, cpl, uri)


def test_fast_paths_accept_exactly_the_characters_the_slow_paths_do():
    from gs1.identifiers import _AI82_PLAIN, _URI_ESCAPE, _URI_PLAIN, AI82

    chars = [chr(i) for i in range(0x3000)]
    assert {c for c in chars if _AI82_PLAIN.fullmatch(c)} == set(AI82)
    assert {c for c in chars if _URI_PLAIN.fullmatch(c)} == set(AI82) - set(_URI_ESCAPE)
