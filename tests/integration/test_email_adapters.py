"""The mailbox adapters against real servers: SMTP (aiosmtpd), IMAP (a private dovecot)
and a Maildir on disk."""

import imaplib
import mailbox

import pytest

from adapters.mail.imap import ImapReader
from adapters.mail.maildir import MaildirReader
from adapters.mail.port import OutgoingMessage, SendFailed
from adapters.mail.smtp import SmtpSender
from tests.support.mailservers import Dovecot, SmtpServer

pytestmark = pytest.mark.integration


def message(*to: str, content_type: str = "text/html") -> OutgoingMessage:
    content = "<p>Hi Ann, your refund is <b>done</b>.</p>"
    return OutgoingMessage(
        "<em-1@acme.test>", "dana@acme.test", "Dana", to, ("boss@acme.test",), (), "Refund",
        content, content_type,
    )  # fmt: skip


def raw(n: int, message_id: str | None = None) -> bytes:
    mid = f"Message-ID: {message_id or f'<m{n}@example.com>'}\r\n"
    return f"From: ann@example.com\r\nSubject: Note {n}\r\n{mid}\r\nBody {n}\r\n".encode()


@pytest.fixture(scope="module")
def dovecot():
    server = Dovecot()
    yield server
    server.close()


def test_smtp_hands_the_message_over_with_its_message_id_and_the_servers_answer():
    with SmtpServer() as server:
        delivery = SmtpSender("127.0.0.1", server.port, security="none").send(
            message("ann@example.com")
        )
        [(sender, recipients, _)] = server.received
        [sent] = server.messages()
    assert delivery.server_response == "250 2.0.0 Ok: queued as Q1" and delivery.refused == ()
    assert (sender, recipients) == ("dana@acme.test", ["ann@example.com", "boss@acme.test"])
    assert sent["Message-ID"] == "<em-1@acme.test>" and sent["Subject"] == "Refund"
    assert sent["From"] == "Dana <dana@acme.test>"
    html = sent.get_body(("html",)).get_content()
    text = sent.get_body(("plain",)).get_content()
    assert "<b>done</b>" in html and "your refund is done." in text


def test_smtp_refusals_are_reported_with_the_servers_error():
    with SmtpServer() as server:
        server.refuse.update({"gone@example.com", "boss@acme.test"})
        smtp = SmtpSender("127.0.0.1", server.port, security="none")
        partly = smtp.send(message("ann@example.com", "gone@example.com"))
        with pytest.raises(SendFailed) as refused:
            smtp.send(message("gone@example.com"))
        assert len(server.received) == 1
    assert [a for a, _ in partly.refused] == ["gone@example.com", "boss@acme.test"]
    assert refused.value.code == 550
    assert "Recipient address rejected: User unknown" in refused.value.error


def test_smtp_server_down_is_a_failure_naming_the_server():
    with SmtpServer() as server:
        port = server.port
    with pytest.raises(SendFailed) as down:
        SmtpSender("127.0.0.1", port, security="none", timeout=5).send(message("a@b.test"))
    assert f"cannot reach 127.0.0.1:{port}" in down.value.error and down.value.code is None


def test_imap_reads_new_messages_by_uid_without_marking_them_read(dovecot):
    folder = "Chronicle1"
    client = dovecot.client()
    client.create(folder)
    client.logout()
    for n in range(3):
        dovecot.deliver(raw(n), folder)
    reader = ImapReader(
        "127.0.0.1", dovecot.port, username="ann", password="secret", security="none",
        folder=folder,
    )  # fmt: skip
    first = reader.new_messages(None, lambda keys: set(), limit=2)
    assert [f.raw for f in first] == [raw(0), raw(1)]
    rest = reader.new_messages(first[-1].cursor, lambda keys: set(), limit=10)
    assert [f.raw for f in rest] == [raw(2)]
    assert reader.new_messages(rest[-1].cursor, lambda keys: set(), limit=10) == []
    dovecot.deliver(raw(3), folder)
    [newest] = reader.new_messages(rest[-1].cursor, lambda keys: set(), limit=10)
    assert newest.raw == raw(3) and newest.received_at is not None
    validity = newest.cursor["uidvalidity"]
    assert newest.key == f"imap:{validity}:4" and newest.cursor == {
        "uidvalidity": validity,
        "uid": 4,
    }
    again = reader.new_messages({"uidvalidity": validity + 1, "uid": 4}, lambda k: set(), 10)
    assert len(again) == 4  # a new UIDVALIDITY: everything is read again
    client = dovecot.client()
    client.select(folder, readonly=True)
    _, flags = client.fetch("1:*", "(FLAGS)")
    client.logout()
    assert not any(b"\\Seen" in f for f in flags)


def test_imap_finds_a_message_in_the_sent_folder_by_message_id(dovecot):
    dovecot.deliver(raw(9, "<sent-9@acme.test>"), "Sent")
    reader = ImapReader(
        "127.0.0.1", dovecot.port, username="ann", password="secret", security="none"
    )
    assert reader.contains("<sent-9@acme.test>", "Sent")
    assert not reader.contains("<never@acme.test>", "Sent")
    with pytest.raises(imaplib.IMAP4.error, match=r"AUTHENTICATIONFAILED|Authentication failed"):
        ImapReader(
            "127.0.0.1", dovecot.port, username="ann", password="wrong", security="none"
        )._connect()


def test_a_maildir_is_read_on_the_mailbox_module_skipping_known_keys(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    keys = [box.add(raw(n)) for n in range(3)]
    reader = MaildirReader(str(tmp_path / "Maildir"))
    everything = reader.new_messages(None, lambda k: set(), limit=10)
    assert sorted(f.raw.replace(b"\r\n", b"\n") for f in everything) == sorted(
        raw(n).replace(b"\r\n", b"\n") for n in range(3)
    )
    done = {f"maildir:{keys[0]}", f"maildir:{keys[2]}"}
    [left] = reader.new_messages(None, lambda k: done & set(k), limit=10)
    assert left.key == f"maildir:{keys[1]}"
    moved = box.get_message(keys[1])
    moved.set_subdir("cur")
    moved.add_flag("S")
    box[keys[1]] = moved  # a mail client read it: same key, new place and flags
    [still] = reader.new_messages(None, lambda k: done & set(k), limit=10)
    assert still.key == f"maildir:{keys[1]}"
