"""The admin console's base classes: writes go through services, and every record with an
access policy gets an "Access" page (who can see it, and why a given user can or cannot).

- `ServiceAdmin.create_service` / `update_service` save the record. The form is validated by a
  dry run of the same service inside a rolled-back savepoint, so the admin shows exactly the
  errors the API gives, on the right fields, and writes nothing until every inline is valid.
- Inlines write through `ServiceInline.create_service` / `update_service` / `delete_service`.
- State and derived fields belong in `readonly_fields`.
"""
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core import access
from core.exceptions import Conflict


class _DryRun(Exception):
    pass


def _service_kwargs(form) -> dict:
    meta = form._meta.model._meta
    model_fields = {f.name for f in meta.get_fields()} - {meta.pk.name}
    return {k: v for k, v in form.cleaned_data.items() if k in model_fields}


def _form_add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class AccessAdminMixin:
    """Adds an "Access" page to the records of models with an access policy: who can see the
    record through which role, relation or grant, and why one named user can or cannot."""

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        extra = [
            path("<path:object_id>/access/", self.admin_site.admin_view(self.access_view), name="%s_%s_access" % info)
        ]
        return extra + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if access.policy_for(self.model) is not None:
            info = self.model._meta.app_label, self.model._meta.model_name
            extra_context["access_url"] = reverse("admin:%s_%s_access" % info, args=[object_id])
        return super().change_view(request, object_id, form_url, extra_context)

    def access_view(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None or access.policy_for(self.model) is None or not self.has_view_permission(request, obj):
            raise Http404
        User = get_user_model()
        subject, username = None, request.GET.get("user", "").strip()
        if username:
            subject = User.objects.filter(username=username).first()
            if subject is None:
                messages.error(request, f"No user named {username!r}.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": f"Who can see {obj}",
            "audience": access.access_audience(obj),
            "subject": subject,
            "username": username,
            "explanation": access.access_explain(obj, subject) if subject else None,
        }
        return TemplateResponse(request, "admin/access.html", context)


class ServiceAdmin(AccessAdminMixin, admin.ModelAdmin):
    create_service = None
    update_service = None
    list_per_page = 50
    show_full_result_count = False  # no full-table COUNT on every changelist

    def _call_service(self, request, form, change: bool):
        kwargs = _service_kwargs(form)
        if change:
            return type(self).update_service(actor=request.user, instance=form.instance, **kwargs)
        return type(self).create_service(actor=request.user, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(form_class):
            def _post_clean(self):
                # Model validation without the uniqueness/clean the service repeats.
                super()._post_clean()
                if self.errors:
                    return
                try:
                    with transaction.atomic():
                        model_admin._call_service(request, self, change=self.instance.pk is not None)
                        raise _DryRun
                except _DryRun:
                    pass
                except ValidationError as exc:
                    _form_add_errors(self, exc)
                except PermissionDenied as exc:
                    self.add_error(None, str(exc) or "You may not make this change.")
                except Conflict as exc:  # e.g. a closed record, or a concurrent change
                    self.add_error(None, exc.detail)

        return form_class if self.create_service is None else ServiceForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The main form was dry-run; an inline's service can still refuse while saving. The view
        # runs in one transaction, so raising undoes everything: show why, write nothing.
        if request.method != "POST":  # a page the user may not open is a plain 403, not a redirect
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied, Conflict) as exc:
            if isinstance(exc, ValidationError):
                reason = "; ".join(exc.messages)
            else:
                reason = getattr(exc, "detail", None) or str(exc) or "Not allowed."
            self.message_user(request, f"Nothing was saved: {reason}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if self.create_service is None:
            raise PermissionDenied("This record is changed through its actions, not the form.")
        saved = self._call_service(request, form, change)
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})
        form.instance = saved

    def save_related(self, request, form, formsets, change):
        # Many-to-many values were set by the service; only inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        # What the admin's change message reads after a formset.save().
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        inline = next((i for i in self.get_inline_instances(request) if i.model is formset.model), None)
        if not isinstance(inline, ServiceInline):
            if formset.deleted_forms or any(f.has_changed() for f in formset.forms):
                raise PermissionDenied(f"{formset.model._meta.verbose_name_plural} are read-only here.")
            return
        fk_name = formset.fk.name
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                type(inline).delete_service(actor=request.user, instance=inline_form.instance)
                formset.deleted_objects.append(inline_form.instance)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            kwargs = _service_kwargs(inline_form)
            kwargs[fk_name] = form.instance
            if inline_form.instance.pk:
                saved = type(inline).update_service(actor=request.user, instance=inline_form.instance, **kwargs)
                formset.changed_objects.append((saved or inline_form.instance, inline_form.changed_data))
            else:
                saved = type(inline).create_service(actor=request.user, **kwargs)
                formset.new_objects.append(saved or inline_form.instance)

    def has_delete_permission(self, request, obj=None):
        return False  # records are deactivated, not deleted; relationships override this


class ServiceInline(admin.TabularInline):
    create_service = None
    update_service = None
    delete_service = None
    extra = 0
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return self.create_service is not None and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.update_service is not None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.delete_service is not None and super().has_delete_permission(request, obj)
