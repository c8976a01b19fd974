"""A corpus of awkward real-world messages (tests/emails/corpus) parses without a crash:
each either gives the fields below or is refused with a reason."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.mail.html_text import html_to_text
from adapters.mail.parse import BODY_LIMIT, Unparseable, derived_message_id, parse

pytestmark = pytest.mark.unit
# ruff: noqa: RUF001  (the corpus is about non-ASCII text)
CORPUS = Path(__file__).resolve().parents[1] / "emails" / "corpus"

# file -> (message id, sender address, sender name, subject, text in the snippet)
RECORDED = {
    "multipart-alternative.eml": (
        "<CAF1=alt@mail.example.com>",
        "Ann@Example.com",
        "Ann Lee",
        "Charged twice",
        "I was charged twice",
    ),
    "html-only.eml": (
        "<html-only-1@shop.test>",
        "news@shop.test",
        "Newsletter",
        "Soldes d'hiver ❄",
        "Up to 50% off & free shipping today. Café crème",
    ),
    "quoted-printable.eml": (
        "<qp-1@example.fr>",
        "francois@example.fr",
        "François Bérard",
        "Facture réglée",
        "Ça coûte 12 €",
    ),
    "latin1-8bit.eml": (
        "<latin1@example.de>",
        "juergen@example.de",
        "Jürgen Müller",
        "Grüße aus München",
        "Schöne Grüße",
    ),
    "windows-1252.eml": (
        "<cp1252@example.com>",
        "sales@example.com",
        None,
        "“Quote” – final",
        "Price € 100 – “final”",
    ),
    "iso-2022-jp.eml": ("<jp-1@example.jp>", "yamada@example.jp", "山田", "お問い合わせ", "注文"),
    "unknown-charset.eml": (
        "<odd-charset@example.net>",
        "odd@example.net",
        None,
        "Strange charset",
        "Body with bytes",
    ),
    "folded-encoded-subject.eml": (
        "<folded-1@example.ru>",
        "ivan@example.ru",
        "Иван Петров",
        "Проблема с заказом",
        "Заказ не пришёл.",
    ),
    "lf-raw-utf8-headers.eml": (
        "<raw-utf8@example.com>",
        "zoe@example.com",
        "Zoë Quinn",
        "Café crème déjà vu",
        "bare LF line endings",
    ),
    "attachments.eml": (
        "<att-1@example.com>",
        "bo@example.com",
        "Bo Chen",
        "Invoice and screenshot",
        "See the attached invoice.",
    ),
    "bad-base64-and-date.eml": (
        "<broken-1@example.com>",
        "broken@example.com",
        None,
        "Broken parts",
        "Hello world",
    ),
    "group-and-weird-from.eml": (
        "<no-brackets-id@example.com>",
        "BOT@Example.COM",
        "Support Bot",
        "Group syntax",
        "Group syntax in From",
    ),
    "nul-in-body.eml": ("<nul@example.com>", "nul@example.com", None, "NULinside", "body with a"),
    "no-message-id.eml": (None, "bare@example.org", None, "No id here", "forgot the Message-ID"),
}
REFUSED = {
    "no-sender.eml": "no sender",
    "not-a-message.eml": "no header fields",
}


def test_every_corpus_message_is_covered_by_an_expectation():
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted({*RECORDED, *REFUSED})


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_each_awkward_message_records_its_fields(name):
    raw = (CORPUS / name).read_bytes()
    message_id, address, display, subject, text = RECORDED[name]
    parsed = parse(raw)
    assert parsed.message_id == (message_id or derived_message_id(raw))
    assert parsed.message_id_derived == (message_id is None)
    assert (parsed.sender.address, parsed.sender.name) == (address, display)
    assert parsed.subject == subject
    assert text in parsed.snippet
    for value in (parsed.subject, parsed.snippet, parsed.body, parsed.sender.name or ""):
        assert "\x00" not in value
        value.encode("utf-8")  # storable: no lone surrogates


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_message_without_header_fields_or_sender_is_refused_with_a_reason(name):
    with pytest.raises(Unparseable) as refused:
        parse((CORPUS / name).read_bytes())
    assert REFUSED[name] in refused.value.reason


def test_recipients_dates_and_attachments_are_read():
    parsed = parse((CORPUS / "multipart-alternative.eml").read_bytes())
    assert [(a.address, a.name) for a in parsed.to] == [
        ("support@acme.test", "Support"),
        ("john@acme.test", "Doe, John"),
    ]
    assert [a.address for a in parsed.cc] == ["billing@acme.test"]
    assert parsed.sent_at == datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
    attached = parse((CORPUS / "attachments.eml").read_bytes()).attachments
    assert [(a.name, a.content_type) for a in attached] == [
        ("shot.png", "image/png"),
        ("Rechnung März.pdf", "application/pdf"),
        ("Original order.eml", "message/rfc822"),
    ]
    assert attached[1].size == 960
    assert parse((CORPUS / "bad-base64-and-date.eml").read_bytes()).sent_at is None


def test_a_missing_message_id_is_derived_the_same_whatever_the_line_endings():
    lf = (CORPUS / "no-message-id.eml").read_bytes().replace(b"\r\n", b"\n")
    crlf = lf.replace(b"\n", b"\r\n")
    assert parse(lf).message_id == parse(crlf).message_id
    assert parse(lf).message_id.endswith("@sha256.chronicle.invalid>")
    assert parse(lf + b"another line\n").message_id != parse(lf).message_id


def test_a_huge_body_is_capped_and_keeps_its_snippet():
    body = ("The first words. " + "x" * 78 + "\n") * 60_000  # about 5.7 MB
    raw = f"From: big@example.com\nSubject: Big\nMessage-ID: <big@x>\n\n{body}".encode()
    parsed = parse(raw)
    assert len(parsed.body) == BODY_LIMIT and parsed.body_truncated
    assert parsed.snippet.startswith("The first words.")


def test_html_becomes_readable_text():
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body><p>One &amp; two</p>"
        "<script>var x</script><ul><li>a</li><li>b</li></ul>Tail<br>end</body></html>"
    )
    assert html_to_text(html) == "One & two\n\na\n\nb\n\nTail\nend"
