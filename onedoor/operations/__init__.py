"""Keeping the service running: the task worker and the scheduler of periodic jobs, the
heartbeats they record, the tasks a dead worker left running, and the small supervisor that
starts a crashed process again (ADR 0009)."""
