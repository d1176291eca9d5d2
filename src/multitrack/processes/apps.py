from typing import Any

from django.apps import AppConfig


def _delete_attachment_file(sender: Any, instance: Any, using: str, **kwargs: Any) -> None:
    """Once an attachment's removal is committed, its file goes too (cascades included)."""
    from django.core.files.storage import default_storage
    from django.db import transaction

    name = instance.file.name
    if name:
        transaction.on_commit(lambda: default_storage.delete(name), using=using)


class ProcessesConfig(AppConfig):
    name = "multitrack.processes"
    label = "processes"
    verbose_name = "Dialogue processes and meetings"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from multitrack.processes.models import MeetingAttachment

        post_delete.connect(
            _delete_attachment_file,
            sender=MeetingAttachment,
            dispatch_uid="multitrack.processes.attachment_file",
        )
