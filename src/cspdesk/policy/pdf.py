"""The published policy as a PDF in the customer's language (WeasyPrint), generated from the document itself."""

from __future__ import annotations

from cspdesk.kit.i18n import gettext_for
from cspdesk.models.policy import PolicyVersion
from cspdesk.policy import service
from cspdesk.policy.wording import render_policy
from cspdesk.web.templating import TEMPLATE_DIR, templates


def policy_pdf(version: PolicyVersion, language: str, currency: str) -> bytes:
    """Render the version's rules in `language` with amounts in `currency` and print them to PDF."""
    from weasyprint import HTML

    rendered = render_policy(service.document_of(version), language, currency)
    translation = gettext_for(language)
    html = templates.get_template("policy/policy_pdf.html").render(
        {"policy": rendered, "version": version, "_": translation.gettext, "lang": language}
    )
    pdf: bytes = HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf()
    return pdf
