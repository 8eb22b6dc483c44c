"""Sign in with a username and password, then the second factor; sign out."""

from __future__ import annotations

import base64
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from onedoor.accounts.forms import SecondFactorForm, SignInForm
from onedoor.accounts.middleware import start_session_clock
from onedoor.accounts.models import User
from onedoor.audit.trail import Action, record

NEXT_URL = "onedoor_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignInForm(request.POST if request.method == "POST" else None)
    failed = False
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            failed = True
            known = User.objects.filter(username=form.cleaned_data["username"]).first()
            record(
                Action.SIGN_IN_FAILED,
                actor=known,
                record_type="user",
                record_id=known.uuid if known else "",
            )
        else:
            assert isinstance(user, User)
            login(request, user)
            start_session_clock(request)
            record(Action.SIGN_IN, actor=user, record_type="user", record_id=user.uuid)
            next_url = _safe_next(request, request.POST.get("next"))
            if user.needs_second_factor:
                if next_url:
                    request.session[NEXT_URL] = next_url
                has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
                return redirect(
                    "accounts:two_factor" if has_device else "accounts:two_factor_setup"
                )
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "failed": failed, "next": _safe_next(request, request.GET.get("next"))},
        status=200 if not (failed or form.errors) else 400,
    )


def _finish_second_factor(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    otp_login(request, device)
    user = request.user
    assert isinstance(user, User)
    record(Action.SECOND_FACTOR, actor=user, record_type="user", record_id=user.uuid)
    return redirect(request.session.pop(NEXT_URL, None) or settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user.needs_second_factor or user.is_verified():  # type: ignore[attr-defined]
        return redirect(settings.LOGIN_REDIRECT_URL)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("accounts:two_factor_setup")
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            return _finish_second_factor(request, device)
        record(Action.SECOND_FACTOR_FAILED, actor=user, record_type="user", record_id=user.uuid)
        message = (
            "That security code is not right, or has expired. Enter the current code"
            if allowed
            else "Too many wrong codes. Wait a minute, then enter the current code"
        )
        form.add_error("token", message)
    return render(
        request, "accounts/two_factor.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user.needs_second_factor or user.is_verified():  # type: ignore[attr-defined]
        return redirect(settings.LOGIN_REDIRECT_URL)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:two_factor")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record(
                Action.CHANGE,
                actor=user,
                record_type="user",
                record_id=user.uuid,
                detail={"second_factor": "enrolled"},
            )
            return _finish_second_factor(request, device)
        form.add_error(
            "token", "That security code is not right. Enter the code your app shows now"
        )
    secret = base64.b32encode(device.bin_key).decode()
    context: dict[str, Any] = {
        "form": form,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr_svg": _qr_svg(device.config_url),
    }
    return render(
        request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200
    )


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    user = request.user
    if isinstance(user, User):
        record(Action.SIGN_OUT, actor=user, record_type="user", record_id=user.uuid)
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """What django-axes shows once an account is locked at this address (a cool-off)."""
    username = (credentials or {}).get("username", "")
    known = User.objects.filter(username=username).first() if username else None
    record(
        Action.LOCKED_OUT, actor=known, record_type="user", record_id=known.uuid if known else ""
    )
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
