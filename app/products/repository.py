"""SQL for products."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Product


async def list_products(session: AsyncSession) -> list[Product]:
    """Every product by GTIN."""
    return list(await session.scalars(select(Product).order_by(Product.gtin)))


async def get_product(session: AsyncSession, gtin: str) -> Product | None:
    """The product with ``gtin``, or None."""
    return await session.get(Product, gtin)
