from __future__ import annotations

from decimal import Decimal

import pydantic
import pytest

from cspdesk.models.subscription import PRODUCT_FAMILIES, ProductFamily
from cspdesk.policy.document import (
    DEFAULT_POLICY,
    DEFAULT_POLICY_YAML,
    DisputeHandling,
    FullPaymentAction,
    LateFeeDestination,
    LateFeeStep,
    PolicyCurrencyError,
    PolicyDocument,
    PolicyIssue,
    PolicyValidationError,
    ReminderStep,
    SuspendStep,
    TerminateMode,
    TerminateStep,
    amount_in,
    dump_policy_yaml,
    parse_policy_yaml,
)

BASE = DEFAULT_POLICY_YAML


def errors_of(text: str) -> list[str]:
    with pytest.raises(PolicyValidationError) as caught:
        parse_policy_yaml(text)
    return [str(issue) for issue in caught.value.issues]


def edited(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new)


def test_default_policy_reads_as_in_the_design() -> None:
    assert DEFAULT_POLICY.name == "Standard terms"
    assert DEFAULT_POLICY.payment_terms_days == 30
    assert DEFAULT_POLICY.minimum_overdue_amount == Decimal("10.00")
    assert DEFAULT_POLICY.steps[2] == LateFeeStep(
        offset=7, action="late_fee", percent=Decimal("2.0"), minimum=Decimal("5.00"), once=True
    )
    assert DEFAULT_POLICY.steps[4] == SuspendStep(
        offset=14,
        action="suspend",
        families=(ProductFamily.MICROSOFT_365, ProductFamily.DYNAMICS_365, ProductFamily.AZURE_PLAN),
    )
    assert DEFAULT_POLICY.steps[5] == TerminateStep(
        offset=45, action="terminate", mode=TerminateMode.DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED
    )
    assert DEFAULT_POLICY.on_full_payment is FullPaymentAction.REACTIVATE
    assert DEFAULT_POLICY.exemptions.disputed_invoices is DisputeHandling.PAUSE
    assert DEFAULT_POLICY.late_fee_destination is LateFeeDestination.SEPARATE_INVOICE


def test_product_families_match_the_subscription_model() -> None:
    assert tuple(family.value for family in ProductFamily) == PRODUCT_FAMILIES


# ---- numbers are exact -------------------------------------------------------------------------------------


def test_decimals_are_read_from_their_text_never_through_float() -> None:
    doc = parse_policy_yaml(
        edited("percent: 2.0, minimum: 5.00", "percent: 0.1, minimum: 0.30").replace(
            "minimum_overdue_amount: 10.00", "minimum_overdue_amount: 1_000.10"
        )
    )
    fee = doc.steps[2]
    assert isinstance(fee, LateFeeStep)
    assert str(fee.percent) == "0.1"
    assert str(fee.minimum) == "0.30"
    assert fee.percent + fee.percent + fee.percent == Decimal("0.3")
    assert str(doc.minimum_overdue_amount) == "1000.10"


def test_python_floats_are_refused_when_built_in_code() -> None:
    with pytest.raises(pydantic.ValidationError, match="must be an exact decimal, not a float"):
        LateFeeStep(offset=7, action="late_fee", percent=0.1)


def test_amounts_may_be_set_per_currency() -> None:
    doc = parse_policy_yaml(
        edited("minimum: 5.00", "minimum: {EUR: 5.00, JPY: 700}").replace(
            "minimum_overdue_amount: 10.00", "minimum_overdue_amount: {eur: 10.00, JPY: 1500}"
        )
    )
    assert doc.minimum_overdue_amount == {"EUR": Decimal("10.00"), "JPY": Decimal("1500")}
    assert amount_in(doc.minimum_overdue_amount, "JPY") == Decimal("1500")
    with pytest.raises(PolicyCurrencyError, match="the policy sets no amount for USD"):
        amount_in(doc.minimum_overdue_amount, "USD")


# ---- round trip --------------------------------------------------------------------------------------------

RICH = """\
name: Условия для клиентов Enterprise
payment_terms_days: 14
minimum_overdue_amount:
  EUR: 10.00
  JPY: 1500
  KWD: 3.250
steps:
- {offset: 0, action: reminder, template: due_today}
- {offset: 10, action: late_fee, percent: 1.25, minimum: 0, once: false, repeat_every_days: 30, template: late_fee}
- {offset: 20, action: suspension_warning, template: suspension_warning}
- {offset: 21, action: suspend, families: [software, marketplace, other], template: suspended}
- {offset: 30, action: suspend, families: [azure_plan]}
- {offset: 60, action: terminate, mode: disable_auto_renew}
on_full_payment: review
business_days_only: true
late_fee_destination: next_run
exemptions:
  disputed_invoices: ignore
  promise_to_pay: false
"""


def test_dump_writes_the_default_policy_as_people_write_it() -> None:
    assert dump_policy_yaml(DEFAULT_POLICY) == (
        "name: Standard terms\n"
        "payment_terms_days: 30\n"
        "minimum_overdue_amount: 10.00\n"
        "steps:\n"
        "- {offset: -7, action: reminder, template: upcoming_due}\n"
        "- {offset: 1, action: reminder, template: overdue_1}\n"
        "- {offset: 7, action: late_fee, percent: 2.0, minimum: 5.00, once: true}\n"
        "- {offset: 12, action: suspension_warning, template: suspension_warning}\n"
        "- {offset: 14, action: suspend, families: [microsoft_365, dynamics_365, azure_plan]}\n"
        "- {offset: 45, action: terminate, mode: disable_auto_renew_and_cancel_when_allowed}\n"
        "on_full_payment: reactivate\n"
        "business_days_only: false\n"
        "late_fee_destination: separate_invoice\n"
        "exemptions:\n"
        "  disputed_invoices: pause\n"
        "  promise_to_pay: true\n"
    )


@pytest.mark.parametrize("text", [DEFAULT_POLICY_YAML, RICH])
def test_round_trip_keeps_every_value_and_digit(text: str) -> None:
    doc = parse_policy_yaml(text)
    again = parse_policy_yaml(dump_policy_yaml(doc))
    assert again == doc
    assert dump_policy_yaml(again) == dump_policy_yaml(doc)


def test_rich_document_dumps_to_its_own_text() -> None:
    assert dump_policy_yaml(parse_policy_yaml(RICH)) == RICH


# ---- validation: each rule, with line and column -----------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "percent: 2.0",
            "percent: 0",
            "line 7, column 56: steps[2].percent: must be greater than 0",
            id="percent-zero",
        ),
        pytest.param(
            "percent: 2.0",
            "percent: 100.5",
            "line 7, column 56: steps[2].percent: must be at most 100",
            id="percent-over-100",
        ),
        pytest.param(
            "{offset:  1, action: reminder",
            "{offset: -9, action: reminder",
            "line 6, column 14: steps[1].offset: is -9, before the offset -7 of steps[0]: "
            "steps must be ordered by offset",
            id="order",
        ),
        pytest.param(
            "{offset:  1, action: reminder",
            "{offset: -7, action: reminder",
            "line 6, column 26: steps[1].action: repeats steps[0]: offset -7 already has a reminder step",
            id="unique-offset-action",
        ),
        pytest.param(
            "{offset: 12, action: suspension_warning",
            "{offset: 14, action: suspension_warning",
            "line 9, column 14: steps[4].offset: is 14, but a suspend step must come after every "
            "suspension_warning and steps[3] has offset 14",
            id="suspend-after-warning",
        ),
        pytest.param(
            "{offset: 45, action: terminate",
            "{offset: 14, action: terminate",
            "line 10, column 14: steps[5].offset: is 14, but a terminate step must come after every "
            "suspend step and steps[4] has offset 14",
            id="terminate-after-suspend",
        ),
        pytest.param(
            "{offset: 14, action: suspend,             families: [microsoft_365, dynamics_365, azure_plan]}",
            "{offset: 14, action: late_fee, percent: 1}",
            "line 8, column 26: steps[3].action: a suspension_warning needs a suspend step after it",
            id="warning-without-suspension",
        ),
        pytest.param(
            "once: true",
            "once: false",
            "line 7, column 5: steps[2].repeat_every_days: is required when once is false",
            id="repeating-fee-needs-interval",
        ),
        pytest.param(
            "once: true",
            "once: true, repeat_every_days: 30",
            "line 7, column 107: steps[2].repeat_every_days: is only allowed when once is false",
            id="single-fee-has-no-interval",
        ),
        pytest.param(
            "minimum: 5.00",
            "minimum: -5.00",
            "line 7, column 70: steps[2].minimum: must not be negative",
            id="negative-minimum",
        ),
        pytest.param(
            "minimum_overdue_amount: 10.00",
            "minimum_overdue_amount: {EUR: 10.00, EURO: 5}",
            "line 3, column 38: minimum_overdue_amount.EURO: 'EURO' is not an ISO 4217 currency code (e.g. EUR, USD)",
            id="unknown-currency",
        ),
        pytest.param(
            "minimum: 5.00",
            "minimum: {EUR: -5.00}",
            "line 7, column 76: steps[2].minimum.EUR: must not be negative",
            id="negative-currency-amount",
        ),
        pytest.param(
            "action: suspension_warning",
            "action: warn",
            "line 8, column 26: steps[3].action: must be one of 'reminder', 'late_fee', "
            "'suspension_warning', 'suspend', 'terminate'",
            id="unknown-action",
        ),
        pytest.param(
            "action: suspension_warning,  ",
            "",
            "line 8, column 5: steps[3].action: is required",
            id="missing-action",
        ),
        pytest.param(
            "percent: 2.0, ",
            "",
            "line 7, column 5: steps[2].percent: is required",
            id="missing-field",
        ),
        pytest.param(
            "once: true}",
            "once: true, grace: 3}",
            "line 7, column 88: steps[2].grace: is not a known field",
            id="unknown-field",
        ),
        pytest.param(
            "{offset: 12,",
            "{offset: twelve,",
            "line 8, column 14: steps[3].offset: must be a whole number",
            id="offset-not-a-number",
        ),
        pytest.param(
            "{offset: 45,",
            "{offset: 4000,",
            "line 10, column 14: steps[5].offset: must be between -3660 and 3660",
            id="offset-too-far",
        ),
        pytest.param(
            "payment_terms_days: 30",
            "payment_terms_days: 30.0",
            "line 2, column 21: payment_terms_days: must be a whole number",
            id="terms-not-whole",
        ),
        pytest.param(
            "payment_terms_days: 30",
            "payment_terms_days: -1",
            "line 2, column 21: payment_terms_days: must not be negative",
            id="terms-negative",
        ),
        pytest.param(
            "percent: 2.0",
            "percent: .inf",
            "line 7, column 56: steps[2].percent: must be a decimal number",
            id="percent-infinite",
        ),
        pytest.param(
            "dynamics_365, azure_plan]",
            "dynamics_365, azure]",
            "line 9, column 87: steps[4].families[2]: must be one of 'azure_plan', 'microsoft_365', "
            "'dynamics_365', 'software', 'marketplace' or 'other'",
            id="unknown-family",
        ),
        pytest.param(
            "dynamics_365, azure_plan]",
            "dynamics_365, microsoft_365]",
            "line 9, column 57: steps[4].families: lists microsoft_365 more than once",
            id="repeated-family",
        ),
        pytest.param(
            "[microsoft_365, dynamics_365, azure_plan]",
            "[]",
            "line 9, column 57: steps[4].families: must name at least one product family",
            id="no-family",
        ),
        pytest.param(
            "template: overdue_1",
            "template: Overdue 1",
            "line 6, column 57: steps[1].template: must be a template name: lowercase letters, digits "
            "and underscores, e.g. overdue_1",
            id="template-name",
        ),
        pytest.param(
            "mode: disable_auto_renew_and_cancel_when_allowed",
            "mode: cancel",
            "line 10, column 53: steps[5].mode: must be one of 'disable_auto_renew_and_cancel_when_allowed' "
            "or 'disable_auto_renew'",
            id="terminate-mode",
        ),
        pytest.param(
            "disputed_invoices: pause",
            "disputed_invoices: wait",
            "line 14, column 22: exemptions.disputed_invoices: must be one of 'pause' or 'ignore'",
            id="dispute-handling",
        ),
        pytest.param(
            "promise_to_pay: true",
            "promise_to_pay: maybe",
            "line 15, column 19: exemptions.promise_to_pay: must be true or false",
            id="promise-flag",
        ),
        pytest.param(
            "name: Standard terms",
            "name: ' '",
            "line 1, column 7: name: must not be empty",
            id="blank-name",
        ),
        pytest.param(
            "business_days_only: false",
            "business_days_only: false\nbusiness_days_only: true",
            "line 13, column 1: business_days_only: appears more than once",
            id="duplicate-key",
        ),
    ],
)
def test_each_rule_reports_line_column_path_and_reason(old: str, new: str, expected: str) -> None:
    assert errors_of(edited(old, new)) == [expected]


def test_every_problem_is_reported_in_document_order() -> None:
    text = edited("template: overdue_1", "template: Overdue").replace("percent: 2.0", "percent: 0")
    assert errors_of(text.replace("once: true}", "once: true, foo: 1}")) == [
        "line 6, column 57: steps[1].template: must be a template name: lowercase letters, digits and "
        "underscores, e.g. overdue_1",
        "line 7, column 56: steps[2].percent: must be greater than 0",
        "line 7, column 86: steps[2].foo: is not a known field",
    ]


def test_issues_carry_their_parts_for_the_api() -> None:
    with pytest.raises(PolicyValidationError) as caught:
        parse_policy_yaml(edited("percent: 2.0", "percent: 0"))
    assert caught.value.issues == (PolicyIssue(7, 56, "steps[2].percent", "must be greater than 0"),)
    assert caught.value.details == [
        {"field": "steps[2].percent", "line": 7, "column": 56, "message": "must be greater than 0"}
    ]
    assert caught.value.status_code == 422


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            edited(
                "mode: disable_auto_renew_and_cancel_when_allowed}",
                "mode: disable_auto_renew_and_cancel_when_allowed",
            ),
            "line 11, column 16: YAML syntax error: expected ',' or '}', but got ':' "
            "(while parsing a flow mapping at line 10, column 5)",
            id="unclosed-flow-mapping",
        ),
        pytest.param(
            edited("exemptions:\n  disputed", "exemptions:\n\tdisputed"),
            "line 14, column 1: YAML syntax error: found character '\\t' that cannot start any token",
            id="tab-indent",
        ),
        pytest.param(
            "name: a: b\n",
            "line 1, column 8: YAML syntax error: mapping values are not allowed here",
            id="colon",
        ),
        pytest.param(
            "name: x\n\x07",
            "line 2, column 1: YAML syntax error: unacceptable character #x0007: special characters are not allowed",
            id="bell",
        ),
        pytest.param(
            "name: !!python/object:os.system x\n",
            "line 1, column 7: YAML syntax error: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object:os.system'",
            id="python-tag",
        ),
        pytest.param("", "line 1, column 1: the policy document is empty", id="empty"),
        pytest.param("- a\n- b\n", "line 1, column 1: must be a mapping of names to values", id="not-a-mapping"),
        pytest.param("? [a]\n: 1\n", "line 1, column 3: field names must be plain text", id="list-as-key"),
    ],
)
def test_yaml_syntax_errors_have_line_and_column(text: str, expected: str) -> None:
    assert errors_of(text) == [expected]


def test_rules_hold_for_documents_built_in_code() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"steps\[1\]\.offset: is 1, before the offset 5"):
        PolicyDocument(
            name="Code",
            payment_terms_days=3,
            steps=(
                ReminderStep(offset=5, action="reminder", template="a"),
                ReminderStep(offset=1, action="reminder", template="b"),
            ),
        )


def test_aliases_are_refused_so_a_document_cannot_expand_without_bound() -> None:
    text = edited("  - {offset:  1", "  - &overdue {offset:  1").replace(
        "  - {offset:  7", "  - *overdue\n  - {offset:  7"
    )
    assert errors_of(text) == ["line 6, column 5: steps[2]: aliases (*name) are not allowed"]
