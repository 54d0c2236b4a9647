"""Trading partners: GLNs, their sites and the specs that onboard them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.models import PartnerKind
from app.partners.service import LicenceSpec, LocationSpec, PartnerSpec
from gs1.checkdigit import check_digit
from gs1.identifiers import sgln_uri

COMPANY_PREFIX_LENGTH = 7


def gln(body12: str) -> str:
    """A 13-digit GLN from its first 12 digits.

    >>> gln("031234500000")
    '0312345000004'
    """
    return body12 + check_digit(body12)


def sgln(gln13: str) -> str:
    """The SGLN (EPC URI, no extension) of the site a GLN identifies.

    >>> sgln("0312345000004")
    'urn:epc:id:sgln:0312345.00000.0'
    """
    return sgln_uri(gln13, COMPANY_PREFIX_LENGTH)


@dataclass(frozen=True)
class Party:
    """A trading partner with one GLN and one licence; ``site_name`` names its GLN's site.

    Without ``prefixes`` it holds the GS1 Company Prefix its site encodes (none without a site).
    """

    legal_name: str
    kind: PartnerKind
    gln: str
    licence: LicenceSpec
    site_name: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str = "US"
    prefixes: tuple[str, ...] = ()

    @property
    def sgln(self) -> str:
        """The SGLN of its site, where its events happen."""
        return sgln(self.gln)

    def spec(self, **details: Any) -> PartnerSpec:
        """The spec that onboards it; ``details`` (exception_policy, agent_for ...) are added."""
        sites = (LocationSpec(self.sgln, self.site_name),) if self.site_name else ()
        return PartnerSpec(**{
            "legal_name": self.legal_name,
            "kind": self.kind,
            "glns": (self.gln,),
            "prefixes": self.prefixes,
            "licences": (self.licence,),
            "locations": sites,
            "street": self.street,
            "city": self.city,
            "state": self.state,
            "postal_code": self.postal_code,
            "country": self.country,
            **details,
        })
