from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    """What the navigation bar needs: which sections this user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "partners": user.has_perm("partners.view_institution"),
            "agreements": user.has_perm("agreements.view_agreement"),
            "catalog": user.has_perm("catalog.view_record"),
            "ill": user.has_perm("ill.view_illrequest"),
            "exchange": user.has_perm("exchange.view_exchangelist"),
        },
        "current_path": request.get_full_path(),
    }
