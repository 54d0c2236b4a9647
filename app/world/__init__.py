"""Builders for a small DSCSA world: trading partners, products, EPCIS events and documents.

The demo (:mod:`app.demo`) and the tests compose these small functions, so a GLN, a
product's master data or a shipping event is written once. Each builder returns plain
values: :class:`~app.partners.service.PartnerSpec` and :class:`~app.models.Product` for
the records, :mod:`epcis.model` events and documents for what partners exchange.
"""
