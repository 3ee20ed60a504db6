from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import PreferencesForm, TokenForm
from .models import ApiToken


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered in a cookie and on the user's profile."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        if request.user.is_authenticated and request.user.language != language:
            services.set_user_preferences(
                request.user, request.user, language, request.user.time_zone
            )
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    new_token = None
    prefs = PreferencesForm(initial={"language": user.language, "time_zone": user.time_zone})
    token_form = TokenForm()
    if request.method == "POST" and "save_preferences" in request.POST:
        prefs = PreferencesForm(request.POST)
        if prefs.is_valid():
            services.set_user_preferences(
                user, user, prefs.cleaned_data["language"], prefs.cleaned_data["time_zone"]
            )
            response = redirect("profile")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, prefs.cleaned_data["language"])
            messages.success(request, _("Your preferences were saved."))
            return response
    elif request.method == "POST" and "create_token" in request.POST:
        token_form = TokenForm(request.POST)
        if token_form.is_valid():
            _token, new_token = services.create_api_token(user, token_form.cleaned_data["name"])
            token_form = TokenForm()
    tokens = ApiToken.objects.filter(user=user, revoked_at=None).order_by("-created_at")
    return render(
        request,
        "core/profile.html",
        {"prefs": prefs, "token_form": token_form, "tokens": tokens, "new_token": new_token},
    )


@require_POST
@login_required
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_api_token(token, request.user)
    messages.success(request, _("The token was revoked."))
    return redirect(reverse("profile"))


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
