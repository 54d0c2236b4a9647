"""Product reads."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.models import Product
from app.products import repository


async def list_products(session: AsyncSession) -> list[Product]:
    """Every product by GTIN."""
    return await repository.list_products(session)


async def get_product(session: AsyncSession, gtin: str) -> Product:
    """The product with ``gtin``."""
    product = await repository.get_product(session, gtin)
    if product is None:
        raise NotFound(f"no product with GTIN {gtin!r}", field="gtin", expected="a known GTIN-14")
    return product
