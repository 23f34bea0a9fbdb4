"""What the registry answers: typed results whose `model_dump(mode="json")` is exactly the
JSON `knotwork registry ... --json` prints. Callers read attributes; scripts read the JSON.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_serializer


class RegistryResult(BaseModel):
    """Base of every result. Fields named in `omitted_when_empty` appear in the JSON only
    when set (not None, not False), as keys that only some answers carry."""

    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)
    omitted_when_empty: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        for key in self.omitted_when_empty:
            if data.get(key) is None or data.get(key) is False:
                data.pop(key, None)
        return data


# ------------------------------------------------------------------ policy
class CheckResult(RegistryResult):
    number: int
    name: str
    required: bool
    verdict: str  # pass | fail | pending | not required
    detail: str


class PolicyReport(RegistryResult):
    """Every check a promotion of one version to one environment must pass, numbered."""

    model: str
    version: str
    environment: str
    actor: str
    checks: list[CheckResult] = Field(default_factory=list)
    # what the checks gate: a promotion, or a rollback (which must pass the same gates);
    # it words the text and the CLI's error, and is not part of the JSON
    action: str = Field("promotion", exclude=True)

    @computed_field
    @property
    def allowed(self) -> bool:
        return all(c.verdict in ("pass", "not required") for c in self.checks)

    @property
    def awaiting_approval(self) -> bool:
        """Only the second person's approval is missing."""
        return not self.allowed and all(
            c.verdict in ("pass", "not required", "pending") for c in self.checks
        )

    def text(self) -> str:
        failed = [c for c in self.checks if c.verdict in ("fail", "pending")]
        head = f"{self.action} of {self.model}:{self.version} to {self.environment} " + (
            "allowed"
            if self.allowed
            else f"refused ({len(failed)} of {len(self.checks)} checks not passed)"
        )
        width = max(len(c.name) for c in self.checks) if self.checks else 0
        lines = [
            f"  {c.number}. {c.name:<{width}}  {c.verdict.upper() if c.verdict in ('fail', 'pending') else c.verdict:<12}  {c.detail}"
            for c in self.checks
        ]
        return "\n".join([head, *lines])


class PromotionResult(RegistryResult):
    """Where an environment or alias points after a promote, approve, rollback or alias move."""

    omitted_when_empty = ("requested_by",)

    model: str
    version: str
    environment: str  # or the free alias moved
    status: str  # promoted | unchanged | awaiting approval | approved | rolled back | moved | ...
    previous: str | None
    report: PolicyReport | None
    requested_by: str | None = None  # set when an approval carried out someone's request


# ------------------------------------------------------------------ models and versions
class Lineage(RegistryResult):
    source_path: str
    source_sha256: str
    git_commit: str | None
    data_fingerprints: dict[str, Any]
    parameters: dict[str, Any]


class VersionInfo(RegistryResult):
    model: str
    version: str
    seq: int
    sha256: str
    artifact: str  # absolute path of the stored bundle
    format: str  # dir | zip
    signature_key_id: str | None
    aliases: list[str]
    lineage: Lineage
    metrics: dict[str, Any]
    validation_status: str | None
    parity_passed: bool | None
    author: str
    built_at: str
    registered_by: str
    registered_at: str
    tags: list[Any]


class Acknowledgement(RegistryResult):
    """A Validation Report warning of a version accepted for an environment, with why."""

    check: str
    environment: str
    actor: str
    reason: str
    at: str


class VersionDetail(VersionInfo):
    """A version with its Validation Report, parity record, whole manifest and the
    warnings acknowledged for promotion."""

    validation: dict[str, Any] | None
    parity: dict[str, Any] | None
    manifest: dict[str, Any]
    acknowledgements: list[Acknowledgement] = Field(default_factory=list)


class RegisteredVersion(VersionInfo):
    omitted_when_empty = ("already_registered", "promotion")

    already_registered: bool = False  # identical content was registered before: nothing done
    promotion: PromotionResult | None = None  # when registering also promoted it


class ModelSummary(RegistryResult):
    name: str
    description: str
    owner: str
    created_at: str
    versions: int
    latest: str | None
    aliases: dict[str, str]


class ModelInfo(RegistryResult):
    name: str
    description: str
    owner: str
    created_at: str
    environments: dict[str, str | None]  # every configured environment, None when unset
    aliases: dict[str, str]
    versions: list[VersionInfo]


class AliasTarget(RegistryResult):
    """Where an alias points now: what a watcher polls."""

    model: str
    alias: str
    version: str
    sha256: str
    artifact: str  # relative to the artifact folder


class AliasMove(RegistryResult):
    id: int
    from_: str | None = Field(alias="from")
    to: str | None
    kind: str  # promote | rollback | set | remove
    actor: str
    reason: str
    at: str


# ------------------------------------------------------------------ audit and tokens
class AuditEntry(RegistryResult):
    id: int
    at: str
    actor: str
    role: str
    action: str
    model: str
    version: str
    environment: str
    outcome: str  # ok | refused | pending
    reason: str
    details: dict[str, Any]


class AuditVerification(RegistryResult):
    """The audit log's hash chain checked: intact, or the first entry that breaks it."""

    omitted_when_empty = ("unchained",)

    ok: bool
    checked: int
    unchained: int | None = None  # entries older than the chain, when intact
    first_bad: int | None = None
    problem: str | None = None


class TokenInfo(RegistryResult):
    name: str
    role: str
    environments: list[str] | None = None  # None: every environment
    created_by: str
    created_at: str
    revoked_at: str | None


# ------------------------------------------------------------------ version diff
class NodeRef(RegistryResult):
    node: str
    label: Any
    type_id: Any


class SettingChange(RegistryResult):
    node: str
    label: Any
    setting: str  # or "(node type)"
    before: Any
    after: Any


class GraphDiff(RegistryResult):
    """Nodes, settings and wires that differ between two captured graphs; when one graph is
    missing only `available` (False) and `note` are set."""

    omitted_when_empty = (
        "note",
        "added_nodes",
        "removed_nodes",
        "changed_settings",
        "added_connections",
        "removed_connections",
    )

    available: bool
    note: str | None = None
    added_nodes: list[NodeRef] | None = None
    removed_nodes: list[NodeRef] | None = None
    changed_settings: list[SettingChange] | None = None
    added_connections: list[list[str]] | None = None  # [source, port, target, port]
    removed_connections: list[list[str]] | None = None


class ColumnChange(RegistryResult):
    column: str
    before: Any
    after: Any


class SchemaDiff(RegistryResult):
    added: list[str]
    removed: list[str]
    changed: list[ColumnChange]


class MetricDelta(RegistryResult):
    metric: str
    a: float | None
    b: float | None
    delta: float | None


class Change(RegistryResult):
    a: Any
    b: Any


class RequirementChange(RegistryResult):
    package: str
    a: str | None
    b: str | None


class VersionDiff(RegistryResult):
    model: str
    model_b: str
    a: str
    b: str
    same_content: bool
    graph: GraphDiff
    input_schema: SchemaDiff
    output_schema: SchemaDiff
    metrics: list[MetricDelta]
    validation_status: Change
    lineage: dict[str, Change]  # only the lineage fields that differ
    requirements: list[RequirementChange]
