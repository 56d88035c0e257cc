"""The payment policy document: its model, the rules across its steps, and its YAML form.

Errors in a YAML document point at the line and column of the offending value and name its field path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from typing import Annotated, Any, Literal, TypeAlias, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails
from yaml.constructor import SafeConstructor
from yaml.error import Mark, MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from cspdesk.kit import validation
from cspdesk.kit.errors import ValidationFailed
from cspdesk.models.subscription import ProductFamily

# Ten years either side of the due date is far beyond any real policy and keeps date arithmetic in range.
MAX_DAYS = 3660

YamlPath: TypeAlias = tuple[str | int, ...]
StepAction = Literal["reminder", "late_fee", "suspension_warning", "suspend", "terminate"]
STEP_ACTIONS: tuple[StepAction, ...] = get_args(StepAction)
NOTICE_ACTIONS: frozenset[StepAction] = frozenset({"reminder", "suspension_warning"})


class TerminateMode(StrEnum):
    DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED = "disable_auto_renew_and_cancel_when_allowed"
    DISABLE_AUTO_RENEW = "disable_auto_renew"


class FullPaymentAction(StrEnum):
    REACTIVATE = "reactivate"
    REVIEW = "review"


class DisputeHandling(StrEnum):
    PAUSE = "pause"
    IGNORE = "ignore"


class LateFeeDestination(StrEnum):
    SEPARATE_INVOICE = "separate_invoice"
    NEXT_RUN = "next_run"


# ---- field types -------------------------------------------------------------------------------------------


def _reject_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError("must be an exact decimal, not a float")
    return value


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _percent_in_range(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    if value > 100:
        raise ValueError("must be at most 100")
    return value


def _days_in_range(value: int) -> int:
    if abs(value) > MAX_DAYS:
        raise ValueError(f"must be between -{MAX_DAYS} and {MAX_DAYS}")
    return value


def _days_not_negative(value: int) -> int:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _days_positive(value: int) -> int:
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _template_name(value: str) -> str:
    if not value or not value[0].islower() or not all(c.islower() or c.isdigit() or c == "_" for c in value):
        raise ValueError("must be a template name: lowercase letters, digits and underscores, e.g. overdue_1")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _distinct_families(value: tuple[ProductFamily, ...]) -> tuple[ProductFamily, ...]:
    if not value:
        raise ValueError("must name at least one product family")
    repeated = sorted({family.value for family in value if value.count(family) > 1})
    if repeated:
        raise ValueError(f"lists {', '.join(repeated)} more than once")
    return value


def _amount_kind(value: object) -> str:
    return "amounts_by_currency" if isinstance(value, Mapping) else "amount"


ExactDecimal = Annotated[Decimal, BeforeValidator(_reject_float)]
NonNegativeDecimal = Annotated[ExactDecimal, AfterValidator(_not_negative)]
Percent = Annotated[ExactDecimal, AfterValidator(_percent_in_range)]
CurrencyCode = Annotated[str, AfterValidator(validation.currency)]
Amount = Annotated[
    Annotated[NonNegativeDecimal, Tag("amount")]
    | Annotated[dict[CurrencyCode, NonNegativeDecimal], Tag("amounts_by_currency")],
    Discriminator(_amount_kind),
]
Offset = Annotated[StrictInt, AfterValidator(_days_in_range)]
DayCount = Annotated[StrictInt, AfterValidator(_days_in_range), AfterValidator(_days_not_negative)]
Interval = Annotated[StrictInt, AfterValidator(_days_in_range), AfterValidator(_days_positive)]
TemplateName = Annotated[str, AfterValidator(_template_name)]
Families = Annotated[tuple[ProductFamily, ...], AfterValidator(_distinct_families)]
_UNION_TAGS = frozenset({*STEP_ACTIONS, "amount", "amounts_by_currency"})


class PolicyCurrencyError(ValueError):
    """The policy gives amounts per currency and the invoice's currency is not among them."""


def amount_in(amount: Decimal | Mapping[str, Decimal], currency: str) -> Decimal:
    """The amount that applies to invoices in `currency`: the one amount, or the one set for that currency."""
    if isinstance(amount, Decimal):
        return amount
    if currency not in amount:
        raise PolicyCurrencyError(f"the policy sets no amount for {currency} (it has {', '.join(sorted(amount))})")
    return amount[currency]


# ---- the model ---------------------------------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReminderStep(_Frozen):
    offset: Offset
    action: Literal["reminder"]
    template: TemplateName


class LateFeeStep(_Frozen):
    offset: Offset
    action: Literal["late_fee"]
    percent: Percent
    minimum: Amount = Decimal(0)
    once: StrictBool = True
    repeat_every_days: Interval | None = None
    template: TemplateName | None = None


class SuspensionWarningStep(_Frozen):
    offset: Offset
    action: Literal["suspension_warning"]
    template: TemplateName


class SuspendStep(_Frozen):
    offset: Offset
    action: Literal["suspend"]
    families: Families
    template: TemplateName | None = None


class TerminateStep(_Frozen):
    offset: Offset
    action: Literal["terminate"]
    mode: TerminateMode
    template: TemplateName | None = None


Step = Annotated[
    ReminderStep | LateFeeStep | SuspensionWarningStep | SuspendStep | TerminateStep,
    Field(discriminator="action"),
]


class Exemptions(_Frozen):
    disputed_invoices: DisputeHandling = DisputeHandling.PAUSE
    promise_to_pay: StrictBool = True


_RULE_SINK = "policy_rule_violations"


class PolicyDocument(_Frozen):
    name: Annotated[str, AfterValidator(_not_blank)]
    payment_terms_days: DayCount
    minimum_overdue_amount: Amount = Decimal(0)
    steps: tuple[Step, ...]
    on_full_payment: FullPaymentAction = FullPaymentAction.REACTIVATE
    business_days_only: StrictBool = False
    late_fee_destination: LateFeeDestination = LateFeeDestination.SEPARATE_INVOICE
    exemptions: Exemptions = Field(default_factory=Exemptions)

    @model_validator(mode="after")
    def _keep_step_rules(self, info: ValidationInfo) -> PolicyDocument:
        # The YAML parser collects violations through the context so that each can point at its own line.
        violations = rule_violations(self)
        sink = info.context.get(_RULE_SINK) if isinstance(info.context, dict) else None
        if isinstance(sink, list):
            sink.extend(violations)
        elif violations:
            raise ValueError("; ".join(str(violation) for violation in violations))
        return self


# ---- rules across steps ------------------------------------------------------------------------------------


def format_path(path: YamlPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True)
class RuleViolation:
    path: YamlPath
    message: str

    def __str__(self) -> str:
        return f"{format_path(self.path)}: {self.message}"


IndexedSteps: TypeAlias = list[tuple[int, Step]]


def rule_violations(doc: PolicyDocument) -> list[RuleViolation]:
    """Rules that involve several steps: ordered by offset, unique (offset, action), warnings before
    suspensions, suspensions before termination, and repeating late fees that say how often."""
    indexed = list(enumerate(doc.steps))
    return [
        *_order_violations(indexed),
        *_duplicate_violations(indexed),
        *_must_follow(_of_action(indexed, "suspend"), _of_action(indexed, "suspension_warning"), "suspension_warning"),
        *_must_follow(_of_action(indexed, "terminate"), _of_action(indexed, "suspend"), "suspend step"),
        *_warning_without_suspension(indexed),
        *_repeat_violations(indexed),
    ]


def _of_action(indexed: IndexedSteps, action: StepAction) -> IndexedSteps:
    return [(index, step) for index, step in indexed if step.action == action]


def _order_violations(indexed: IndexedSteps) -> list[RuleViolation]:
    return [
        RuleViolation(
            ("steps", index, "offset"),
            f"is {step.offset}, before the offset {indexed[index - 1][1].offset} of steps[{index - 1}]: "
            "steps must be ordered by offset",
        )
        for index, step in indexed[1:]
        if step.offset < indexed[index - 1][1].offset
    ]


def _duplicate_violations(indexed: IndexedSteps) -> list[RuleViolation]:
    first_index: dict[tuple[int, str], int] = {}
    violations = []
    for index, step in indexed:
        earlier = first_index.setdefault((step.offset, step.action), index)
        if earlier != index:
            violations.append(
                RuleViolation(
                    ("steps", index, "action"),
                    f"repeats steps[{earlier}]: offset {step.offset} already has a {step.action} step",
                )
            )
    return violations


def _must_follow(later: IndexedSteps, earlier: IndexedSteps, earlier_name: str) -> list[RuleViolation]:
    violations = []
    for index, step in later:
        blocking = [(i, other) for i, other in earlier if other.offset >= step.offset]
        if blocking:
            i, other = blocking[-1]
            violations.append(
                RuleViolation(
                    ("steps", index, "offset"),
                    f"is {step.offset}, but a {step.action} step must come after every {earlier_name} "
                    f"and steps[{i}] has offset {other.offset}",
                )
            )
    return violations


def _warning_without_suspension(indexed: IndexedSteps) -> list[RuleViolation]:
    if _of_action(indexed, "suspend"):
        return []
    return [
        RuleViolation(("steps", index, "action"), "a suspension_warning needs a suspend step after it")
        for index, _ in _of_action(indexed, "suspension_warning")
    ]


def _repeat_violations(indexed: IndexedSteps) -> list[RuleViolation]:
    violations = []
    for index, step in indexed:
        if not isinstance(step, LateFeeStep):
            continue
        if step.once and step.repeat_every_days is not None:
            violations.append(
                RuleViolation(("steps", index, "repeat_every_days"), "is only allowed when once is false")
            )
        if not step.once and step.repeat_every_days is None:
            violations.append(RuleViolation(("steps", index, "repeat_every_days"), "is required when once is false"))
    return violations


# ---- errors ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyIssue:
    line: int | None
    column: int | None
    path: str
    message: str

    @classmethod
    def at(cls, mark: Mark | None, path: YamlPath, message: str) -> PolicyIssue:
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        return cls(line, column, format_path(path), message)

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"

    def sort_key(self) -> tuple[int, int, str]:
        return (self.line or 0, self.column or 0, self.path)


class PolicyValidationError(ValidationFailed):
    """A policy document that cannot be used; each issue says where (line, column, field path) and why."""

    code = "policy_invalid"

    def __init__(self, issues: list[PolicyIssue]) -> None:
        self.issues = tuple(sorted(issues, key=PolicyIssue.sort_key))
        details = [
            {"field": issue.path, "line": issue.line, "column": issue.column, "message": issue.message}
            for issue in self.issues
        ]
        super().__init__("\n".join(str(issue) for issue in self.issues), details=details)


# ---- YAML in -----------------------------------------------------------------------------------------------

_FLOAT_TAG = "tag:yaml.org,2002:float"
_INT_TAG = "tag:yaml.org,2002:int"
_MAP_TAG = "tag:yaml.org,2002:map"


def _decimal_from_yaml(text: str) -> Decimal | str:
    # Read from its text so 0.1 stays exactly 0.1; validation refuses what Decimal cannot take (.inf, .nan).
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        return text
    return value if value.is_finite() else text


@dataclass
class _YamlReader:
    """Turns a composed YAML node tree into plain data, remembering where each value and key stands."""

    value_marks: dict[YamlPath, Mark] = field(default_factory=dict)
    key_marks: dict[YamlPath, Mark] = field(default_factory=dict)
    issues: list[PolicyIssue] = field(default_factory=list)
    constructor: SafeConstructor = field(default_factory=SafeConstructor)
    seen_nodes: set[int] = field(default_factory=set)

    def read(self, node: Node, path: YamlPath) -> object:
        self.value_marks[path] = node.start_mark
        if id(node) in self.seen_nodes:
            # An alias repeats a node; refusing it also stops "billion laughs" expansion.
            self.issues.append(PolicyIssue.at(node.start_mark, path, "aliases (*name) are not allowed"))
            return None
        self.seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.read(child, (*path, index)) for index, child in enumerate(node.value)]
        if isinstance(node, ScalarNode) and node.tag == _FLOAT_TAG:
            return _decimal_from_yaml(node.value)
        return self.constructor.construct_object(node)

    def _mapping(self, node: MappingNode, path: YamlPath) -> dict[str, object]:
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.issues.append(PolicyIssue.at(key_node.start_mark, path, "field names must be plain text"))
                continue
            key = str(key_node.value)
            if key in result:
                self.issues.append(PolicyIssue.at(key_node.start_mark, (*path, key), "appears more than once"))
                continue
            self.key_marks[(*path, key)] = key_node.start_mark
            result[key] = self.read(value_node, (*path, key))
        return result

    def mark_for(self, path: YamlPath, at_key: bool = False) -> Mark | None:
        if at_key and path in self.key_marks:
            return self.key_marks[path]
        for length in range(len(path), -1, -1):
            if path[:length] in self.value_marks:
                return self.value_marks[path[:length]]
        return None


_MISSING = object()


def _child(node: object, part: int | str) -> object:
    if isinstance(node, dict):
        return node.get(part, _MISSING)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _MISSING


def _yaml_path(loc: tuple[int | str, ...], data: object) -> tuple[YamlPath, bool]:
    """Follow a Pydantic error location through the data, dropping union tags; True when it names a key."""
    path: list[str | int] = []
    node: object = data
    for part in loc:
        if part == "[key]":
            return tuple(path), True
        child = _child(node, part)
        if child is _MISSING and part in _UNION_TAGS:
            continue
        node = child
        path.append(part)
    return tuple(path), False


_MESSAGES_BY_TYPE = {
    "missing": "is required",
    "union_tag_not_found": "is required",
    "extra_forbidden": "is not a known field",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "decimal_type": "must be a decimal number",
    "decimal_parsing": "must be a decimal number",
    "finite_number": "must be a finite decimal number",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of names to values",
    "model_type": "must be a mapping of names to values",
    "model_attributes_type": "must be a mapping of names to values",
}


def _error_message(error: ErrorDetails) -> str:
    context: dict[str, Any] = dict(error.get("ctx") or {})
    kind = error["type"]
    if kind == "value_error":
        return str(context["error"])
    if kind in ("enum", "literal_error"):
        return f"must be one of {context['expected']}"
    if kind == "union_tag_invalid":
        return f"must be one of {context['expected_tags']}"
    if kind in _MESSAGES_BY_TYPE:
        return _MESSAGES_BY_TYPE[kind]
    message = error["msg"]
    return message[:1].lower() + message[1:]


def _issue_from_error(error: ErrorDetails, data: object, reader: _YamlReader) -> PolicyIssue:
    path, at_key = _yaml_path(error["loc"], data)
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        path = (*path, "action")
    at_key = at_key or error["type"] == "extra_forbidden"
    return PolicyIssue.at(reader.mark_for(path, at_key), path, _error_message(error))


def _syntax_issue(error: yaml.YAMLError, text: str) -> PolicyIssue:
    if isinstance(error, MarkedYAMLError):
        return PolicyIssue.at(error.problem_mark or error.context_mark, (), _syntax_message(error))
    if isinstance(error, ReaderError):
        line = text.count("\n", 0, error.position) + 1
        column = error.position - text.rfind("\n", 0, error.position)
        code = error.character if isinstance(error.character, int) else ord(error.character)
        return PolicyIssue(line, column, "", f"YAML syntax error: unacceptable character #x{code:04x}: {error.reason}")
    return PolicyIssue(None, None, "", f"YAML syntax error: {error}")


def _syntax_message(error: MarkedYAMLError) -> str:
    problem = error.problem or str(error)
    if error.context and error.context_mark and error.problem_mark:
        where = f"line {error.context_mark.line + 1}, column {error.context_mark.column + 1}"
        return f"YAML syntax error: {problem} ({error.context} at {where})"
    return f"YAML syntax error: {problem}"


def _compose(text: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise PolicyValidationError([_syntax_issue(error, text)]) from error


def _read(root: Node, reader: _YamlReader) -> object:
    try:
        return reader.read(root, ())
    except MarkedYAMLError as error:
        raise PolicyValidationError([_syntax_issue(error, "")]) from error


def parse_policy_yaml(text: str) -> PolicyDocument:
    """Read a policy document from YAML, numbers as exact decimals; raise PolicyValidationError listing
    every problem with its line, column and field path."""
    root = _compose(text)
    if root is None:
        raise PolicyValidationError([PolicyIssue(1, 1, "", "the policy document is empty")])
    reader = _YamlReader()
    data = _read(root, reader)
    if reader.issues:
        raise PolicyValidationError(reader.issues)
    violations: list[RuleViolation] = []
    try:
        doc = PolicyDocument.model_validate(data, context={_RULE_SINK: violations})
    except ValidationError as error:
        raise PolicyValidationError([_issue_from_error(e, data, reader) for e in error.errors()]) from error
    if violations:
        raise PolicyValidationError([PolicyIssue.at(reader.mark_for(v.path), v.path, v.message) for v in violations])
    return doc


# ---- YAML out ----------------------------------------------------------------------------------------------


class _PolicyDumper(yaml.SafeDumper):
    pass


class _FlowMapping(dict[str, object]):
    """A mapping written on one line, as steps are written in the policy documents people edit."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> ScalarNode:
    text = format(value, "f")
    return dumper.represent_scalar(_FLOAT_TAG if "." in text else _INT_TAG, text)


def _represent_flow_mapping(dumper: yaml.SafeDumper, value: _FlowMapping) -> MappingNode:
    return dumper.represent_mapping(_MAP_TAG, value, flow_style=True)


_PolicyDumper.add_representer(Decimal, _represent_decimal)
_PolicyDumper.add_representer(_FlowMapping, _represent_flow_mapping)


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _plain_mapping(model: BaseModel) -> dict[str, object]:
    return {key: _plain(value) for key, value in model.model_dump(exclude_none=True).items()}


def dump_policy_yaml(doc: PolicyDocument) -> str:
    """Write a policy document as YAML that parse_policy_yaml reads back to an equal document."""
    data = _plain_mapping(doc)
    data["steps"] = [_FlowMapping(_plain_mapping(step)) for step in doc.steps]
    return yaml.dump(data, Dumper=_PolicyDumper, sort_keys=False, allow_unicode=True, width=4096)


# ---- the default -------------------------------------------------------------------------------------------

DEFAULT_POLICY_YAML = """\
name: Standard terms
payment_terms_days: 30
minimum_overdue_amount: 10.00
steps:
  - {offset: -7, action: reminder,            template: upcoming_due}
  - {offset:  1, action: reminder,            template: overdue_1}
  - {offset:  7, action: late_fee,            percent: 2.0, minimum: 5.00, once: true}
  - {offset: 12, action: suspension_warning,  template: suspension_warning}
  - {offset: 14, action: suspend,             families: [microsoft_365, dynamics_365, azure_plan]}
  - {offset: 45, action: terminate,           mode: disable_auto_renew_and_cancel_when_allowed}
on_full_payment: reactivate
business_days_only: false
exemptions:
  disputed_invoices: pause
  promise_to_pay: true
"""

DEFAULT_POLICY = parse_policy_yaml(DEFAULT_POLICY_YAML)
