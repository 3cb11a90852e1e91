"""What citizens leave for staff: hand-over requests and answer feedback."""
