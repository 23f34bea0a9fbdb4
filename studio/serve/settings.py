"""The server's whole configuration, in one validated model.

Every option of `knotwork serve` is a field; each may also come from a `KNOTWORK_<FIELD>`
environment variable (`KNOTWORK_TOKEN`, `KNOTWORK_PORT`, `KNOTWORK_REGISTRY_URL`, ...), the
way a container or a uvicorn worker process is configured. Explicit values win over the
environment, the environment over the defaults. A bad value is refused naming the option.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from studio.core.errors import KnotworkError

ENV_PREFIX = "KNOTWORK_"
REGISTRY_SCHEME = "registry://"
ENV_REFERENCE = "env:"


class ServerSettingsError(KnotworkError):
    """Server options that do not validate; `problems` pairs each field with what is wrong."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        self.problems = problems
        super().__init__(
            "; ".join(
                f"server setting {field} ({env_name(field)}) {message}" if field else message
                for field, message in problems
            )
        )


def env_name(field: str) -> str:
    """The environment variable a field reads, as a user would write it (`$KNOTWORK_PORT`)."""
    return f"${ENV_PREFIX}{field.upper()}"


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("knotwork_server_setting", message)


class ServerSettings(BaseSettings):
    """What one server process needs: the bundle, where to listen, who may call, limits."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True)

    bundle: str | None = None
    """Bundle directory or .zip, or registry://MODEL@ENV (followed as the alias moves)."""
    registry_url: str | None = None
    """Registry for registry:// bundles (None: the registry's own default)."""
    keys: list[str] | None = None
    """Trusted public key files or folders (None: this machine's trusted keys)."""
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    token: SecretStr | None = None
    """Bearer token every request must carry (None: no authentication). Never printed."""
    token_file: Path | None = None
    """A file holding the token; read once, when the settings are validated."""
    ops_token: SecretStr | None = None
    """A separate bearer token for /metrics and /monitoring (operations); when set, the
    scoring token does not open them and this one does not score. Never printed."""
    ops_token_file: Path | None = None
    """A file holding the operations token."""
    unknown_category: Literal["error", "warn"] = "error"
    max_body_mb: float = 16.0
    monitor: bool = True
    """Log scored rows and /feedback to the monitoring store and evaluate the bundle's
    monitors (off: /feedback and /monitoring answer 404)."""
    monitor_url: str | None = None
    """The monitoring store: a SQLite file path or a database URL (postgresql://...);
    None: the workspace's `.knotwork/monitor.db`."""
    monitor_interval: float = 60.0
    """Seconds between two evaluations of the monitors."""
    monitor_retention_days: float | None = None
    """Delete logged rows, feedback and history older than this (None: keep all)."""
    alert_urls: Annotated[list[str], NoDecode] = []
    """Alert destinations, one apprise URL each (json://, mailto://, slack://, ...), or
    `env:NAME` to read one from a variable; the environment form is JSON or
    whitespace-separated. Never printed or logged."""
    shadow: str | None = None
    """A challenger bundle (or registry://MODEL@ENV) scored in the background on every
    request, never on the request path; its answers are logged, not returned."""
    shadow_queue: int = 1000
    """Requests waiting for the shadow at most; more are dropped (and counted)."""
    fast_path: bool = True
    """Score with the bundle's checked model.onnx when it has one."""
    compiled: bool = True
    """Score with the bundle's compiled plan (numpy columns through the nodes) when proven."""
    access_log: bool = False

    @property
    def excluded_plans(self) -> tuple[str, ...]:
        """The scoring plans turned off for this server."""
        return tuple(
            n for n, on in (("onnx", self.fast_path), ("compiled", self.compiled)) if not on
        )

    @field_validator("bundle", "monitor_url", "shadow")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        # Resolved once, so worker processes and a changed working folder agree.
        if value is None or value.startswith(REGISTRY_SCHEME) or "://" in value:
            return value
        return str(Path(value).expanduser().resolve())

    @field_validator("monitor_interval")
    @classmethod
    def _interval(cls, value: float) -> float:
        if not value > 0:
            raise _problem(f"must be above 0 seconds, got {value}")
        return value

    @field_validator("monitor_retention_days")
    @classmethod
    def _retention(cls, value: float | None) -> float | None:
        if value is not None and not value > 0:
            raise _problem(f"must be above 0 days, got {value}")
        return value

    @field_validator("alert_urls", mode="before")
    @classmethod
    def _alert_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except ValueError:
                    raise _problem("is not a JSON list of URLs") from None
            return text.split()
        return value

    @field_validator("alert_urls")
    @classmethod
    def _alert_references(cls, value: list[str]) -> list[str]:
        for url in value:
            name = url[len(ENV_REFERENCE) :] if url.startswith(ENV_REFERENCE) else None
            if name is not None and not os.environ.get(name, "").strip():
                raise _problem(f"{url}: the variable {name} is not set (or empty)")
            if name is None and "://" not in url:
                raise _problem(
                    "entries must be notification URLs (json://host/path, mailto://..., "
                    "slack://...) or env:NAME"
                )
        return value

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise _problem(f"must be within 1–65535, got {value}")
        return value

    @field_validator("workers")
    @classmethod
    def _workers(cls, value: int) -> int:
        if value < 1:
            raise _problem(f"must be 1 or more, got {value}")
        return value

    @field_validator("max_body_mb")
    @classmethod
    def _max_body(cls, value: float) -> float:
        if not value > 0:
            raise _problem(f"must be above 0, got {value}")
        return value

    @field_validator("token", "ops_token")
    @classmethod
    def _token(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            return None
        if not value.get_secret_value().strip():
            flag = info.field_name.replace("_", "-")
            raise _problem(
                f"is empty: give a non-empty --{flag}, --{flag}-file or {env_name(info.field_name)}"
            )
        return SecretStr(value.get_secret_value().strip())

    @field_validator("token_file", "ops_token_file")
    @classmethod
    def _token_file(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        path = value.expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise _problem(f"{value}: cannot read it: {exc.strerror or exc}") from None
        if not text.strip():
            raise _problem(f"{value} is empty")
        return path

    @model_validator(mode="after")
    def _token_from_file(self) -> ServerSettings:
        # The file wins over a token from the environment, as a more deliberate choice.
        if self.token_file is not None:
            self.token = SecretStr(self.token_file.read_text(encoding="utf-8").strip())
        if self.ops_token_file is not None:
            self.ops_token = SecretStr(self.ops_token_file.read_text(encoding="utf-8").strip())
        if self.ops_token is not None and self.ops_token == self.token:
            raise _problem("ops_token must differ from token: one token per purpose")
        return self

    @classmethod
    def load(cls, **given: Any) -> ServerSettings:
        """Settings from `given` (explicit options), then KNOTWORK_* variables, then defaults;
        every invalid option is reported at once in a ServerSettingsError."""
        try:
            return cls(**given)
        except ValidationError as exc:
            problems: list[tuple[str | None, str]] = [
                (str(e["loc"][0]) if e["loc"] else None, _message(e))
                for e in exc.errors(include_url=False)
            ]
            raise ServerSettingsError(problems) from None
        except SettingsError as exc:  # a KNOTWORK_* variable that is not valid JSON, say
            raise ServerSettingsError([(None, f"server settings: {exc}")]) from None

    @property
    def token_value(self) -> str | None:
        return self.token.get_secret_value() if self.token is not None else None

    @property
    def ops_token_value(self) -> str | None:
        return self.ops_token.get_secret_value() if self.ops_token is not None else None

    @property
    def alert_destinations(self) -> list[str]:
        """The alert URLs with `env:NAME` references read now (keep them out of logs)."""
        return [
            os.environ[u[len(ENV_REFERENCE) :]].strip() if u.startswith(ENV_REFERENCE) else u
            for u in self.alert_urls
        ]

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1024 * 1024)

    @property
    def follows_registry(self) -> bool:
        return self.bundle is not None and self.bundle.startswith(REGISTRY_SCHEME)

    def environ(self) -> dict[str, str | None]:
        """These settings as KNOTWORK_* variables (None: unset), for worker processes, which
        read them back with `ServerSettings()`; the token travels resolved, not as a file."""
        out: dict[str, str | None] = {}
        for field in type(self).model_fields:
            value = getattr(self, field)
            if field == "token":
                value = self.token_value
            elif field == "ops_token":
                value = self.ops_token_value
            elif field in ("token_file", "ops_token_file"):
                value = None
            name = f"{ENV_PREFIX}{field.upper()}"
            out[name] = value if value is None or isinstance(value, str) else json.dumps(value)
        return out

    def export(self) -> None:
        """Write `environ()` into this process's environment (children inherit it)."""
        for name, value in self.environ().items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _message(error: Any) -> str:
    if error["type"] == "knotwork_server_setting":
        return str(error["msg"])
    given = error.get("input")
    return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {given!r}"
