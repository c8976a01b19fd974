"""Email at the edge: parsing RFC 5322 messages, and the mailbox adapters (SMTP, IMAP,
Maildir) behind the `MailSender` / `MailReader` ports of `adapters.mail.port`."""
