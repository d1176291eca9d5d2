"""Model fields encrypted at rest, and the model base class that opens and seals them.

How a value travels (see docs/decisions/0003-encryption-at-rest.md):

* **Reading.** The column holds an envelope (``multitrack.field_encryption``). The field's
  ``from_db_value`` cannot open it: the associated data names the row's primary key, which a field
  converter never sees. So it hands back a ``SealedValue``, and ``EncryptedModel.from_db`` — which
  has the whole row — opens every sealed field of the instance at once. Anything that bypasses
  model instances (``values()``, ``values_list()``) therefore gets ``SealedValue`` objects, which
  refuse to turn into text: code that forgot the encryption fails instead of showing ciphertext.
* **Writing.** ``pre_save`` seals the instance's plaintext for ``app.model.field:pk``. A new row
  has no primary key yet, so ``EncryptedModel.save_base`` inserts it with empty placeholders and
  seals the values right after, in the same transaction: nobody ever sees the placeholders, and a
  failure in between rolls the insert back. ``QuerySet.update()`` and ``bulk_create()`` cannot
  know the primary key, so they are refused for these fields.
* **Searching.** SQL cannot search ciphertext: every lookup but ``isnull`` raises FieldError.
  Search in Python after loading the instances (see ``actors.selectors.people_matching``).
* **Backups.** Serializers (``multitrack backup``, ``dumpdata``) write the stored envelope; a raw
  load (``multitrack restore``, ``loaddata``) checks that each envelope opens for its row before
  writing it, so a restore with the wrong field keys changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models, router, transaction
from django.db.models.signals import pre_save
from django.utils.functional import cached_property

from multitrack.field_encryption import (
    FieldDecryptionError,
    Keyring,
    envelope_key_id,
    keyring,
    seal,
    unseal,
)

_LOADED = "_encrypted_loaded"  # {attname: (envelope as stored, plaintext bytes, context)}
_PENDING = "_encrypted_insert_pending"


class EncryptedFieldError(Exception):
    """An encrypted field was used in a way that would store or show it unencrypted."""


class SealedValue:
    """A stored envelope not (yet) opened: what ``values()`` and ``values_list()`` return."""

    __slots__ = ("envelope",)

    def __init__(self, envelope: str) -> None:
        self.envelope = envelope

    def __repr__(self) -> str:
        return "<SealedValue>"

    def __str__(self) -> str:
        raise EncryptedFieldError(
            "This value is still encrypted: read it through a model instance, not through "
            "values() or values_list()."
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SealedValue) and other.envelope == self.envelope

    def __hash__(self) -> int:
        return hash(self.envelope)

    @property
    def key_id(self) -> str | None:
        """The id of the key the envelope names (None if it is not an envelope)."""
        return envelope_key_id(self.envelope)


# Written by the insert and replaced, in the same transaction, once the row has its primary key.
PLACEHOLDER = SealedValue("")


def field_context(model: type[models.Model], field_name: str, pk: Any) -> str:
    """The associated data naming one value: ``app_label.model.field:pk``."""
    concrete = model._meta.concrete_model or model
    return f"{concrete._meta.label_lower}.{field_name}:{pk}"


class EncryptedFieldMixin(models.Field):
    """Stores its value sealed (AES-256-GCM) in a text column; see the module docstring."""

    encrypted: ClassVar[bool] = True

    # -- the plaintext as bytes, per kind of field (text by default)
    def encode_plaintext(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def decode_plaintext(self, data: bytes) -> Any:
        return data.decode("utf-8")

    # -- the column
    def get_internal_type(self) -> str:
        return "TextField"

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(self._no_sql_message(lookup_name))

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(self._no_sql_message(lookup_name))

    def _no_sql_message(self, lookup_name: str) -> str:
        return (
            f"{self.model._meta.label}.{self.name} is encrypted: the database cannot compare it "
            f"({lookup_name!r}). Load the instances and compare in Python."
        )

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else SealedValue(value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        if isinstance(value, SealedValue):
            return value.envelope
        raise EncryptedFieldError(
            f"{self.model._meta.label}.{self.name} is encrypted: write it through the model's "
            "save(), which knows the row (QuerySet.update() and bulk_create() cannot)."
        )

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        return self.get_db_prep_value(value, connection)

    # -- sealing and opening for one instance
    def context_for(self, instance: models.Model) -> str:
        return field_context(type(instance), self.name, instance.pk)

    def sealed_for(self, instance: models.Model, *, reuse_any_key: bool = False) -> SealedValue:
        """The instance's current value sealed for its row; the stored envelope when the value
        has not changed (and, unless ``reuse_any_key``, is already under the current key)."""
        value = getattr(instance, self.attname)
        if isinstance(value, SealedValue):
            return value
        if instance.pk is None:
            raise EncryptedFieldError(
                f"{self.model._meta.label}.{self.name} can only be sealed once the row has a "
                "primary key: save the instance with save() (bulk_create() is not supported)."
            )
        plaintext = self.encode_plaintext(value)
        context = self.context_for(instance)
        ring = keyring()
        loaded = instance.__dict__.setdefault(_LOADED, {})
        remembered = loaded.get(self.attname)
        if (
            remembered is not None
            and remembered[1:] == (plaintext, context)  # a copied instance gets a new row
            and (reuse_any_key or envelope_key_id(remembered[0]) == ring.current_id)
        ):
            return SealedValue(remembered[0])
        envelope = seal(plaintext, context=context, ring=ring)
        loaded[self.attname] = (envelope, plaintext, context)
        return SealedValue(envelope)

    def open_for(self, instance: models.Model, sealed: SealedValue, ring: Keyring) -> Any:
        """Open a stored envelope for this instance's row (FieldDecryptionError if it fails)."""
        context = self.context_for(instance)
        plaintext = unseal(sealed.envelope, context=context, ring=ring)
        instance.__dict__.setdefault(_LOADED, {})[self.attname] = (
            sealed.envelope,
            plaintext,
            context,
        )
        return self.decode_plaintext(plaintext)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value is None:
            return None
        if model_instance.pk is None and model_instance.__dict__.get(_PENDING):
            return PLACEHOLDER
        return self.sealed_for(model_instance)

    def value_to_string(self, obj: models.Model) -> Any:
        # What serializers (backups, dumpdata) write: the envelope as stored, never plaintext.
        if getattr(obj, self.attname) is None:
            return None
        return self.sealed_for(obj, reuse_any_key=True).envelope


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A CharField (``max_length`` checks the plaintext) stored encrypted in a text column."""


class EncryptedEmailField(EncryptedFieldMixin, models.EmailField):
    """An EmailField stored encrypted."""


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """A TextField stored encrypted."""


class EncryptedJSONField(EncryptedFieldMixin, models.JSONField):
    """A JSONField stored encrypted: the JSON text is what is sealed."""

    def encode_plaintext(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    def decode_plaintext(self, data: bytes) -> Any:
        return json.loads(data)


class EncryptedIntegerField(EncryptedFieldMixin, models.IntegerField):
    """An IntegerField stored encrypted: bounds come only from the validators given to it."""

    def encode_plaintext(self, value: Any) -> bytes:
        return str(int(value)).encode("ascii")

    def decode_plaintext(self, data: bytes) -> Any:
        return int(data)

    def to_python(self, value: Any) -> Any:
        # A deserializer (restore, loaddata) hands over the envelope: kept for _adopt_envelopes.
        if isinstance(value, str) and envelope_key_id(value) is not None:
            return value
        return super().to_python(value)

    def value_from_object(self, obj: models.Model) -> Any:
        # As text: serializers copy a number (a "protected type") as it is, skipping
        # value_to_string, which would leave it unencrypted in a backup. Forms take text too.
        value = getattr(obj, self.attname)
        return None if value is None else str(value)

    @cached_property
    def validators(self) -> list[Any]:
        # IntegerField would ask the database for its integer range: the column is text here.
        return [*self.default_validators, *getattr(self, "_validators", [])]


# --- the model base class -----------------------------------------------------------------------


def encrypted_fields_of(model: type[models.Model]) -> list[EncryptedFieldMixin]:
    """The encrypted fields of a model, in declaration order."""
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]


class EncryptedModel(models.Model):
    """A model with encrypted fields: opens them on load, seals them on save."""

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Deserializers (restore, loaddata) call Model.save_base directly, bypassing any
        # override: the pre_save signal is the one hook a raw save cannot skip.
        pre_save.connect(_check_raw_save, sender=cls, weak=False)

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        _open_fields(instance)
        return instance

    def save_base(
        self,
        raw: bool = False,
        force_insert: Any = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Any = None,
    ) -> None:
        using = using or router.db_for_write(self.__class__, instance=self)
        if raw or self.pk is not None:
            super().save_base(
                raw=raw,
                force_insert=force_insert,
                force_update=force_update,
                using=using,
                update_fields=update_fields,
            )
            return
        # A new row: insert with placeholders, then seal under its new primary key.
        with transaction.atomic(using=using, savepoint=False):
            self.__dict__[_PENDING] = True
            try:
                super().save_base(
                    raw=raw,
                    force_insert=force_insert,
                    force_update=force_update,
                    using=using,
                    update_fields=update_fields,
                )
            finally:
                self.__dict__.pop(_PENDING, None)
            sealed = {
                f.attname: f.sealed_for(self)
                for f in encrypted_fields_of(type(self))
                if f.attname in self.__dict__ and getattr(self, f.attname) is not None
            }
            if sealed:
                type(self)._base_manager.using(using).filter(pk=self.pk).update(**sealed)


def _open_fields(instance: models.Model) -> None:
    ring: Keyring | None = None
    for encrypted in encrypted_fields_of(type(instance)):
        value = instance.__dict__.get(encrypted.attname)
        if isinstance(value, SealedValue):
            ring = ring or keyring()
            instance.__dict__[encrypted.attname] = encrypted.open_for(instance, value, ring)


def _check_raw_save(sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        _adopt_envelopes(instance)


def _adopt_envelopes(instance: models.Model) -> None:
    """For a raw save (restore, loaddata): each value must be an envelope that opens for this
    row under a configured key; it is then written as it is."""
    ring = keyring()
    for encrypted in encrypted_fields_of(type(instance)):
        value = instance.__dict__.get(encrypted.attname)
        if value is None or isinstance(value, SealedValue):
            continue
        if not isinstance(value, str):
            raise FieldDecryptionError(
                f"{encrypted.context_for(instance)}: a raw row must carry the encrypted value."
            )
        sealed = SealedValue(value)
        encrypted.open_for(instance, sealed, ring)
        instance.__dict__[encrypted.attname] = sealed


# --- a system check: nothing declares SQL ordering or searching on an encrypted field ----------


def _encrypted_on_path(model: type[models.Model], path: str) -> bool:
    """Whether a lookup path such as ``person__display_name`` reaches an encrypted field."""
    current: Any = model
    for part in path.lstrip("-^=@").split("__"):
        try:
            found = current._meta.get_field(part)
        except FieldDoesNotExist:  # a transform or an unknown name: nothing encrypted
            return False
        if isinstance(found, EncryptedFieldMixin):
            return True
        current = getattr(found, "related_model", None)
        if current is None:
            return False
    return False


@checks.register(checks.Tags.models)
def check_no_sql_on_encrypted_fields(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """multitrack.E201: a model's ordering or an admin's search, ordering or filters name an
    encrypted field (the database would sort or search ciphertext, silently)."""
    problems: list[Any] = []
    for model in apps.get_models():
        for entry in model._meta.ordering or []:
            if isinstance(entry, str) and _encrypted_on_path(model, entry):
                problems.append(_sql_problem(f"{model._meta.label}.Meta.ordering", entry, model))
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        for option in ("search_fields", "ordering", "list_filter", "sortable_by"):
            for entry in getattr(model_admin, option, None) or []:
                if isinstance(entry, str) and _encrypted_on_path(model, entry):
                    where = f"{type(model_admin).__name__}.{option}"
                    problems.append(_sql_problem(where, entry, model))
    return problems


def _sql_problem(where: str, entry: str, model: type[models.Model]) -> Any:
    return checks.Error(
        f"{where} uses {entry!r}, an encrypted field: the database can only sort or search its "
        "ciphertext.",
        hint="Sort or search on another field, or in Python after loading the instances.",
        obj=model,
        id="multitrack.E201",
    )


# --- key rotation -------------------------------------------------------------------------------


def encrypted_models() -> list[type[models.Model]]:
    """Every installed concrete model with an encrypted field."""
    return [
        model for model in apps.get_models() if not model._meta.proxy and encrypted_fields_of(model)
    ]


@dataclass
class KeyCensus:
    """How many stored values are under each key id, per ``app.model.field``."""

    current_id: str
    by_field: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, label: str, key_id: str) -> None:
        counts = self.by_field.setdefault(label, {})
        counts[key_id] = counts.get(key_id, 0) + 1

    @property
    def total(self) -> int:
        return sum(sum(counts.values()) for counts in self.by_field.values())

    @property
    def outdated(self) -> int:
        """Values under any key but the current one (including unreadable ones)."""
        return sum(
            n
            for counts in self.by_field.values()
            for key_id, n in counts.items()
            if key_id != self.current_id
        )


UNREADABLE = "(not an envelope)"


def field_keys_census() -> KeyCensus:
    """Count the stored values per key id, reading only the envelopes' headers."""
    census = KeyCensus(current_id=keyring().current_id)
    for model in encrypted_models():
        fields = encrypted_fields_of(model)
        rows = model._base_manager.order_by("pk").values_list(*(f.attname for f in fields))
        for row in rows.iterator(chunk_size=2000):
            for encrypted, value in zip(fields, row, strict=True):
                if value is None:
                    continue
                label = f"{model._meta.label_lower}.{encrypted.name}"
                census.add(label, value.key_id or UNREADABLE)
    return census


@dataclass(frozen=True)
class RotationProgress:
    """One batch done: which model, how far, and how many values were sealed again."""

    model: str
    rows_done: int
    rows_total: int
    values_rotated: int


def _batches(model: type[models.Model], batch_size: int) -> Iterator[list[int]]:
    last_pk: Any = None
    while True:
        queryset = model._base_manager.order_by("pk")
        if last_pk is not None:
            queryset = queryset.filter(pk__gt=last_pk)
        pks = list(queryset.values_list("pk", flat=True)[:batch_size])
        if not pks:
            return
        yield pks
        last_pk = pks[-1]


def field_keys_rotate(
    *, batch_size: int = 200, on_progress: Callable[[RotationProgress], None] | None = None
) -> int:
    """Seal again, under the current key, every value stored under another key.

    Works in batches of ``batch_size`` rows, each its own transaction holding its rows locked
    (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's writer lock), so the app keeps serving
    and a write made meanwhile is never overwritten with an older value. Values already under the
    current key are left alone, so an interrupted run simply resumes. Returns how many values
    were sealed again; raises FieldDecryptionError on any value that does not open.
    """
    ring = keyring()
    rotated_total = 0
    for model in encrypted_models():
        fields = encrypted_fields_of(model)
        rows_total = model._base_manager.count()
        rows_done = 0
        for pks in _batches(model, batch_size):
            with transaction.atomic():
                rows = (
                    model._base_manager.select_for_update()
                    .filter(pk__in=pks)
                    .order_by("pk")
                    .values_list("pk", *(f.attname for f in fields))
                )
                rotated = 0
                for pk, *values in rows:
                    changes: dict[str, SealedValue] = {}
                    for encrypted, value in zip(fields, values, strict=True):
                        if value is None or value.key_id == ring.current_id:
                            continue
                        context = field_context(model, encrypted.name, pk)
                        plaintext = unseal(value.envelope, context=context, ring=ring)
                        changes[encrypted.attname] = SealedValue(
                            seal(plaintext, context=context, ring=ring)
                        )
                    if changes:
                        model._base_manager.filter(pk=pk).update(**changes)
                        rotated += len(changes)
            rows_done += len(pks)
            rotated_total += rotated
            if on_progress is not None:
                on_progress(
                    RotationProgress(model._meta.label_lower, rows_done, rows_total, rotated)
                )
    return rotated_total


# --- migrations: encrypting the existing rows in place ------------------------------------------


_CODECS: dict[str, tuple[Callable[[Any], bytes], Callable[[bytes], Any]]] = {
    "text": (lambda v: str(v).encode("utf-8"), lambda b: b.decode("utf-8")),
    "json": (
        lambda v: json.dumps(
            json.loads(v) if isinstance(v, str) else v,
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        ).encode(),
        lambda b: json.dumps(json.loads(b), ensure_ascii=False),
    ),
    # Decoded to text: until the reverse migration turns the column back, it is a text column.
    "integer": (lambda v: str(int(v)).encode("ascii"), lambda b: str(int(b))),
}


def _rewrite_in_place(
    schema_editor: Any,
    *,
    label: str,
    table: str,
    columns: dict[str, str],
    change: Callable[[str, str, Any, Any], Any],
) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    names = list(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('id')}, {', '.join(quote(n) for n in names)} "  # noqa: S608  # nosec B608
            f"FROM {quote(table)} ORDER BY {quote('id')}"
        )
        rows = cursor.fetchall()
        assignments = ", ".join(f"{quote(n)} = %s" for n in names)
        for pk, *values in rows:
            new_values = [
                None if value is None else change(label, name, pk, value)
                for name, value in zip(names, values, strict=True)
            ]
            cursor.execute(
                f"UPDATE {quote(table)} SET {assignments} WHERE {quote('id')} = %s",  # noqa: S608  # nosec B608
                [*new_values, pk],
            )


def encrypt_columns_in_place(
    schema_editor: Any, *, label: str, table: str, columns: dict[str, str]
) -> None:
    """Seal every plaintext value of ``columns`` ({column: 'text'|'json'|'integer'}) of
    ``table`` (model ``label``, e.g. 'actors.person') under the current key, row by row."""
    ring = keyring()

    def change(label: str, name: str, pk: Any, value: Any) -> str:
        encode = _CODECS[columns[name]][0]
        return seal(encode(value), context=f"{label}.{name}:{pk}", ring=ring)

    _rewrite_in_place(schema_editor, label=label, table=table, columns=columns, change=change)


def decrypt_columns_in_place(
    schema_editor: Any, *, label: str, table: str, columns: dict[str, str]
) -> None:
    """The reverse of ``encrypt_columns_in_place``: plaintext back in the columns."""
    ring = keyring()

    def change(label: str, name: str, pk: Any, value: Any) -> Any:
        decode = _CODECS[columns[name]][1]
        return decode(unseal(value, context=f"{label}.{name}:{pk}", ring=ring))

    _rewrite_in_place(schema_editor, label=label, table=table, columns=columns, change=change)
