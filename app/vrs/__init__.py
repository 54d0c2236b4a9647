"""Verification of product identifiers (GS1 Lightweight Messaging, GS1 US DSCSA VRS R1.3).

Responder: this instance answers for the GTINs its operator (or a brand owner it is agent
for) owns, from ledger state, and keeps each answer as evidence in the Merkle log.
Requester: it asks other brand owners' responders through a routing table.
"""
