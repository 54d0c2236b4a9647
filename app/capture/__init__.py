"""EPCIS capture: raw documents in, capture jobs out (EPCIS 2.0 REST binding)."""
