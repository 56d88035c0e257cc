"""What runs beside the demo web server: a Partner Center simulator mirroring the demo's subscriptions, and the
outbox worker carrying out emails and Partner Center calls."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from sqlalchemy import select

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.microsoft.partner_center.simulator import (
    DEFAULT_SIM_TOKEN,
    SimulatorState,
    run_simulator_in_thread,
)
from cspdesk.models.customer import Customer
from cspdesk.models.subscription import Subscription

TERM_OF = {"P1M": "P1M", "P1Y": "P1Y", "P3Y": "P3Y"}


@dataclass(frozen=True)
class Running:
    settings: Settings
    stop: Callable[[], None]
    mail_folder: Path


def _mirror(database: Database, state: SimulatorState) -> int:
    """Every demo customer and subscription exists at the simulated Partner Center with the same ids and status."""
    with database.unit_of_work() as session:
        customers = session.execute(select(Customer)).unique().scalars().all()
        for customer in customers:
            tenant = str(customer.tenant_id)
            state.add_customer(
                {
                    "id": tenant,
                    "companyProfile": {
                        "tenantId": tenant,
                        "domain": customer.primary_domain,
                        "companyName": customer.name,
                    },
                    "relationshipToPartner": "reseller",
                }
            )
        subscriptions = session.execute(select(Subscription)).unique().scalars().all()
        for sub in subscriptions:
            state.add_subscription(
                str(sub.customer.tenant_id),
                {
                    "id": sub.microsoft_id,
                    "offerId": sub.offer_id,
                    "offerName": sub.product_name,
                    "friendlyName": sub.product_name,
                    "quantity": sub.quantity,
                    "unitType": sub.unit_type,
                    "status": sub.status,
                    "autoRenewEnabled": sub.auto_renew,
                    "termDuration": TERM_OF.get(sub.term or "", ""),
                },
            )
        return len(subscriptions)


class _MailFolder:
    """An SMTP sink for the demo: every message the worker sends lands as an .eml file to open and read."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        (self.folder / f"{uuid.uuid4().hex}.eml").write_bytes(content)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_demo_services(database: Database, settings: Settings) -> Running:
    """Start the simulator, an SMTP sink and a worker thread; returns settings that point cspdesk at them."""
    from cspdesk.jobs.worker import Worker

    state = SimulatorState()
    _mirror(database, state)
    base_url, stop_simulator = run_simulator_in_thread(state)
    mail_folder = settings.data_dir / "demo-mail"
    smtp = Controller(_MailFolder(mail_folder), hostname="127.0.0.1", port=_free_port())
    smtp.start()
    live = settings.model_copy(
        update={
            "partner_center_mode": "auto",
            "partner_center_base_url": base_url,
            "partner_center_static_token": DEFAULT_SIM_TOKEN,
            "worker_poll_seconds": 2.0,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_user": None,
            "smtp_password": None,
            "smtp_starttls": False,
        }
    )
    stop_worker = threading.Event()
    worker = Worker(database, live)
    thread = threading.Thread(target=worker.run_forever, args=(stop_worker,), name="cspdesk-worker", daemon=True)
    thread.start()

    def stop() -> None:
        stop_worker.set()
        thread.join(timeout=10)
        stop_simulator()
        smtp.stop()

    return Running(settings=live, stop=stop, mail_folder=mail_folder)
