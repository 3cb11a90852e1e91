"""Reliable delivery for the platform channels: a per-user queue in the database, an outbox of
rendered replies, retried sends and the Zalo token."""
