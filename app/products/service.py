"""Product reads."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound, ValidationFailed
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


async def set_storage(session: AsyncSession, gtin: str, low: float | None, high: float | None,
                      budget_minutes: int | None) -> Product:
    """Set (or, with no range, clear) the product's storage range and excursion budget."""
    product = await get_product(session, gtin)
    if (low is None) != (high is None):
        raise ValidationFailed("storage range: expected both storage_low_c and storage_high_c, "
                               "or neither", field="storage_high_c" if high is None
                               else "storage_low_c")
    if low is not None and high is not None and low >= high:
        raise ValidationFailed(f"storage range {low:g}..{high:g}: expected low below high",
                               field="storage_high_c", found=high)
    product.storage_low_c, product.storage_high_c = low, high
    product.excursion_budget_minutes = None if low is None else (budget_minutes or 0)
    await session.flush()
    return product
