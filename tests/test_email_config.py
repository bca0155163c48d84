"""The config's `email:` section: defaults, and errors that name the key path."""

from __future__ import annotations

import pytest

from reportgen.errors import ConfigError

UNITS = [
    {"id": "alpha", "names": {"en": "Alpha", "zh-CN": "阿尔法"}, "owners": ["a@example.com"]},
    {"id": "beta", "names": {"en": "Beta", "zh-CN": "贝塔"}},
]
BASE = {"from": "CX <cx@example.com>"}


@pytest.fixture
def write(project):
    project.table(
        "responses", ["response_id", "date", "unit", "csat"], [["r1", "2025-07-01", "alpha", 5]]
    )

    def config(email=None, units=UNITS):
        extra = {} if email is None else {"email": email}
        return project.config(units=units, **extra)

    return config


def test_defaults(write, load):
    cfg = load(write({**BASE, "smtp": {"host": "smtp.example.com"}}))
    email = cfg.email
    assert email.sender == "CX <cx@example.com>"
    assert email.smtp.security == "starttls" and email.smtp.effective_port == 587
    assert email.smtp.timeout_seconds == 30 and email.smtp.ca_bundle is None
    assert email.kpis == ("csat", "nps", "csi", "churn_rate", "repurchase_rate", "fcr")
    assert email.max_attachment_bytes == 10 * 1024 * 1024 and email.attach_deck is False
    implicit = load(write({**BASE, "smtp": {"host": "smtp.example.com", "security": "ssl"}}))
    assert implicit.email.smtp.effective_port == 465
    assert load(write()).email is None


@pytest.mark.parametrize(
    ("email", "message"),
    [
        (
            {**BASE, "smtp": {"hots": "x"}},
            "email.smtp.hots: unknown key; expected one of ['ca_bundle', 'host', 'password_env', "
            "'port', 'security', 'timeout_seconds', 'username_env']. Did you mean 'host'?",
        ),
        ({"smtp": {"host": "x"}}, "email.from: required key is missing"),
        (
            {**BASE, "smtp": {"host": "mail.example.com", "security": "none"}},
            "email.smtp: bad value",
        ),
        (
            {**BASE, "smtp": {"host": "x", "security": "tls"}},
            "email.smtp.security: bad value 'tls'",
        ),
        ({**BASE, "smtp": {"host": "x", "port": 70000}}, "email.smtp.port: bad value 70000"),
        (
            {**BASE, "smtp": {"host": "x", "username_env": "SMTP_USER"}},
            "give both 'username_env' and 'password_env', or neither",
        ),
        (
            {**BASE, "smtp": {"host": "x", "username_env": "A", "password_env": "my password"}},
            "email.smtp.password_env: bad value 'my password'",
        ),
        ({**BASE, "to": ["ok@example.com", "not-an-address"]}, "email.to[1]: bad value"),
        ({**BASE, "cc": ["a@example.com\nBcc: x@evil.com"]}, "cannot contain line breaks"),
        ({**BASE, "cc": ["a@example.com, b@example.com"]}, "email.cc[0]: bad value"),
        ({"from": "nobody"}, "email.from: bad value 'nobody': not an e-mail address"),
        # an empty domain label or a trailing comma: getaddresses reads them as ''
        ({**BASE, "to": ["a@.com"]}, "email.to[0]: bad value 'a@.com': not an e-mail address"),
        ({**BASE, "to": ["a@example..com"]}, "email.to[0]: bad value 'a@example..com'"),
        ({**BASE, "to": ["a@example.com,"]}, "email.to[0]: bad value 'a@example.com,'"),
        ({**BASE, "units": {"alpha": {"to": ["x"]}}}, "email.units.alpha.to[0]: bad value 'x'"),
        (
            {**BASE, "units": {"alpa": {"to": ["x@example.com"]}}},
            "email.units.alpa: not a unit id; expected one of ['alpha', 'beta']. "
            "Did you mean 'alpha'?",
        ),
        ({**BASE, "subject": "{{ unit }"}, "email.subject: bad value '{{ unit }': not a valid"),
        ({**BASE, "max_attachment_mb": 0}, "email.max_attachment_mb: bad value 0"),
    ],
)
def test_errors_name_the_key(write, load, email, message):
    with pytest.raises(ConfigError) as err:
        load(write(email))
    assert message in str(err.value)


def test_security_none_is_for_this_machine_only(write, load):
    with pytest.raises(ConfigError, match="allowed only for a server on this machine"):
        load(write({**BASE, "smtp": {"host": "mail.example.com", "security": "none"}}))
    cfg = load(write({**BASE, "smtp": {"host": "localhost", "security": "none"}}))
    assert cfg.email.smtp.effective_port == 25


def test_owners_must_be_addresses_when_email_is_configured(write, load):
    units = [{**UNITS[0], "owners": ["a@example.com", "Ann"]}, UNITS[1]]
    with pytest.raises(ConfigError, match=r"units\[0\]\.owners\[1\]: bad value 'Ann'"):
        load(write(BASE, units=units))
    assert load(write(None, units=units)).email is None  # no e-mail: owners unchecked
