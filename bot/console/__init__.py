"""The staff console: what citizens ask, what went unanswered, hand-over requests."""
