"""`reportgen send`: real messages through a real SMTP server on loopback.

An aiosmtpd server runs in a thread on 127.0.0.1 with certificates from a throw-away
CA (trustme); the client verifies them against that CA's PEM file, configured as
``email.smtp.ca_bundle``. Assertions are on what the server received: envelope,
headers, the HTML and text parts, the inline chart and the attachment bytes.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email
import email.policy
import logging
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import lxml.html
import openpyxl
import pytest
import trustme
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from reportgen.config import ReportConfig, SmtpSettings, UnitRecipients, load_config
from reportgen.delivery.email import (
    deliver,
    plan_messages,
    recipients_for,
    workbook_path,
    write_eml,
)
from reportgen.errors import ConfigError, DeliveryError
from reportgen.formatting import format_change, format_n, format_value, significance_mark
from reportgen.pipeline import compute_kpis

# A chart with Chinese text must never fall back to empty boxes.
pytestmark = pytest.mark.filterwarnings("error:Glyph:UserWarning")

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 23)
USER_ENV, PASSWORD_ENV = "RG_TEST_SMTP_USER", "RG_TEST_SMTP_PASSWORD"
USER, PASSWORD = "mailer", "s3cret-Pa55word"
UNITS = [
    {
        "id": "alpha",
        "names": {"en": "Alpha", "zh-CN": "阿尔法"},
        "owners": ["a1@example.com", "Ann Owner <a2@example.com>"],
    },
    {"id": "beta", "names": {"en": "Beta", "zh-CN": "贝塔"}, "owners": ["b1@example.com"]},
    {"id": "gamma", "names": {"en": "Gamma", "zh-CN": "伽马"}, "owners": ["g1@example.com"]},
]
EMAIL = {"from": "CX Insights <cx@example.com>", "cc": ["cx-archive@example.com"]}


# -- a small project: two units with data, one without --------------------------------


def _responses() -> list[list[object]]:
    rows: list[list[object]] = []
    csat = [5, 4, 3, 2, 1, 5, 4, 4, 5, 5]  # top-2 box: 7 of 10 → 70.0%
    ltr = [10, 9, 8, 7, 6, 0, 10, 9, 9, 5]  # 5 promoters, 3 detractors → NPS 20.0
    for i in range(10):
        rows.append([f"a{i}", f"c{i}", f"2025-07-{i + 1:02d}", "alpha", csat[i], ltr[i], 4, 3])
        rows.append([f"p{i}", f"c{i}", f"2025-04-{i + 1:02d}", "alpha", 5, 10, 5, 5])
    for i in range(6):
        rows.append([f"b{i}", f"d{i}", f"2025-08-{i + 1:02d}", "beta", 1, 0, 2, 2])
    return rows


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    from conftest import Project

    p = Project(tmp_path_factory.mktemp("email"))
    p.table(
        "responses",
        ["response_id", "customer_id", "date", "unit", "csat", "ltr", "product_fit", "brand_trust"],
        _responses(),
    )
    p.table(
        "tickets",
        ["ticket_id", "unit", "opened_at", "resolved_at", "contacts"],
        [
            ["t1", "alpha", "2025-07-01 10:00", "2025-07-01 12:00", 1],
            ["t2", "alpha", "2025-07-02 10:00", "2025-07-02 18:00", 2],
            ["t3", "alpha", "2025-07-03 10:00", "2025-07-03 11:00", 1],
            ["t4", "alpha", "2025-04-03 10:00", "2025-04-03 11:00", 3],
        ],
    )
    return p.config(
        units=UNITS,
        email=EMAIL,
        targets=[{"unit": "alpha", "period": "2025Q3", "kpi": "csat", "target": 0.65}],
        kpis={"csi_weights": {"product_fit": 0.5, "brand_trust": 0.5}},
    )


@pytest.fixture(scope="module")
def cfg(project) -> ReportConfig:
    return load_config(project)


@pytest.fixture(scope="module")
def report(cfg):
    return compute_kpis(cfg, period="2025Q3", today=TODAY)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory, report) -> Path:
    """What `reportgen build` leaves behind: one real workbook per unit."""
    out = tmp_path_factory.mktemp("out")
    for unit in report.units:
        path = workbook_path(out, report.period.label, unit)
        path.parent.mkdir(parents=True)
        wb = openpyxl.Workbook()
        wb.active.title = "Scorecard"
        wb.active.append(["unit", unit])
        wb.save(path)
    return out


def test_workbook_path_is_where_build_writes(report, tmp_path):
    import reportgen.export

    build_paths = getattr(reportgen.export, "workbook_paths", None)
    if build_paths is None:
        pytest.skip("reportgen build does not write workbooks yet")
    want = {u: workbook_path(tmp_path, report.period.label, u) for u in report.units}
    assert build_paths(report, tmp_path) == want


# -- the SMTP server -------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: bytes | None

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps every message and refuses chosen recipients."""

    refuse: frozenset[str] = frozenset()
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        auth = session.auth_data if session.authenticated else None
        login = auth.login if isinstance(auth, LoginPassword) else None
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content,
                server.transport.get_extra_info("ssl_object") is not None,
                login,
            )
        )
        return "250 Message accepted"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def smtp_server(recorder: Recorder, **kwargs) -> Iterator[int]:
    port = free_port()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=port, server_hostname="mail.test", **kwargs
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@dataclass(frozen=True)
class Pki:
    ca_pem: Path
    server: ssl.SSLContext  # signed by the CA in ca_pem
    untrusted: ssl.SSLContext  # signed by another CA


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    ca = trustme.CA()
    pem = tmp_path_factory.mktemp("pki") / "internal-ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    return Pki(pem, _server_context(ca), _server_context(trustme.CA()))


def with_email(cfg: ReportConfig, **updates) -> ReportConfig:
    assert cfg.email is not None
    return cfg.model_copy(update={"email": cfg.email.model_copy(update=updates)})


def smtp(port: int, pki: Pki | None = None, **kwargs) -> SmtpSettings:
    defaults = {"host": "127.0.0.1", "port": port, "timeout_seconds": 5}
    if pki is not None:
        defaults["ca_bundle"] = pki.ca_pem
    return SmtpSettings(**{**defaults, **kwargs})


# -- reading a received message ------------------------------------------------------


def html_rows(msg: EmailMessage) -> dict[str, dict[str, str]]:
    """KPI id → {value, change, target, n} as shown in the HTML table."""
    html = msg.get_body(("html",)).get_content()
    doc = lxml.html.fromstring(html)
    rows = {}
    for tr in doc.xpath("//tr[@data-kpi]"):
        cells = {td.get("class"): td.text_content().strip() for td in tr.xpath("td[@class]")}
        rows[tr.get("data-kpi")] = cells
    return rows


def text_line(msg: EmailMessage, label: str) -> str:
    text = msg.get_body(("plain",)).get_content()
    lines = [ln for ln in text.splitlines() if ln.startswith(f"- {label}")]
    assert len(lines) == 1, text
    return lines[0]


def attachments(msg: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in msg.iter_attachments()}


def expected_figures(report, unit: str, kpi: str, lang: str = "en") -> dict[str, str]:
    """The engine's numbers for one KPI, formatted by reportgen.formatting."""
    sc = report.scorecard
    r = sc[(sc.unit == unit) & (sc.kpi == kpi)].iloc[0]
    sig = None if r.sig_prev is None else bool(r.sig_prev)
    return {
        "value": format_value(r.value, r.value_unit, lang),
        "change": format_change(r.change_prev, r.value_unit, lang),
        "mark": significance_mark(sig, r.change_prev, int(r.direction)),
        "target": format_value(r.target, r.value_unit, lang),
        "n": format_n(int(r.n)),
    }


# -- sending ---------------------------------------------------------------------------


def test_starttls_with_login_delivers_every_unit(cfg, report, out_dir, pki, caplog, capsys):
    caplog.set_level(logging.DEBUG, logger="reportgen")
    recorder = Recorder()
    env = {USER_ENV: USER, PASSWORD_ENV: PASSWORD}
    with smtp_server(
        recorder, tls_context=pki.server, require_starttls=True, authenticator=_authenticator
    ) as port:
        settings = smtp(port, pki, username_env=USER_ENV, password_env=PASSWORD_ENV)
        result = deliver(
            with_email(cfg, smtp=settings), report, out_dir=out_dir, lang="en", env=env
        )
    assert [o.status for o in result.outcomes] == ["sent", "sent", "sent"]
    result.raise_for_failures()  # does not raise
    by_unit = {r.message["X-Reportgen-Unit"]: r for r in recorder.received}
    assert sorted(by_unit) == ["alpha", "beta", "gamma"]
    alpha = by_unit["alpha"]
    assert alpha.tls and alpha.login == USER.encode()
    assert alpha.mail_from == "cx@example.com"
    assert alpha.rcpt_tos == ["a1@example.com", "a2@example.com", "cx-archive@example.com"]
    assert by_unit["beta"].rcpt_tos == ["b1@example.com", "cx-archive@example.com"]
    msg = alpha.message
    assert msg["Subject"] == "Alpha: Customer Satisfaction & Loyalty Report, Q3 2025"
    assert msg["To"] == "a1@example.com, Ann Owner <a2@example.com>"
    assert msg["Cc"] == "cx-archive@example.com"
    workbook = workbook_path(out_dir, "2025Q3", "alpha")
    assert attachments(msg) == {"alpha_2025Q3.xlsx": workbook.read_bytes()}
    # the password never reaches a log line or the terminal
    out = capsys.readouterr()
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("reportgen"))
    assert "alpha: sent" in ours  # the log is captured at all
    for text in (ours, out.out, out.err, repr(result)):
        assert PASSWORD not in text and base64.b64encode(PASSWORD.encode()).decode() not in text


def test_message_figures_equal_the_kpi_engine(cfg, report, out_dir, pki):
    recorder = Recorder()
    with smtp_server(recorder, tls_context=pki.server, require_starttls=True) as port:
        deliver(with_email(cfg, smtp=smtp(port, pki)), report, out_dir=out_dir, lang="en")
    msg = next(r.message for r in recorder.received if r.message["X-Reportgen-Unit"] == "alpha")
    rows = html_rows(msg)
    assert list(rows) == ["csat", "nps", "csi", "fcr"]  # churn/repurchase: no data, left out
    for kpi, label in [("csat", "CSAT"), ("nps", "NPS"), ("csi", "Satisfaction index (CSI)")]:
        want = expected_figures(report, "alpha", kpi)
        got = rows[kpi]
        assert got["value"] == want["value"]
        assert got["change"] == f"{want['change']} {want['mark']}".strip()
        assert got["target"] == want["target"] and got["n"] == want["n"]
        line = text_line(msg, label)
        for part in ("value", "change", "target", "n"):
            assert want[part] in line, (part, line)
    # hand-computed: 7 of 10 in the top two boxes, NPS 50% − 30%, target from the config
    assert rows["csat"]["value"] == "70.0%" and rows["csat"]["target"] == "65.0%"
    assert rows["nps"]["value"] == "20.0"
    assert rows["csat"]["change"].startswith("−30.0 pp")  # Q2: every answer a 5
    # the chart: an inline PNG whose Content-ID is the one the HTML refers to
    related = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(related) == 1
    png = related[0]
    assert png.get_content().startswith(b"\x89PNG\r\n\x1a\n")
    assert png["Content-Disposition"].startswith("inline")
    cid = png["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in msg.get_body(("html",)).get_content()
    # gamma has no data: every figure is a dash, and there is no chart
    gamma = next(r.message for r in recorder.received if r.message["X-Reportgen-Unit"] == "gamma")
    assert {row["value"] for row in html_rows(gamma).values()} == {"–"}
    assert not [p for p in gamma.walk() if p.get_content_type() == "image/png"]


def test_implicit_tls(cfg, report, out_dir, pki):
    recorder = Recorder()
    with smtp_server(recorder, ssl_context=pki.server) as port:
        settings = smtp(port, pki, security="ssl")
        result = deliver(with_email(cfg, smtp=settings), report, out_dir=out_dir, lang="en", env={})
    assert not result.failed
    assert len(recorder.received) == 3 and all(r.tls for r in recorder.received)


def test_certificate_from_another_ca_is_refused_and_nothing_sent(cfg, report, out_dir, pki):
    for kwargs, security in (
        ({"tls_context": pki.untrusted, "require_starttls": True}, "starttls"),
        ({"ssl_context": pki.untrusted}, "ssl"),
    ):
        recorder = Recorder()
        with smtp_server(recorder, **kwargs) as port:
            settings = smtp(port, pki, security=security)
            with pytest.raises(DeliveryError) as err:
                deliver(with_email(cfg, smtp=settings), report, out_dir=out_dir, lang="en")
        assert "certificate verification failed" in str(err.value)
        assert f"127.0.0.1:{port}" in str(err.value) and "ca_bundle" in str(err.value)
        assert recorder.received == []


def test_refused_recipients_are_reported_and_other_units_still_sent(cfg, report, out_dir, pki):
    recorder = Recorder(refuse=frozenset({"a2@example.com", "b1@example.com"}))
    conf = with_email(cfg, cc=())
    with smtp_server(recorder, tls_context=pki.server) as port:
        result = deliver(with_email(conf, smtp=smtp(port, pki)), report, out_dir=out_dir, lang="en")
    by_unit = {o.unit_id: o for o in result.outcomes}
    assert by_unit["alpha"].status == "partly refused"
    assert by_unit["alpha"].accepted == ("a1@example.com",)
    assert list(by_unit["alpha"].refused) == ["a2@example.com"]
    assert by_unit["alpha"].refused["a2@example.com"].startswith("550 5.1.1")
    assert by_unit["beta"].status == "failed"  # its only recipient was refused
    assert by_unit["gamma"].status == "sent"
    # the server got alpha's message for a1 and gamma's; nothing for beta
    assert [(r.message["X-Reportgen-Unit"], r.rcpt_tos) for r in recorder.received] == [
        ("alpha", ["a1@example.com"]),
        ("gamma", ["g1@example.com"]),
    ]
    lines = result.lines()
    assert "REFUSED a2@example.com (550" in lines[0] and "delivered to a1@example.com" in lines[0]
    with pytest.raises(DeliveryError, match=r"2 of 3 unit message\(s\) not fully delivered"):
        result.raise_for_failures()


def test_missing_credential_variable_is_named_before_connecting(cfg, report, out_dir):
    settings = smtp(free_port(), username_env=USER_ENV, password_env=PASSWORD_ENV)
    with pytest.raises(DeliveryError) as err:
        deliver(
            with_email(cfg, smtp=settings),
            report,
            out_dir=out_dir,
            lang="en",
            env={USER_ENV: "someone-secret"},
        )
    message = str(err.value)
    assert f"${PASSWORD_ENV} is not set" in message
    assert f"${USER_ENV}" not in message and "someone-secret" not in message


def test_unreachable_server_names_host_and_port(cfg, report, out_dir):
    port = free_port()  # nothing listens there
    with pytest.raises(DeliveryError) as err:
        deliver(with_email(cfg, smtp=smtp(port)), report, out_dir=out_dir, lang="en")
    assert f"cannot connect to SMTP server 127.0.0.1:{port}" in str(err.value)
    assert "refused" in str(err.value).lower()


def test_silent_server_times_out(cfg, report, out_dir):
    with socket.socket() as listener:  # accepts connections, never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        conf = with_email(cfg, smtp=smtp(port, timeout_seconds=0.3))
        with pytest.raises(DeliveryError) as err:
            deliver(conf, report, out_dir=out_dir, lang="en")
    assert str(err.value).startswith(f"SMTP server 127.0.0.1:{port} did not answer within 0.3 s")


def test_wrong_password_names_the_variable_not_the_secret(cfg, report, out_dir, pki):
    recorder = Recorder()
    wrong = "not-the-Pa55word"
    with smtp_server(
        recorder, tls_context=pki.server, require_starttls=True, authenticator=_authenticator
    ) as port:
        settings = smtp(port, pki, username_env=USER_ENV, password_env=PASSWORD_ENV)
        conf = with_email(cfg, smtp=settings)
        with pytest.raises(DeliveryError) as err:
            deliver(
                conf, report, out_dir=out_dir, lang="en", env={USER_ENV: USER, PASSWORD_ENV: wrong}
            )
    message = str(err.value)
    assert f"127.0.0.1:{port} refused the login of the user in ${USER_ENV}: 535" in message
    assert wrong not in message and USER not in message
    assert recorder.received == []


def test_oversize_attachment_is_refused_before_connecting(cfg, report, out_dir):
    size = workbook_path(out_dir, "2025Q3", "beta").stat().st_size
    limit_mb = (size - 1) / 1024 / 1024
    conf = with_email(cfg, smtp=smtp(free_port()), max_attachment_mb=limit_mb)
    with pytest.raises(DeliveryError) as err:
        deliver(conf, report, out_dir=out_dir, lang="en")
    message = str(err.value)
    assert message.startswith("nothing was sent: 3 problem(s)")  # every unit is listed
    assert "beta: attachments are" in message and "email.max_attachment_mb" in message
    assert "cannot connect" not in message  # the closed port was never tried


def test_server_size_limit_checked_before_the_first_message(cfg, report, out_dir, pki):
    recorder = Recorder()
    with (
        smtp_server(recorder, tls_context=pki.server, data_size_limit=4000) as port,
        pytest.raises(DeliveryError, match="accepts messages up to") as err,
    ):
        deliver(with_email(cfg, smtp=smtp(port, pki)), report, out_dir=out_dir, lang="en")
    assert "alpha" in str(err.value) and recorder.received == []


def test_missing_workbook_asks_to_run_build(cfg, report, tmp_path):
    conf = with_email(cfg, smtp=smtp(free_port()))
    with pytest.raises(DeliveryError) as err:
        deliver(conf, report, out_dir=tmp_path, lang="en")
    message = str(err.value)
    assert "run 'reportgen build --period 2025Q3'" in message
    expected = workbook_path(tmp_path, "2025Q3", "gamma")
    assert f"gamma: workbook {expected} not found" in message


def test_security_none_is_plain_smtp_on_localhost(cfg, report, out_dir):
    recorder = Recorder()
    with smtp_server(recorder) as port:
        settings = smtp(port, security="none")
        result = deliver(with_email(cfg, smtp=settings), report, out_dir=out_dir, lang="en")
    assert not result.failed and len(recorder.received) == 3
    assert not any(r.tls for r in recorder.received)


def test_starttls_required_but_not_offered(cfg, report, out_dir, pki):
    recorder = Recorder()
    with (
        smtp_server(recorder) as port,  # no tls_context: no STARTTLS in EHLO
        pytest.raises(DeliveryError, match="does not offer STARTTLS"),
    ):
        deliver(with_email(cfg, smtp=smtp(port, pki)), report, out_dir=out_dir, lang="en")
    assert recorder.received == []


# -- composing -------------------------------------------------------------------------


def test_dry_run_writes_the_exact_messages(cfg, report, out_dir, tmp_path):
    planned = plan_messages(cfg, report, out_dir=out_dir, lang="en")
    result = write_eml(planned, tmp_path / "eml")
    files = sorted(p.name for p in (tmp_path / "eml").iterdir())
    assert files == ["alpha.eml", "beta.eml", "gamma.eml"]
    for m, outcome in zip(planned, result.outcomes, strict=True):
        data = (tmp_path / "eml" / f"{m.slug}.eml").read_bytes()
        assert data == m.data and b"\r\n" in data and b"\r\r" not in data
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert parsed["X-Reportgen-Unit"] == m.unit_id == outcome.unit_id
        workbook = workbook_path(out_dir, "2025Q3", m.unit_id)
        assert attachments(parsed) == {workbook.name: workbook.read_bytes()}
    assert not result.failed


def test_chinese_message(cfg, report, out_dir, tmp_path):
    deliver(cfg, report, out_dir=out_dir, lang="zh-CN", dry_run=tmp_path)
    msg = email.message_from_bytes(
        (tmp_path / "alpha.eml").read_bytes(), policy=email.policy.default
    )
    assert msg["Subject"] == "【阿尔法】2025年第三季度客户满意度与忠诚度报告"
    want = expected_figures(report, "alpha", "nps", "zh-CN")
    assert want["value"] in text_line(msg, "净推荐值（NPS）")
    assert html_rows(msg)["csat"]["change"].startswith("−30.0个百分点")
    assert "核心指标" in msg.get_body(("html",)).get_content()
    # the comparison period named as the subject names the period (not "较 2025Q2")
    assert "<th>较 2025年第二季度</th>" in msg.get_body(("html",)).get_content()
    assert "核心指标（较 2025年第二季度的变化）" in msg.get_body(("plain",)).get_content()
    assert [p.get_content_type() for p in msg.walk()].count("image/png") == 1


def test_html_is_escaped_text_and_subject_are_not(cfg, report, out_dir, tmp_path):
    units = tuple(
        u.model_copy(update={"names": u.names.model_copy(update={"en": "R&D <Labs>"})})
        if u.id == "alpha"
        else u
        for u in cfg.units
    )
    conf = cfg.model_copy(update={"units": units})
    deliver(conf, report, out_dir=out_dir, lang="en", dry_run=tmp_path)
    msg = email.message_from_bytes(
        (tmp_path / "alpha.eml").read_bytes(), policy=email.policy.default
    )
    html = msg.get_body(("html",)).get_content()
    assert "R&amp;D &lt;Labs&gt;" in html and "<Labs>" not in html
    assert msg["Subject"].startswith("R&D <Labs>:")
    assert "R&D <Labs>" in msg.get_body(("plain",)).get_content()


def test_deck_attached_when_configured_and_present(cfg, report, out_dir, tmp_path):
    deck = workbook_path(out_dir, "2025Q3", "beta").with_suffix(".pptx")
    deck.write_bytes(b"PK\x03\x04 not really a deck")
    try:
        planned = plan_messages(
            with_email(cfg, attach_deck=True), report, out_dir=out_dir, lang="en"
        )
        without = plan_messages(cfg, report, out_dir=out_dir, lang="en")
    finally:
        deck.unlink()
    names = {m.unit_id: [p.name for p in m.attachments] for m in planned}
    assert names["beta"] == ["beta_2025Q3.xlsx", "beta_2025Q3.pptx"]
    assert names["alpha"] == ["alpha_2025Q3.xlsx"]  # no deck there: workbook only
    assert [p.name for p in without[1].attachments] == ["beta_2025Q3.xlsx"]


def test_recipients_owners_overrides_and_defaults(cfg):
    conf = with_email(
        cfg,
        to=("head@example.com",),
        cc=("a1@example.com", "archive@example.com"),
        units={"beta": UnitRecipients(to=("x@example.com",), cc=("y@example.com",))},
    )
    alpha = recipients_for(conf, "alpha")
    assert alpha.to == ("a1@example.com", "Ann Owner <a2@example.com>", "head@example.com")
    assert alpha.cc == ("archive@example.com",)  # a1 is in To already
    beta = recipients_for(conf, "beta")
    assert beta.to == ("x@example.com", "head@example.com")  # override replaces owners
    assert beta.cc == ("y@example.com", "a1@example.com", "archive@example.com")
    assert beta.envelope == (
        "x@example.com",
        "head@example.com",
        "y@example.com",
        "a1@example.com",
        "archive@example.com",
    )


def test_unit_without_recipients_stops_everything(cfg, report, out_dir):
    units = tuple(u.model_copy(update={"owners": ()}) if u.id == "gamma" else u for u in cfg.units)
    conf = cfg.model_copy(update={"units": units})
    with pytest.raises(DeliveryError, match="gamma: no recipients"):
        plan_messages(conf, report, out_dir=out_dir, lang="en")


def test_subject_template_errors_name_the_key(cfg, report, out_dir, tmp_path):
    conf = with_email(cfg, subject="{{ unit }} {{ nonsense }}")
    with pytest.raises(ConfigError, match=r"email\.subject: 'nonsense' is undefined"):
        deliver(conf, report, out_dir=out_dir, lang="en", dry_run=tmp_path)
    assert list(tmp_path.iterdir()) == []
    conf = with_email(cfg, subject="[{{ period_label }}] {{ unit_id }}")
    deliver(conf, report, out_dir=out_dir, lang="en", dry_run=tmp_path)
    msg = email.message_from_bytes(
        (tmp_path / "beta.eml").read_bytes(), policy=email.policy.default
    )
    assert msg["Subject"] == "[2025Q3] beta"


def test_sending_needs_an_smtp_section(cfg, report, out_dir):
    with pytest.raises(ConfigError, match=r"email\.smtp: required to send.*--dry-run"):
        deliver(cfg, report, out_dir=out_dir, lang="en")


# -- the command line, end to end ------------------------------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "reportgen", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _write_config(project: Path, tmp_path: Path, email_section: dict) -> Path:
    raw = yaml.safe_load(project.read_text(encoding="utf-8"))
    raw["email"] = email_section
    for src in raw["sources"].values():
        src["path"] = str(project.parent / src["path"])
    path = tmp_path / "reportgen.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def in_process_cli(monkeypatch, capsys):
    """Run ``reportgen …`` in this process (imports already paid for); the root logger's
    handlers, which the CLI replaces, are put back afterwards."""
    from reportgen import cli

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["reportgen", *args])
        code = 0
        try:
            cli.main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    yield run
    root.handlers[:] = handlers
    root.setLevel(level)


def test_cli_dry_run(project, out_dir, tmp_path, in_process_cli):
    config = _write_config(project, tmp_path, EMAIL)
    code, out, err = in_process_cli(
        "send", "--config", str(config), "--period", "2025Q3", "--out", str(out_dir),
        "--dry-run", str(tmp_path / "eml"), "--unit", "alpha", "--unit", "贝塔",
    )  # fmt: skip
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "eml").iterdir()) == ["alpha.eml", "beta.eml"]
    assert f"wrote    alpha: {tmp_path / 'eml' / 'alpha.eml'}" in out
    beta = email.message_from_bytes(
        (tmp_path / "eml" / "beta.eml").read_bytes(), policy=email.policy.default
    )
    assert beta["Subject"] == "【贝塔】2025年第三季度客户满意度与忠诚度报告"  # config language
    assert beta["To"] == "b1@example.com"


def test_cli_missing_password_fails_before_computing(
    project, tmp_path, in_process_cli, monkeypatch
):
    section = {
        **EMAIL,
        "smtp": {
            "host": "127.0.0.1",
            "port": free_port(),
            "username_env": USER_ENV,
            "password_env": PASSWORD_ENV,
        },
    }
    config = _write_config(project, tmp_path, section)
    monkeypatch.setenv(USER_ENV, USER)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    import reportgen.pipeline

    def not_called(*args, **kwargs):
        raise AssertionError("KPIs computed before the credentials were checked")

    monkeypatch.setattr(reportgen.pipeline, "compute_kpis", not_called)
    code, out, err = in_process_cli("send", "--config", str(config), "--out", str(tmp_path))
    assert code == 2 and out == ""
    assert err.strip() == (
        f"error: environment variable ${PASSWORD_ENV} is not set (email.smtp names it for the "
        "SMTP login); set it, or remove username_env/password_env to send without a login"
    )


def test_cli_send_end_to_end_reports_refusal_with_exit_2(project, out_dir, pki, tmp_path):
    """A real process against the real server: one refused address, exit code 2."""
    recorder = Recorder(refuse=frozenset({"a2@example.com"}))
    with smtp_server(recorder, tls_context=pki.server, require_starttls=True) as port:
        section = {
            **EMAIL,
            "smtp": {"host": "127.0.0.1", "port": port, "ca_bundle": str(pki.ca_pem)},
        }
        config = _write_config(project, tmp_path, section)
        r = run_cli(
            "send", "--config", str(config), "--period", "2025Q3", "--out", str(out_dir),
            "--lang", "en",
        )  # fmt: skip
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "REFUSED a2@example.com (550" in r.stdout
    assert "sent     beta:" in r.stdout and "sent     gamma:" in r.stdout
    assert r.stderr.strip().splitlines()[-1] == (
        "error: 1 of 3 unit message(s) not fully delivered: alpha (partly refused); "
        "see the lines above"
    )
    assert [(x.message["X-Reportgen-Unit"], x.rcpt_tos) for x in recorder.received] == [
        ("alpha", ["a1@example.com", "cx-archive@example.com"]),
        ("beta", ["b1@example.com", "cx-archive@example.com"]),
        ("gamma", ["g1@example.com", "cx-archive@example.com"]),
    ]
    assert recorder.received[0].message["Subject"].startswith("Alpha: ")  # --lang en
