"""ISO 18626 code lists as data, per schema version.

Closed lists are the XSD enumerations: a value outside them is refused when it arrives
(with the errorType the standard gives it) and reported by ``check()`` before sending.
The version's own list decides what we may send; what we accept is the union of both
versions, because a peer that labels its messages 1.2 but already speaks 2021 codes
(HoldReturn) is better understood than refused.

Open lists (reasonUnfilled, reasonRetry, loanCondition, ...) are the values the ISO 18626
Maintenance Agency registers; peers may send others, so they are never enforced. They are
here for forms and labels. Their scheme URIs are left out: no peer we have seen sends
them, and a guessed URI would be worse than none.
"""

NAMESPACE = "http://illtransactions.org/2013/iso18626"
VERSIONS = ("1.2", "2021-2")
V1_2, V2021_2 = VERSIONS

CodeList = dict[str, tuple[str, ...]]  # version -> values

# Version labels seen on the wire that mean one of ours: the 2014 schemas (1.0, 1.1) are
# read as 1.2, which only added optional elements; 2021-1 and its working name 1.3 as 2021-2,
# which only corrected 2021-1's mistakes.
VERSION_ALIASES = {
    "1.0": V1_2,
    "1.1": V1_2,
    "1.2": V1_2,
    "1.3": V2021_2,
    "2021": V2021_2,
    "2021-1": V2021_2,
    "2021-2": V2021_2,
}

SCHEMA_FILES = {V1_2: "ISO-18626-v1_2.xsd", V2021_2: "ISO-18626-2021-2.xsd"}

MESSAGE_KINDS = ("request", "supplyingAgencyMessage", "requestingAgencyMessage")
CONFIRMATION_KINDS = {
    "request": "requestConfirmation",
    "supplyingAgencyMessage": "supplyingAgencyMessageConfirmation",
    "requestingAgencyMessage": "requestingAgencyMessageConfirmation",
}

ERROR_TYPES = (
    "UnsupportedActionType",
    "UnsupportedReasonForMessageType",
    "UnrecognisedDataElement",
    "UnrecognisedDataValue",
    "BadlyFormedMessage",
)
MESSAGE_STATUSES = ("OK", "ERROR")

_STATUSES_1_2 = (
    "RequestReceived",
    "ExpectToSupply",
    "WillSupply",
    "Loaned",
    "Overdue",
    "Recalled",
    "RetryPossible",
    "Unfilled",
    "CopyCompleted",
    "LoanCompleted",
    "CompletedWithoutReturn",
    "Cancelled",
)
STATUS: CodeList = {
    V1_2: _STATUSES_1_2,
    V2021_2: (*_STATUSES_1_2, "HoldReturn", "ReleaseHoldReturn"),
}

_ACTIONS_1_2 = (
    "StatusRequest",
    "Received",
    "Cancel",
    "Renew",
    "ShippedReturn",
    "ShippedForward",
    "Notification",
)
ACTION: CodeList = {V1_2: _ACTIONS_1_2, V2021_2: (*_ACTIONS_1_2, "HoldReturn", "Lost")}

_REASONS = (
    "RequestResponse",
    "StatusRequestResponse",
    "RenewResponse",
    "CancelResponse",
    "StatusChange",
    "Notification",
)
REASON_FOR_MESSAGE: CodeList = {V1_2: _REASONS, V2021_2: _REASONS}

REQUEST_TYPE: CodeList = {V1_2: ("New", "Retry", "Reminder"), V2021_2: ("New", "Retry", "Reminder")}
_SUB_TYPES = (
    "BookingRequest",
    "MultipleItemRequest",
    "PatronRequest",
    "TransferRequest",
    "SupplyingLibrarysChoice",
)
REQUEST_SUB_TYPE: CodeList = {V1_2: _SUB_TYPES, V2021_2: _SUB_TYPES}
SERVICE_TYPE: CodeList = {
    V1_2: ("Copy", "Loan", "CopyOrLoan"),
    V2021_2: ("Copy", "Loan", "CopyOrLoan"),
}
PREFERRED_EDITION: CodeList = {
    V1_2: (),
    V2021_2: ("MostRecentEdition", "ThisEdition", "AnyEdition"),
}

# 1.2 allows at most three requestSubType elements; 2021-2 any number.
MAX_REQUEST_SUB_TYPES = {V1_2: 3, V2021_2: None}


def accepted(code_list: CodeList) -> frozenset[str]:
    """Every value any version allows: what we accept from a peer."""
    return frozenset(value for values in code_list.values() for value in values)


# Open lists (ISO 18626 Maintenance Agency registrations).
REASON_UNFILLED = (
    "NonCirculating",
    "NotAvailableForILL",
    "NotHeld",
    "NotOnShelf",
    "PolicyProblem",
    "PoorCondition",
)
REASON_RETRY = (
    "AtBindery",
    "CostExceedsMaxCost",
    "CourierNotSupp",
    "MultiVolAvail",
    "MustMeetLoanCondition",
    "NotCurrentAvailableForILL",
    "NotFoundAsCited",
    "OnLoan",
    "OnOrder",
    "ReqDelDateNotPossible",
    "ReqDelMethodNotSupp",
    "ReqEditionNotPossible",
    "ReqFormatNotPossible",
    "ReqPayMethodNotSupported",
    "ReqServLevelNotSupp",
    "ReqServTypeNotPossible",
)
LOAN_CONDITION = (
    "LibraryUseOnly",
    "NoReproduction",
    "SignatureRequired",
    "SpecCollSupervReq",
    "WatchLibraryUseOnly",
)
DELIVERY_METHOD = ("ArticleExchange", "Courier", "Email", "FTP", "Mail", "Odyssey", "URL")
PAYMENT_METHOD = (
    "BankTransfer",
    "CreditCard",
    "DebitCard",
    "EFTS",
    "IBS",
    "IFLAVoucher",
    "IFM",
    "IIBS",
    "LAPS",
    "Paypal",
)
SERVICE_LEVEL = ("Express", "Normal", "Rush", "SecondaryMail", "Standard", "Urgent")
ITEM_FORMAT = (
    "CassetteTape",
    "CD",
    "CD-ROM",
    "Daisy-ROM",
    "DVD",
    "EPUB",
    "EPUB2",
    "EPUB3",
    "JPEG",
    "LargePrint",
    "LP",
    "Microform",
    "MP3",
    "Multimedia",
    "PaperCopy",
    "PDF",
    "Printed",
    "Tape",
    "TIFF",
    "UltraHD",
    "VHS",
)
