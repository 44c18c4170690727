"""E-mail: the outbox's mail composed in words (:mod:`~rada.mail.compose`), sent over SMTP
(:mod:`~rada.mail.smtp`) by a worker with retries (:mod:`~rada.mail.worker`).

An adapter, as the store is: it takes a unit-of-work factory, a clock and the settings' values
as arguments, and reads no settings itself. See docs/mail.md.
"""
