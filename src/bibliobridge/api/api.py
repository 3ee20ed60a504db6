"""The JSON API at /api/v1/: token auth, the same services and permissions as the pages.

Authenticate with `Authorization: Bearer <token>` (tokens are made on the profile page).
The OpenAPI schema is at /api/v1/openapi.json. State changes are POST .../<action>.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from bibliobridge.core.services import user_for_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Bibliobridge API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url=None,  # the interactive docs page loads from a CDN; the schema is enough
)


def error_messages(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {"__all__": [str(m) for m in error.messages]}


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):
    return api.create_response(request, {"detail": error_messages(exc)}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied):
    return api.create_response(request, {"detail": "permission denied"}, status=403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": "not found"}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": "authentication required"}, status=401)


from . import agreements, catalogue, exchange, ill, institutions  # noqa: E402  (routers register on the api above)

api.add_router("/institutions", institutions.router)
api.add_router("/agreements", agreements.router)
api.add_router("/catalogue", catalogue.router)
api.add_router("/ill", ill.router)
api.add_router("/exchange", exchange.router)
