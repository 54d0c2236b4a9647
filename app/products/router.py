"""HTTP: products."""

from __future__ import annotations

from fastapi import APIRouter

from app.auth.deps import require
from app.auth.service import Caller
from app.coldchain import service as coldchain
from app.deps import SessionDep
from app.operator.deps import Staff
from app.products import service
from app.products.schemas import ProductOut, StorageIn

router = APIRouter(prefix="/products", tags=["products"])
QUERY = require("query", "regulator", "admin")


@router.get("", summary="List products")
async def list_products(session: SessionDep, _: Caller = QUERY) -> list[ProductOut]:
    return [ProductOut.model_validate(p) for p in await service.list_products(session)]


@router.get("/{gtin}", summary="One product by GTIN-14")
async def get_product(gtin: str, session: SessionDep, _: Caller = QUERY) -> ProductOut:
    return ProductOut.model_validate(await service.get_product(session, gtin))


@router.patch("/{gtin}", summary="Set a product's storage range and excursion budget (operator)")
async def set_storage(gtin: str, body: StorageIn, session: SessionDep, staff: Staff) -> ProductOut:
    product = await service.set_storage(session, gtin, body.storage_low_c, body.storage_high_c,
                                        body.excursion_budget_minutes)
    await coldchain.range_set(session, staff.actor, staff.operator)  # held readings, new range
    return ProductOut.model_validate(product)
