"""A faithful loopback simulator of im_get_push_report, for `pushwatch demo`, `pushwatch simulate` and tests.

    with Simulator(Campaign.generate(1000, seed=1), clock=ManualClock()) as sim:
        client = ReportClient(sim.url, sim.signer())
        sim.faults.once(Fault.error(90017))
        sim.clock.advance(30)
"""

from pushwatch.simulator.campaign import CHINA_TZ, Campaign, Clock, ManualClock, Task, generated_ids
from pushwatch.simulator.faults import Fault, FaultKind, FaultRule, Faults
from pushwatch.simulator.records import REDACTED, RequestLog, RequestRecord
from pushwatch.simulator.server import (
    API_PATH,
    DEMO_ADMIN,
    DEMO_SDKAPPID,
    DEMO_SECRET_KEY,
    QUERY_PARAMS,
    SIG_CODES,
    SigLockout,
    Simulator,
)

__all__ = [
    "API_PATH",
    "CHINA_TZ",
    "Campaign",
    "Clock",
    "DEMO_ADMIN",
    "DEMO_SDKAPPID",
    "DEMO_SECRET_KEY",
    "Fault",
    "FaultKind",
    "FaultRule",
    "Faults",
    "ManualClock",
    "QUERY_PARAMS",
    "REDACTED",
    "RequestLog",
    "RequestRecord",
    "SIG_CODES",
    "SigLockout",
    "Simulator",
    "Task",
    "generated_ids",
]
