"""The signer a build holds: this user's key created once on first use, or a named key
file; its signatures verify against its public key and no other."""

from __future__ import annotations

import pytest

from studio.security.signing import Signer, SigningError, generate_key, trusted_keys, verify


def test_the_default_signer_is_created_on_first_use_only(knotwork_home):
    first = Signer.resolve()
    again = Signer.resolve()
    assert first.created and not again.created
    assert first.path == again.path == knotwork_home / "keys" / "default.key"
    assert first.key_id == again.key_id


def test_a_key_file_signs_and_only_its_public_key_verifies(tmp_path):
    ours = Signer.resolve(generate_key(tmp_path / "ours", trust=False).private_path)
    theirs = Signer.resolve(generate_key(tmp_path / "theirs", trust=False).private_path)
    document = ours.sign(b"manifest bytes")
    assert verify(b"manifest bytes", document, trusted_keys([ours.public_key])) == ours.key_id
    with pytest.raises(SigningError, match="not trusted here"):
        verify(b"manifest bytes", document, trusted_keys([theirs.public_key]))
    with pytest.raises(SigningError, match="does not match"):
        verify(b"altered bytes", document, trusted_keys([ours.public_key]))
    assert Signer.resolve(ours) is ours and not ours.created
