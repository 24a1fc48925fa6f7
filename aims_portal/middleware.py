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
    authenticator code (or by the identity provider); until then only the two-factor page
    and logout are reachable. A single sign-on session whose code is due goes to the page
    that asks for it."""

    ALLOWED = ("two-factor", "two-factor-verify", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Here the URL is already resolved (request.resolver_match): no second resolve. An
        # address that matches no view never gets here, and answers 404 as before.
        from urllib.parse import urlencode

        from django.contrib import messages
        from django.shortcuts import redirect
        from django.urls import reverse

        from . import two_factor

        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith("/static/")
            or request.resolver_match.url_name in self.ALLOWED
        ):
            return None
        if two_factor.code_due(request):
            return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': request.path})}")
        if two_factor.required_for(user) and not two_factor.session_verified(request):
            messages.warning(request, "Administrators must turn on two-factor authentication.")
            return redirect("two-factor")
        return None


API_PREFIX = "/api/"


class APIProblemMiddleware:
    """Under /api/ every error answer is JSON, including those no API view produced: an
    unknown URL (404), a server error (500, logged as usual before this replaces the page),
    a refused CSRF check or an oversized body (400/403/413)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PREFIX)
            and "json" not in response.get("Content-Type", "")
        ):
            return self.as_problem(response.status_code)
        return response

    @staticmethod
    def as_problem(status_code):
        from django.http import JsonResponse

        from .api_input import problem

        details = {
            404: "There is no API endpoint or record at this address.",
            500: "The server failed to answer this request; the error has been logged.",
        }
        detail = details.get(status_code, "The request was refused.")
        return JsonResponse(problem(status_code, detail), status=status_code)


class APIBodyLimitMiddleware:
    """Reads the body of a request to an API view that declares ``max_body_bytes`` (the
    attestation batch) under that limit instead of Django's DATA_UPLOAD_MAX_MEMORY_SIZE,
    and refuses a larger one with 413 naming the limit. Every other view keeps the global
    limit, which the API's exception handler also answers with a JSON 413."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from io import BytesIO

        from django.http import JsonResponse

        from .api_input import body_too_big_message, problem, view_body_limit

        limit = view_body_limit(view_func)
        if limit is None or request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        body = b"" if declared > limit else request.read(limit + 1)
        if declared > limit or len(body) > limit:
            return JsonResponse(problem(413, body_too_big_message(limit)), status=413)
        # Django's request.body now returns these bytes without its global size check.
        request._body = body
        request._stream = BytesIO(body)
        return None
