from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from rest_framework.views import APIView


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a logged-in user, except views marked ``@login_not_required``.

    API views are left to DRF, which authenticates tokens as well as sessions and answers
    401/403 instead of redirecting to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if view_class is not None and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class AccessWindowMiddleware:
    """Ends the session of a user whose access window is closed, and logs auditors' reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.shortcuts import redirect

        from . import access

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            refusal = access.window_refusal(user)
            if refusal:
                logout(request)
                messages.error(request, refusal)
                return redirect("login")
        response = self.get_response(request)
        # request.user may have been set by DRF token authentication during the view.
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(access.NOT_LOGGED)
            and access.is_logged(user)
        ):
            access.record_access(request, response)
        return response


class AdminTwoFactorMiddleware:
    """With AIMS_REQUIRE_ADMIN_2FA, an administrator's session must be verified with an
    authenticator code; until then only the two-factor page and logout are reachable."""

    ALLOWED = ("two-factor", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib import messages
        from django.shortcuts import redirect
        from django.urls import resolve

        from . import two_factor

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and two_factor.required_for(user)
            and not user.is_verified()
            and not request.path.startswith("/static/")
            and resolve(request.path_info).url_name not in self.ALLOWED
        ):
            messages.warning(request, "Administrators must turn on two-factor authentication.")
            return redirect("two-factor")
        return self.get_response(request)
