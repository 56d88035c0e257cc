"""Pages of the policy domain: console (editor, forecast, exposure, per customer) and portal (status, policy)."""

from __future__ import annotations

from cspdesk.policy import pages_console, pages_portal

# Two routers (console and portal, each with CSRF checks); the application includes each as it is.
routers = [pages_console.router, pages_portal.router]
