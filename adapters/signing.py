"""The ed25519 key that signs chain checkpoints.

Kept outside the database (an attacker who can rewrite tables must not be able to forge a
checkpoint): CHRONICLE_SIGNING_KEY (base64 of the 32-byte private seed), else a key file
in the data folder, created on first use with mode 600. Auditors only need the public key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def private_key(data_dir: Path, env_value: str | None = None) -> Ed25519PrivateKey:
    seed = env_value or os.environ.get("CHRONICLE_SIGNING_KEY")
    if seed:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed))
    path = data_dir / "signing.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes_raw()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(base64.b64encode(raw))
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_bytes()))


def public_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def public_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def statement(workspace_id: str, position: int, chain_hash: bytes) -> bytes:
    """What a checkpoint signs: this workspace's chain ended at this position with this hash."""
    return f"chronicle-checkpoint\x00{workspace_id}\x00{position}\x00{chain_hash.hex()}".encode()


def known_public_key(data_dir: Path, env_value: str | None = None) -> Ed25519PublicKey | None:
    """The signer's public key if this host has the key (never creates one)."""
    if env_value or os.environ.get("CHRONICLE_SIGNING_KEY") or (data_dir / "signing.key").exists():
        return private_key(data_dir, env_value).public_key()
    return None


def tree_head_statement(workspace_id: str, tree_size: int, root: bytes, signed_at: str) -> bytes:
    """What a signed tree head signs: this workspace's Merkle tree had this many leaves and
    this root hash at this time (ISO 8601, UTC, as `signed_at_text` writes it)."""
    fields = ("chronicle-tree-head", workspace_id, str(tree_size), root.hex(), signed_at)
    return "\x00".join(fields).encode()


def signed_at_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
