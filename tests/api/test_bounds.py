"""Values the database cannot hold are refused at the edge with a problem naming the field."""

from tests.partners.helpers import make_key


async def test_ids_beyond_the_column_type_are_422(client, session):
    admin = await make_key(session, None, "admin")
    await session.commit()
    for url, field in (
        ("/partners/2147483648", "partner_id"),
        ("/ledger/leaves/9223372036854775808", "leaf_index"),
        ("/ledger/proofs/inclusion?leaf_index=9223372036854775808&tree_size=1", "leaf_index"),
        ("/ledger/proofs/consistency?first=1&second=9223372036854775808", "second"),
    ):
        response = await client.get(url, headers=admin)
        assert response.status_code == 422, (url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in response.text


async def test_control_characters_in_partner_text_are_422(client, session):
    admin = await make_key(session, None, "admin")
    await session.commit()
    body = {"legal_name": "Acme\x00 Pharma", "kind": "wholesaler", "city": "Lyon"}
    response = await client.post("/partners", json=body, headers=admin)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("/validation")
    assert "legal_name" in response.text
    listed = await client.get("/partners", headers=admin)
    assert "Acme" not in listed.text  # nothing half-written


async def test_nul_in_a_url_parameter_is_422(client, session):
    admin = await make_key(session, None, "admin", "query")
    await session.commit()
    for url, field in (("/events?EQ_bizLocation=%00", "EQ_bizLocation"),
                       ("/units/urn:epc:id:sgtin:0312345.060011.%00", "identifier")):
        response = await client.get(url, headers=admin)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["field"] == field
