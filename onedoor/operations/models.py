"""The last heartbeat of each background process: the scheduler, and each task worker."""

from __future__ import annotations

from django.db import models


class Process(models.TextChoices):
    WORKER = "worker", "Task worker"
    SCHEDULER = "scheduler", "Scheduler"


class Heartbeat(models.Model):
    """When a process last showed it was alive and at work: one row per worker (named by its
    worker id, as django-tasks-db records it on the tasks it claims) and one for the
    scheduler (`name` "scheduler"), which beats only after a tick in which every job ran."""

    process = models.CharField(max_length=20, choices=Process.choices)
    name = models.CharField(max_length=64)
    beat_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "name"], name="one_heartbeat_per_process")
        ]

    def __str__(self) -> str:
        return f"{self.process} {self.name}"
