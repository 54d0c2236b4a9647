"""One GS1 key, one unit: brand ownership is the company prefixes a partner holds.

Written as the abuser would: another partition of a brand owner's GTIN, another spelling of
its serial, an SSCC under another company's prefix.
"""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.models import Unit
from app.models import UnitStatus as S
from app.world.partners import gln
from tests.ingest.chain import (
    MFG,
    WHOLESALER,
    commission,
    document,
    pack,
    receive,
    sgtin,
    ship,
    sscc,
)
from tests.ingest.test_rules import capture, rejected, units
from tests.partners.helpers import WHOLESALER_GLN, chain_partners, make_key, make_partner

SHORT = "urn:epc:id:sgtin:031234.0560011.S4"  # 00312345600112 S4 through a 6-digit partition
LONG = "urn:epc:id:sgtin:0312345.060011.S4"  # the same GTIN and serial as the owner names it
MISMATCH = (f"{SHORT} has company prefix 031234 (6 digits) but its GTIN is under company "
            f"prefix 0312345 (7 digits); expected {LONG}")


async def test_a_gtin_and_serial_is_one_unit_whatever_the_partition(client, session, sessions):
    p = await chain_partners(session)
    mfg = p["mfg"][1]
    job = await capture(client, sessions, mfg, document(commission([LONG])))
    assert job["status"] == "succeeded", job["errors"]
    for event in (commission([SHORT], minutes=1), ship([SHORT], MFG, WHOLESALER)):
        assert await rejected(client, session, sessions, mfg, event) == [
            (0, "COMPANY_PREFIX_MISMATCH", MISMATCH)]
    # Another spelling of the serial (S%34 is S4) names the same unit too.
    assert await rejected(client, session, sessions, mfg,
                          commission(["urn:epc:id:sgtin:0312345.060011.S%34"], minutes=2)) == [
        (0, "ALREADY_COMMISSIONED", "unit urn:epc:id:sgtin:0312345.060011.S4 is already commissioned")]
    assert await units(session) == {LONG: (S.COMMISSIONED, p["mfg"][0], None)}


async def test_a_neighbour_prefix_cannot_commission_the_brand_owners_gtin(client, session, sessions):
    """GLN 0312340000007 once owned every truncation of itself, 031234 among them."""
    await chain_partners(session)
    squatter = await make_partner(session, "Squatter", gln("031234000000"), prefixes=("0312340",))
    key = await make_key(session, squatter.id, "capture")
    await session.commit()
    assert await rejected(client, session, sessions, key, commission([SHORT])) == [
        (0, "COMPANY_PREFIX_MISMATCH", MISMATCH)]
    assert await rejected(client, session, sessions, key, commission([LONG])) == [
        (0, "NOT_BRAND_OWNER", f"{squatter.glns[0].gln} does not own company prefix 0312345 of "
                               f"{LONG}; only the brand owner or its agent commissions it")]
    assert await units(session) == {}


async def test_a_partners_glns_own_no_prefix(client, session, sessions):
    """Without prefixes or sites, a GLN under the brand owner's digits owns nothing."""
    lookalike = await make_partner(session, "Lookalike", gln("031234500001"))
    key = await make_key(session, lookalike.id, "capture")
    await session.commit()
    assert await rejected(client, session, sessions, key, commission([LONG])) == [
        (0, "NOT_BRAND_OWNER", f"{lookalike.glns[0].gln} does not own company prefix 0312345 of "
                               f"{LONG}; only the brand owner or its agent commissions it")]


async def test_the_database_holds_each_gs1_key_once(session):
    p = await chain_partners(session)
    twins = [Unit(identifier=x, kind="sgtin", gtin="00312345600112", serial="S4",
                  status=S.COMMISSIONED, custodian_id=p["mfg"][0]) for x in (LONG, SHORT)]
    session.add_all(twins)
    with pytest.raises(IntegrityError):
        await session.flush()
    await session.rollback()
    for name in (sscc(1), "urn:epc:id:sscc:031234.05000000001"):
        session.add(Unit(identifier=name, kind="sscc", sscc="003123450000000011",
                         status=S.COMMISSIONED, custodian_id=p["mfg"][0]))
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_an_sscc_is_created_only_under_the_creators_prefix(client, session, sessions):
    """A wholesaler once packed into the manufacturer's next SSCC; the owner then got
    NOT_CUSTODIAN on its own case."""
    p = await chain_partners(session)
    mfg, wh = p["mfg"][1], p["wholesaler"][1]
    items = [sgtin(n) for n in range(1, 5)]
    job = await capture(client, sessions, mfg, document(
        commission(items), ship(items[:2], MFG, WHOLESALER)))
    assert job["status"] == "succeeded", job["errors"]
    job = await capture(client, sessions, wh, document(receive(items[:2], WHOLESALER)))
    assert job["status"] == "succeeded", job["errors"]
    assert await rejected(client, session, sessions, wh, pack(sscc(7), items[:2], where=WHOLESALER,
                                                              minutes=5)) == [
        (0, "NOT_BRAND_OWNER", f"{WHOLESALER_GLN} does not own company prefix 0312345 of "
                               f"{sscc(7)}; only the brand owner or its agent creates it")]
    job = await capture(client, sessions, mfg, document(pack(sscc(7), items[2:], minutes=6)))
    assert job["status"] == "succeeded", job["errors"]
    own = "urn:epc:id:sscc:0360001.0000000007"  # under the wholesaler's own prefix
    job = await capture(client, sessions, wh, document(pack(own, items[:2], where=WHOLESALER,
                                                            minutes=7)))
    assert job["status"] == "succeeded", job["errors"]
    held = await units(session)
    assert (held[sscc(7)], held[own]) == ((S.COMMISSIONED, p["mfg"][0], None),
                                          (S.COMMISSIONED, p["wholesaler"][0], None))
    row = await session.scalar(select(Unit).where(Unit.identifier == own))
    assert row.sscc == "003600010000000073"
