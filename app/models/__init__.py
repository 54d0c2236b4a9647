"""SQLAlchemy models; importing this package registers every table on ``Base.metadata``."""

from app.models.base import Base
from app.models.events import (
    CaptureJob,
    EpcisEvent,
    EpcRole,
    EventEpc,
    EventParty,
    EventReference,
    JobStatus,
    RawDocument,
)
from app.models.ledger import (
    CustodyHop,
    LedgerCheckpoint,
    LedgerLeaf,
    LedgerNode,
    LedgerState,
)
from app.models.operations import ApiKey, AuditEntry, CustodyException, Scan
from app.models.partners import (
    CompanyPrefix,
    Licence,
    Location,
    PartnerAgent,
    PartnerGln,
    PartnerKind,
    TradingPartner,
)
from app.models.products import Lot, Product
from app.models.provenance import AuditRecord, TraceReason, TraceRequest, TraceResponse
from app.models.staff import ScanStation, StaffRole, StaffUser
from app.models.suspect import (
    EntryKind,
    Investigation,
    InvestigationEntry,
    InvestigationUnit,
    Recall,
    RecallLot,
)
from app.models.units import Unit, UnitStatus
from app.models.vrs import Verification, VrsEvidence, VrsRoute

__all__ = [
    "TraceReason",
    "TraceRequest",
    "TraceResponse",
    "ApiKey",
    "AuditEntry",
    "AuditRecord",
    "Base",
    "CaptureJob",
    "CompanyPrefix",
    "CustodyException",
    "CustodyHop",
    "EntryKind",
    "EpcRole",
    "EpcisEvent",
    "EventEpc",
    "EventParty",
    "EventReference",
    "JobStatus",
    "Investigation",
    "InvestigationEntry",
    "InvestigationUnit",
    "LedgerCheckpoint",
    "LedgerLeaf",
    "LedgerNode",
    "LedgerState",
    "Licence",
    "Location",
    "Lot",
    "PartnerAgent",
    "PartnerGln",
    "PartnerKind",
    "Product",
    "RawDocument",
    "Recall",
    "RecallLot",
    "Scan",
    "ScanStation",
    "StaffRole",
    "StaffUser",
    "TradingPartner",
    "Unit",
    "UnitStatus",
    "Verification",
    "VrsEvidence",
    "VrsRoute",
]
