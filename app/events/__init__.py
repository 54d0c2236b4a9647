"""Query: EPCIS events a partner may see (EPCIS 2.0 REST binding, ``GET /events``)."""
