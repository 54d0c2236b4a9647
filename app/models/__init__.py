"""SQLAlchemy models; importing this package registers every table on ``Base.metadata``."""

from app.models.adverse import AdverseEvent
from app.models.base import Base
from app.models.cases import (
    Case,
    CaseHistory,
    CaseLink,
    CaseStatus,
    ConfirmationLink,
    FollowUp,
    Pathway,
    RetentionPolicy,
    VaultAccess,
    VaultKey,
    VaultRecord,
)
from app.models.coldchain import ColdChainAlert, TemperatureReading
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
from app.models.outbox import OutboxMessage, OutboxStatus
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
from app.models.receiving import (
    Receiving,
    ReceivingException,
    ReceivingLine,
    ReceivingScan,
)
from app.models.shipments import (
    CaseUnit,
    Shipment,
    ShipmentCase,
    ShipmentEvent,
    ShipmentStatus,
    SsccAllocation,
    SsccCounter,
)
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
    "AdverseEvent",
    "ColdChainAlert",
    "TemperatureReading",
    "TraceReason",
    "TraceRequest",
    "TraceResponse",
    "ApiKey",
    "AuditEntry",
    "AuditRecord",
    "Base",
    "CaptureJob",
    "Case",
    "CaseHistory",
    "CaseLink",
    "CaseStatus",
    "ConfirmationLink",
    "FollowUp",
    "Pathway",
    "RetentionPolicy",
    "VaultAccess",
    "VaultKey",
    "VaultRecord",
    "CaseUnit",
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
    "OutboxMessage",
    "OutboxStatus",
    "PartnerAgent",
    "PartnerGln",
    "PartnerKind",
    "Product",
    "RawDocument",
    "Recall",
    "RecallLot",
    "Receiving",
    "ReceivingException",
    "ReceivingLine",
    "ReceivingScan",
    "Scan",
    "ScanStation",
    "Shipment",
    "ShipmentCase",
    "ShipmentEvent",
    "ShipmentStatus",
    "SsccAllocation",
    "SsccCounter",
    "StaffRole",
    "StaffUser",
    "TradingPartner",
    "Unit",
    "UnitStatus",
    "Verification",
    "VrsEvidence",
    "VrsRoute",
]
