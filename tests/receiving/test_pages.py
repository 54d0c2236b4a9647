"""The receiving pages over HTTP without a browser: plain forms work with the session's CSRF
token and do nothing without it; the JSON API takes the session with ``X-CSRF-Token``."""

from __future__ import annotations

from app.staff import service as staff
from tests.receiving.stock import C1, IN_C1, dm, inbound, label
from tests.staff.helpers import PASSWORD, csrf_of, sign_in


async def signed_in(client, session) -> str:
    await staff.add_staff(session, "rita", "Rita Receiver", ["receiver"], PASSWORD, "test")
    await session.commit()
    assert (await sign_in(client, "rita", PASSWORD)).status_code == 303
    return csrf_of((await client.get("/receiving")).text)


async def test_forms_need_the_csrf_token_and_work_without_javascript(client, session, sessions):
    s = await inbound(client, session, sessions)
    assert (await client.get("/receiving")).status_code == 303  # signed out: to the sign-in
    token = await signed_in(client, session)
    listed = (await client.get("/receiving")).text
    assert "Start receiving" in listed and C1 not in listed  # the shipment names the pallet
    assert "<td>6</td>" in listed  # units inside, through the cases

    stale = await client.post("/receiving", data={"shipment": s.shipment, "csrf_token": "x"})
    assert stale.status_code == 403
    assert (await client.get("/receivings", headers=s.staff)).json() == []
    opened = await client.post("/receiving", data={"shipment": s.shipment, "csrf_token": token})
    assert opened.status_code == 303
    board = opened.headers["location"]

    refused = await client.post(f"{board}/scan", data={"text": label(C1), "csrf_token": ""})
    assert refused.status_code == 403
    done = await client.post(f"{board}/scan", data={"text": label(C1), "csrf_token": token})
    assert done.status_code == 201 and 'data-outcome="received"' in done.text
    assert "3 units as packed" in done.text
    bad = await client.post(f"{board}/scan", data={"text": "(01)123", "csrf_token": token})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    damaged = await client.post(f"{board}/scan", data={"text": dm(IN_C1[0]), "action": "damaged",
                                                      "csrf_token": token})
    assert "(marked damaged)" in damaged.text

    # The JSON API with the session cookie needs the token as a header.
    rid = int(board.rsplit("/", 1)[1])
    assert (await client.post(f"/receivings/{rid}/scans", json={"text": dm(IN_C1[1])})
            ).status_code == 403
    assert (await client.post(f"/receivings/{rid}/scans", json={"text": dm(IN_C1[1])},
                              headers={"X-CSRF-Token": token})).status_code == 201

    assert (await client.post(f"{board}/close", data={"csrf_token": "nope"})).status_code == 403
    closed = await client.post(f"{board}/close", data={"csrf_token": token, "investigate": "1"})
    assert closed.status_code == 303
    page = (await client.get(board)).text
    assert 'id="exceptions"' in page and "scan-text" not in page
    assert "damaged" in page and "shortage" in page
