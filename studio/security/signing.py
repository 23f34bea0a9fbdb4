"""Ed25519 signing keys for bundles: generate, store, load, sign and verify.

Keys live under `$KNOTWORK_HOME/keys` (default `~/.config/knotwork/keys`): the private
key `<name>.key` (PEM, mode 0600) and its public key `<name>.pub`. Public keys a
machine trusts live in `trusted/` beside them; the local key trusts itself.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from studio.core.errors import KnotworkError

ALGORITHM = "Ed25519"
DEFAULT_KEY_NAME = "default"


class SigningError(KnotworkError):
    """A key that cannot be read or a signature that does not check out."""


def knotwork_home() -> Path:
    """Knotwork's per-user folder: `$KNOTWORK_HOME`, else `$XDG_CONFIG_HOME/knotwork`, else `~/.config/knotwork`."""
    if os.environ.get("KNOTWORK_HOME"):
        return Path(os.environ["KNOTWORK_HOME"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "knotwork"


def key_dir() -> Path:
    return knotwork_home() / "keys"


def trusted_dir() -> Path:
    return key_dir() / "trusted"


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


@dataclass
class KeyPair:
    private_path: Path
    public_path: Path
    key_id: str


def generate_key(
    out_dir: str | Path | None = None, name: str = DEFAULT_KEY_NAME, *, trust: bool = True
) -> KeyPair:
    """Write a new key pair; refuse to overwrite an existing private key. `trust` adds the
    public key to this machine's trusted keys, so its own bundles verify."""
    folder = Path(out_dir).expanduser() if out_dir else key_dir()
    folder.mkdir(parents=True, exist_ok=True)
    priv_path, pub_path = folder / f"{name}.key", folder / f"{name}.pub"
    if priv_path.exists():
        raise SigningError(
            f"{priv_path} already exists: remove it first or choose another --out folder"
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(priv_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    pub_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pub_path.write_bytes(pub_pem)
    kid = key_id(key.public_key())
    if trust:
        trusted_dir().mkdir(parents=True, exist_ok=True)
        (trusted_dir() / f"{kid}.pub").write_bytes(pub_pem)
    return KeyPair(priv_path, pub_path, kid)


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    path = Path(path).expanduser()
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise SigningError(f"cannot read signing key {path}: {exc.strerror or exc}") from None
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{path} is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(
            f"{path} is a {type(key).__name__}, not an Ed25519 key (create one with `knotwork keys generate`)"
        )
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    path = Path(path).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read public key {path}: {exc.strerror or exc}") from None
    try:
        if b"PRIVATE KEY" in data:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{path} is not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path} is a {type(key).__name__}, not an Ed25519 public key")
    return key


def default_signing_key(create: bool = True) -> tuple[Ed25519PrivateKey, Path, bool]:
    """This user's signing key, created on first use; returns (key, path, created)."""
    path = key_dir() / f"{DEFAULT_KEY_NAME}.key"
    created = False
    if not path.exists():
        if not create:
            raise SigningError(
                f"no signing key at {path}: create one with `knotwork keys generate`"
            )
        generate_key()
        created = True
    return load_private_key(path), path, created


TrustedKeys = str | Path | Ed25519PublicKey | Iterable[str | Path | Ed25519PublicKey] | dict | None


def trusted_keys(keys: TrustedKeys = None) -> dict[str, Ed25519PublicKey]:
    """Resolve public keys by id: None means this machine's trusted folder plus its own key;
    otherwise key files, folders of `*.pub` files, or key objects."""
    if isinstance(keys, dict):
        return dict(keys)
    if keys is None:
        items: list = [trusted_dir()]
        own = key_dir() / f"{DEFAULT_KEY_NAME}.pub"
        if own.exists():
            items.append(own)
    elif isinstance(keys, (str, Path, Ed25519PublicKey)):
        items = [keys]
    else:
        items = list(keys)
    found: dict[str, Ed25519PublicKey] = {}
    for item in items:
        if isinstance(item, Ed25519PublicKey):
            found[key_id(item)] = item
            continue
        path = Path(item).expanduser()
        if path.is_dir():
            for pub in sorted(path.glob("*.pub")):
                k = load_public_key(pub)
                found[key_id(k)] = k
        elif path.exists() or keys is not None:
            k = load_public_key(path)
            found[key_id(k)] = k
    return found


def sign(data: bytes, private_key: Ed25519PrivateKey) -> dict[str, str]:
    """The signature document stored beside the signed bytes."""
    return {
        "algorithm": ALGORITHM,
        "key_id": key_id(private_key.public_key()),
        "signature": base64.b64encode(private_key.sign(data)).decode("ascii"),
    }


@dataclass(frozen=True)
class Signer:
    """The private key one build signs with, and where it came from; what deploy holds
    instead of a raw key object."""

    private_key: Ed25519PrivateKey
    path: Path | None = None
    created: bool = False  # the key was created for this signer (first use on this machine)

    @classmethod
    def resolve(cls, key: SigningKey = None) -> Signer:
        """A Signer from a Signer, a key object, a PEM file path, or None: this user's
        default key, created on first use."""
        if isinstance(key, Signer):
            return key
        if isinstance(key, Ed25519PrivateKey):
            return cls(key)
        if key is not None:
            return cls(load_private_key(key), Path(key).expanduser())
        private_key, path, created = default_signing_key(create=True)
        return cls(private_key, path, created)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, data: bytes) -> dict[str, str]:
        """The signature document of `data` (see `sign`)."""
        return sign(data, self.private_key)


SigningKey = Signer | Ed25519PrivateKey | str | Path | None


def public_key_pem(private_key: Ed25519PrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def verify(
    data: bytes, document: dict, keys: dict[str, Ed25519PublicKey], what: str = "manifest.json"
) -> str:
    """Check a signature document against trusted keys; return the key id or raise SigningError."""
    if not isinstance(document, dict) or document.get("algorithm") != ALGORITHM:
        raise SigningError(
            f"{what}: unsupported signature algorithm {document.get('algorithm') if isinstance(document, dict) else None!r} (expected {ALGORITHM})"
        )
    kid = str(document.get("key_id", ""))
    key = keys.get(kid)
    if key is None:
        known = ", ".join(sorted(keys)) or "none"
        raise SigningError(
            f"{what} is signed by key {kid!r}, which is not trusted here (trusted: {known}); "
            f"pass its public key (--key FILE) or copy it into {trusted_dir()}"
        )
    try:
        key.verify(base64.b64decode(str(document.get("signature", "")), validate=True), data)
    except (InvalidSignature, ValueError):
        raise SigningError(
            f"{what}: the signature does not match (the manifest was altered after signing)"
        ) from None
    return kid
