"""SLA arithmetic of the support desk: business calendars, business time and ticket SLA clocks.

Pure functions only; every instant taken or returned is a timezone-aware datetime, returned in UTC.
"""

from cspdesk.support.sla.business_calendar import (
    WEEKDAY_NAMES,
    BusinessCalendar,
    CalendarDict,
    CalendarError,
    OpeningInterval,
)
from cspdesk.support.sla.business_time import (
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    business_time_between,
    is_open,
    next_open,
)
from cspdesk.support.sla.ticket_clocks import (
    EventKind,
    SlaState,
    SlaTargets,
    TicketEvent,
    TicketStatus,
    compute_sla,
)

__all__ = [
    "WEEKDAY_NAMES",
    "BusinessCalendar",
    "CalendarDict",
    "CalendarError",
    "EventKind",
    "OpeningInterval",
    "SlaState",
    "SlaTargets",
    "TicketEvent",
    "TicketStatus",
    "add_business_minutes",
    "add_business_time",
    "business_minutes_between",
    "business_time_between",
    "compute_sla",
    "is_open",
    "next_open",
]
