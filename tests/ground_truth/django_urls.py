"""The URLconf the ground-truth suite gives a Django settings fixture: every path is a view
that answers 200, so what a response carries comes from the middleware alone."""

from django.http import JsonResponse
from django.urls import re_path


def answer(request):
    return JsonResponse({"path": request.path})


urlpatterns = [re_path(r"^.*$", answer)]
