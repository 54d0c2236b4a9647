"""HTTP: products."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import SessionDep
from app.errors import NotFound
from app.products import repository
from app.products.schemas import ProductOut

router = APIRouter(prefix="/products", tags=["products"])


@router.get("", summary="List products")
async def list_products(session: SessionDep) -> list[ProductOut]:
    return [ProductOut.model_validate(p) for p in await repository.list_products(session)]


@router.get("/{gtin}", summary="One product by GTIN-14")
async def get_product(gtin: str, session: SessionDep) -> ProductOut:
    product = await repository.get_product(session, gtin)
    if product is None:
        raise NotFound(f"no product with GTIN {gtin!r}", field="gtin", expected="a known GTIN-14")
    return ProductOut.model_validate(product)
