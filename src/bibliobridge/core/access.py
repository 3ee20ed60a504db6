"""Permission checks shared by every view: a user without the permission gets 403."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def require_perm(*perms: str) -> Callable:
    """Sign-in required, then every named permission, or 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            check_perm(request.user, *perms)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def check_perm(user: Any, *perms: str) -> None:
    if not user.is_authenticated or not user.has_perms(perms):
        raise PermissionDenied
