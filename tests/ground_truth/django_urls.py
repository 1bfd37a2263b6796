"""The URLconf the ground-truth suite gives a Django settings fixture: every path is a view
that answers 200, so what a response carries comes from the middleware alone; except under
`/slash/`, where only paths ending in `/` have a view (for CommonMiddleware's APPEND_SLASH)."""

from django.http import JsonResponse
from django.urls import re_path


def answer(request):
    return JsonResponse({"path": request.path})


urlpatterns = [re_path(r"^slash/.+/$", answer), re_path(r"^(?!slash/).*$", answer)]
