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
from typing import Any, Literal

from pydantic import SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from studio.core.errors import KnotworkError

ENV_PREFIX = "KNOTWORK_"
REGISTRY_SCHEME = "registry://"


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
    unknown_category: Literal["error", "warn"] = "error"
    max_body_mb: float = 16.0
    monitor: bool = True
    """Log scored rows and /feedback to `monitor_db` (off: /feedback answers 404)."""
    monitor_db: str = "knotwork-monitor.sqlite"
    fast_path: bool = True
    """Score with the bundle's checked model.onnx when it has one."""
    access_log: bool = False

    @field_validator("bundle", "monitor_db")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        # Resolved once, so worker processes and a changed working folder agree.
        if value is None or value.startswith(REGISTRY_SCHEME):
            return value
        return str(Path(value).expanduser().resolve())

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

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        if not value.get_secret_value().strip():
            raise _problem(
                f"is empty: give a non-empty --token, --token-file or {env_name('token')}"
            )
        return SecretStr(value.get_secret_value().strip())

    @field_validator("token_file")
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
            elif field == "token_file":
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
