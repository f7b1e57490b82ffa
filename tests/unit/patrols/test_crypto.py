"""The sealing of personal data at rest and its blind index (pure, no database)."""

from __future__ import annotations

import base64

import pytest

from xunjian.config import Settings
from xunjian.errors import ConfigError
from xunjian.patrols.crypto import Keyring, SealError, new_key, normalise, parse_key

A, B = parse_key(new_key(), "a"), parse_key(new_key(), "b")


def test_a_sealed_value_opens_only_as_the_column_it_was_sealed_for():
    ring = Keyring(A)
    sealed = ring.seal("person_record.name", "王小明")
    assert sealed.startswith(f"xj1:{ring.kid}:") and "王小明" not in sealed
    assert ring.seal("person_record.name", "王小明") != sealed  # a fresh nonce each time
    assert ring.open("person_record.name", sealed) == "王小明"
    with pytest.raises(SealError, match="damaged"):
        ring.open("person_record.hometown", sealed)  # copied into another column
    with pytest.raises(SealError, match="damaged"):
        ring.open("person_record.name", sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"))


def test_empty_stays_empty_and_a_plain_value_from_before_reads_as_it_is():
    ring = Keyring(A)
    assert ring.seal("encounter.details", "") == "" and ring.open("encounter.details", "") == ""
    assert ring.open("encounter.details", "桥洞下") == "桥洞下"
    assert ring.seal_json("encounter.features", []) == "[]"
    sealed = ring.seal_json("encounter.features", ["红色书包"])
    assert "红色书包" not in sealed
    assert ring.open_json("encounter.features", sealed) == ["红色书包"]  # the JSON text
    assert ring.open_json("encounter.features", sealed[1:-1]) == ["红色书包"]  # as load_json gives it
    assert ring.open_json("encounter.features", ["旧"]) == ["旧"]


def test_after_a_rotation_old_values_open_and_new_ones_use_the_new_key():
    old_ring = Keyring(A)
    sealed_old = old_ring.seal("encounter.details", "自述来兰州寻亲")
    rotated = Keyring(B, old=A)
    assert rotated.open("encounter.details", sealed_old) == "自述来兰州寻亲"
    assert rotated.seal("encounter.details", "x").startswith(f"xj1:{rotated.kid}:") and rotated.kid != old_ring.kid
    assert not rotated.sealed_under_current(sealed_old)
    with pytest.raises(SealError, match="neither XUNJIAN_PII_KEY nor XUNJIAN_PII_KEY_OLD"):
        Keyring(B).open("encounter.details", sealed_old)
    # Search finds values indexed under either key until they are re-sealed.
    assert rotated.indexes("张某") == [rotated.index("张某"), old_ring.index("张某")]


def test_the_blind_index_is_of_the_normalised_value_and_keyed():
    ring = Keyring(A)
    assert normalise(" Ｄｉｎｇｘｉ 定西 ") == "dingxi定西"
    assert ring.index("Dingxi 定西") == ring.index("DINGXI定西") != ring.index("Dingxi")
    assert len(ring.index("张某")) == 64 and ring.index("") == "" and ring.index("  ") == ""
    assert Keyring(B).index("张某") != ring.index("张某")
    # Derived apart from the encryption key: the index is not the plain HMAC under the configured key.
    import hashlib
    import hmac
    assert ring.index("张某") != hmac.new(A, "张某".encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("raw, message", [
    ("not base64!", "not base64"), (base64.b64encode(b"short").decode(), "32 bytes"),
])
def test_a_malformed_key_is_refused_saying_what_is_wrong(raw, message):
    with pytest.raises(ConfigError, match=message) as info:
        Settings(pii_key=raw).pii_keys()
    assert raw not in str(info.value)  # a log line never carries the key


def test_postgres_needs_the_key_set_and_sqlite_makes_one_in_the_data_dir(tmp_path):
    with pytest.raises(ConfigError, match="must be set on PostgreSQL"):
        Settings(database_url="postgresql://x@127.0.0.1/y", data_dir=tmp_path).pii_keys()
    first, old = Settings(data_dir=tmp_path).pii_keys()
    assert old is None and len(first) == 32
    assert (tmp_path / "pii_key").stat().st_mode & 0o777 == 0o600
    assert Settings(data_dir=tmp_path).pii_keys()[0] == first  # the same key next time
    assert Settings(data_dir=tmp_path, pii_key=new_key()).pii_keys()[0] != first
