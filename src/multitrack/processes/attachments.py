"""Meeting attachments: upload (checked by content, encrypted, stored all or nothing), download
and removal.

Writes live here rather than in ``services.py`` because they also manage files on disk; like
every service they check the permission, validate, save and record an audit event (never the
file's name or content: the trail names the attachment by id only). The files themselves are
sealed and opened by ``processes.attachment_files``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from multitrack.accounts.access import require
from multitrack.accounts.audit import audit
from multitrack.accounts.permissions import Permission
from multitrack.processes.attachment_files import (
    AttachmentContent,
    attachment_file_read,
    attachment_file_store,
)
from multitrack.processes.models import Meeting, MeetingAttachment
from multitrack.web.uploads import (
    FileKind,
    UploadFolderError,
    allowed_kinds_in_words,
    detect_kind,
    name_matches_kind,
    sanitise_file_name,
    size_in_words,
)


def attachment_kind(upload: UploadedFile) -> FileKind:
    """What the file is, read from its content; ValidationError if it cannot be attached."""
    limit = settings.MULTITRACK_UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {
                "file": f"The file is larger than {size_in_words(limit)}, the most one attachment "
                "may be."
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    kind = detect_kind(upload, name=upload.name or "")
    if kind is None:
        raise ValidationError(
            {
                "file": "This kind of file cannot be attached (its content was checked, not its "
                f"name). Accepted: {allowed_kinds_in_words()}."
            }
        )
    if not name_matches_kind(upload.name or "", kind):
        raise ValidationError(
            {
                "file": f"The file is a {kind.label}, but its name does not end in "
                f"{' or '.join(kind.extensions)}. Rename it and try again."
            }
        )
    return kind


def attachment_upload(*, actor: Any, meeting: Meeting, upload: UploadedFile) -> MeetingAttachment:
    """Attach a document to a meeting; a refusal raises ValidationError and changes nothing.

    The row comes first, inside the transaction, because the file is encrypted for the
    attachment's id; a file that cannot be written rolls the row back, and a row that cannot be
    committed takes its file away.
    """
    require(actor, Permission.MANAGE_ATTACHMENTS, meeting.process_id)
    kind = attachment_kind(upload)
    upload.seek(0)
    stored_name = ""
    try:
        with transaction.atomic():
            attachment = MeetingAttachment(
                meeting=meeting,
                original_name=sanitise_file_name(upload.name or "", kind=kind),
                content_type=kind.content_type,
                size_bytes=upload.size or 0,
                uploaded_by=actor,
            )
            attachment.full_clean(exclude=["file", "sha256"])
            attachment.save()
            stored = attachment_file_store(
                pk=attachment.pk, chunks=upload.chunks(), size_bytes=upload.size or 0
            )
            stored_name = stored.name
            attachment.file = stored.name
            attachment.size_bytes = stored.size_bytes
            attachment.sha256 = stored.sha256
            attachment.save(update_fields=["file", "size_bytes", "sha256"])
            audit(
                actor=actor,
                action="processes.attachment.uploaded",
                target=attachment,
                process=meeting.process,
            )
    except UploadFolderError as error:
        raise ValidationError({"file": str(error)}) from None
    except BaseException:
        # No row, so no file either: the upload leaves nothing behind.
        if stored_name:
            default_storage.delete(stored_name)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, actor: Any, attachment: MeetingAttachment) -> None:
    """Remove an attachment: its row now, its file once the removal is committed."""
    meeting = attachment.meeting
    require(actor, Permission.MANAGE_ATTACHMENTS, meeting.process_id)
    audit(
        actor=actor,
        action="processes.attachment.removed",
        target=attachment,
        process=meeting.process,
    )
    attachment.delete()  # the file goes on commit (processes.apps: post_delete)


def attachment_open(*, actor: Any, attachment: MeetingAttachment) -> AttachmentContent:
    """The attachment's content, checked whole before the first byte; the audit trail notes
    who opened it.

    Raises FileNotFoundError if the file is missing and FileDecryptionError if it does not open
    (damaged, truncated, swapped, or under a key not configured); neither is audited as a
    download.
    """
    require(actor, Permission.READ_ATTACHMENTS, attachment.meeting.process_id)
    content = attachment_file_read(attachment)
    try:
        audit(
            actor=actor,
            action="processes.attachment.downloaded",
            target=attachment,
            process=attachment.meeting.process,
        )
    except BaseException:
        content.close()
        raise
    return content
