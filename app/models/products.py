"""Products (trade items by GTIN) and their lots."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Float, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Product(Base):
    """A trade item: what DSCSA transaction information names."""

    __tablename__ = "products"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    ndc: Mapped[str] = mapped_column(String(13), index=True)
    proprietary_name: Mapped[str] = mapped_column(String(200))
    strength: Mapped[str | None] = mapped_column(String(100))
    dosage_form: Mapped[str | None] = mapped_column(String(100))
    container_size: Mapped[str | None] = mapped_column(String(100))
    manufacturer_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    manufacturer_name: Mapped[str] = mapped_column(String(200))
    company_prefix_length: Mapped[int] = mapped_column(SmallInteger)
    storage_low_c: Mapped[float | None] = mapped_column(Float)  # labelled storage range, °C
    storage_high_c: Mapped[float | None] = mapped_column(Float)
    excursion_budget_minutes: Mapped[int | None]  # time allowed outside it, over the chain


class Lot(Base):
    """A lot of a product, with its expiry date."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("gtin", "lot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gtin: Mapped[str] = mapped_column(ForeignKey("products.gtin"))
    lot: Mapped[str] = mapped_column(String(20))
    expiry: Mapped[date]
