from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from potluck.accounts import twofactor_views, views
from potluck.accounts.forms import PasswordResetForm, ResetPasswordForm

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("login/", views.login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("confirm/", twofactor_views.reauth, name="reauth"),
    path("me/", views.account, name="account"),
    path("me/login/", views.login_change, name="login_change"),
    path("me/sessions/end/", views.log_out_everywhere, name="log_out_everywhere"),
    path("me/tokens/", views.token_new, name="token_new"),
    path("me/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("2fa/", twofactor_views.two_factor, name="two_factor"),
    path("2fa/code/", twofactor_views.two_factor_code, name="two_factor_code"),
    path("2fa/setup/", twofactor_views.two_factor_setup, name="two_factor_setup"),
    path("2fa/recovery/", twofactor_views.two_factor_recovery, name="two_factor_recovery"),
    path(
        "2fa/recovery/new/",
        twofactor_views.two_factor_recovery_new,
        name="two_factor_recovery_new",
    ),
    path("2fa/off/", twofactor_views.two_factor_off, name="two_factor_off"),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=ResetPasswordForm,
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
