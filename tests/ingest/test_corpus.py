"""The GS1 US guideline's DSCSA shipment (EPCIS 1.2 with SBDH and master data) end to end."""

from sqlalchemy import func, select

from app.ingest.worker import run_once
from app.models import Unit
from app.models.partners import PartnerKind
from app.world.partners import gln
from tests.corpus import corpus_path
from tests.ingest.test_dscsa_capture import partner
from tests.partners.helpers import make_key

PHARMA = ("epcis", "openepcis-test-resources", "1.2", "EPCIS", "XML", "Capture", "Documents",
          "GS1_US_Pharma_Example_2_2_1_1.xml")


async def test_gs1_us_pharma_example_ships_every_unit_to_the_buyer(client, session, sessions):
    body = corpus_path(*PHARMA).read_bytes()
    # Licensed on the example's transaction date (2023-04-01), as a shipment's parties must be.
    seller = await partner(session, "GS1 Pharma", gln("030001111111"), PartnerKind.MANUFACTURER,
                           prefixes=("030001",))
    buyer = await partner(session, "GS1 Drug Distributor", gln("039999999999"))
    headers = await make_key(session, seller.id, "capture", "query")
    await session.commit()
    posted = await client.post("/capture", content=body,
                               headers={**headers, "Content-Type": "application/xml"})
    assert posted.status_code == 202, posted.text
    job = await run_once(sessions)
    assert (job.status, job.event_count, job.errors) == ("succeeded", 8, [])
    statuses = dict((await session.execute(
        select(Unit.status, func.count()).where(Unit.destination_id == buyer.id).group_by(Unit.status)
    )).all())
    # 1 pallet, 3 cases on it, 12 items in them: in transit to the buyer, held by the seller
    # until the buyer's receiving event.
    assert statuses == {"shipped": 16}
    held = await session.scalar(select(func.count()).where(Unit.custodian_id == seller.id))
    assert held == 16
    pallet = (await client.get("/units/urn:epc:id:sscc:030001.41234567890", headers=headers)).json()
    assert (pallet["contents"], [h["kind"] for h in pallet["chain"]]) == (3, ["commission", "ship"])
