"""Partner Center simulator: a FastAPI look-alike of the endpoints cspdesk uses, with fault injection.

Import everything from here; the simulator_* modules hold the parts.
"""

from .simulator_app import API_PREFIX, create_simulator_app
from .simulator_demo import seed_demo_state
from .simulator_faults import DEFAULT_FAULT_WEIGHTS, Fault, FaultInjector, FaultKind
from .simulator_server import run_simulator_in_thread
from .simulator_state import (
    DEFAULT_SIM_TOKEN,
    AppliedChange,
    LoggedRequest,
    SimApiError,
    SimSubscription,
    SimulatorState,
)

__all__ = [
    "API_PREFIX",
    "DEFAULT_FAULT_WEIGHTS",
    "DEFAULT_SIM_TOKEN",
    "AppliedChange",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "LoggedRequest",
    "SimApiError",
    "SimSubscription",
    "SimulatorState",
    "create_simulator_app",
    "run_simulator_in_thread",
    "seed_demo_state",
]
