"""Signing in and out (with brute-force protection), resetting and changing a password,
personal API tokens, audit trails, two-step sign-in."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from multitrack.accounts import mfa_views, views
from multitrack.accounts.forms import ThrottledAuthenticationForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            redirect_authenticated_user=True,
            authentication_form=ThrottledAuthenticationForm,
        ),
        name="login",
    ),
    # Django's LogoutView accepts POST only: a link or an image cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The template names differ from Django's defaults, which the admin app would shadow.
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/reset_password_form.html",
            email_template_name="registration/reset_password_email.txt",
            subject_template_name="registration/reset_password_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/reset_password_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/reset_password_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/reset_password_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/change_password_form.html"
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/change_password_done.html"
        ),
        name="password_change_done",
    ),
    path("tokens/", views.api_token_list, name="api-token-list"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("processes/<int:pk>/audit/", views.process_audit, name="process-audit"),
    # Two-step sign-in (accounts/mfa.py): the pages, then the passkey ceremonies (JSON).
    path("two-step/", mfa_views.two_step_overview, name="two-step"),
    path("two-step/setup/", mfa_views.two_step_setup, name="two-step-setup"),
    path(
        "two-step/authenticator-app/",
        mfa_views.two_step_authenticator,
        name="two-step-authenticator",
    ),
    path(
        "two-step/passkey-added/", mfa_views.two_step_passkey_added, name="two-step-passkey-added"
    ),
    path("two-step/verify/", mfa_views.two_step_verify, name="two-step-verify"),
    path(
        "two-step/recovery-codes/",
        mfa_views.two_step_recovery_codes,
        name="two-step-recovery-codes",
    ),
    path(
        "two-step/<str:kind>/<int:pk>/remove/",
        mfa_views.two_step_device_remove,
        name="two-step-device-remove",
    ),
    path("passkeys/", include("multitrack.accounts.passkeys")),
]
