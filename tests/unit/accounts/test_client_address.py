import ipaddress

import pytest

from xunjian.accounts.rules import client_address
from xunjian.config import Settings, parse_networks
from xunjian.errors import ConfigError

PROXIES = parse_networks("10.0.0.0/8, 192.168.1.5, fd00::/8")


def test_without_trusted_proxies_the_peer_is_the_client():
    assert client_address("127.0.0.1", ["1.2.3.4"], ()) == "127.0.0.1"
    assert client_address("203.0.113.5", ["10.0.0.1"], PROXIES) == "203.0.113.5"
    assert client_address("testclient", ["1.2.3.4"], PROXIES) == "testclient"


def test_the_right_most_untrusted_forwarded_address_counts():
    assert client_address("10.0.0.2", ["198.51.100.1, 203.0.113.7"], PROXIES) == "203.0.113.7"
    assert client_address("10.0.0.2", ["198.51.100.1, 203.0.113.7, 192.168.1.5"], PROXIES) == "203.0.113.7"
    assert client_address("10.0.0.2", ["198.51.100.1", "203.0.113.7, 10.3.3.3"], PROXIES) == "203.0.113.7"
    assert client_address("fd00::2", ["2001:db8::1"], PROXIES) == "2001:db8::1"
    assert client_address("[fd00::2]", ["[2001:db8::1]:443"], PROXIES) == "2001:db8::1"
    assert client_address("::ffff:10.0.0.2", ["203.0.113.7:5555"], PROXIES) == "203.0.113.7"


def test_no_or_broken_forwarded_header_leaves_the_last_trusted_hop():
    assert client_address("10.0.0.2", [], PROXIES) == "10.0.0.2"
    assert client_address("10.0.0.2", ["unknown"], PROXIES) == "10.0.0.2"
    assert client_address("10.0.0.2", ["203.0.113.7, garbage, 10.0.0.9"], PROXIES) == "10.0.0.9"
    assert client_address("10.0.0.2", ["10.0.0.8, 10.0.0.9"], PROXIES) == "10.0.0.8"


def test_trusted_proxies_setting_parses_and_refuses_nonsense():
    settings = Settings.from_env({"XUNJIAN_TRUSTED_PROXIES": "172.18.0.0/16,::1, 2001:db8::/32"})
    assert settings.trusted_proxies == (ipaddress.ip_network("172.18.0.0/16"), ipaddress.ip_network("::1/128"),
                                        ipaddress.ip_network("2001:db8::/32"))
    assert Settings.from_env({}).trusted_proxies == ()
    for bad in ("10.0.0.0/33", "proxy.local", "10.0.0.1;10.0.0.2"):
        with pytest.raises(ConfigError, match="XUNJIAN_TRUSTED_PROXIES"):
            Settings.from_env({"XUNJIAN_TRUSTED_PROXIES": bad})


def test_login_bounds_must_be_positive():
    assert Settings.from_env({"XUNJIAN_LOGIN_CONCURRENCY": "3"}).login_concurrency == 3
    for name in ("XUNJIAN_LOGIN_CONCURRENCY", "XUNJIAN_LOGIN_QUEUE_SECONDS"):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: "0"})
