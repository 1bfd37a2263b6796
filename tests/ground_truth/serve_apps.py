"""Serve several fixture apps with uvicorn in one process, one port each (ground-truth suite).

Usage: python serve_apps.py NAME=FILE_OR_DIR:MODULE:ATTR ...
Each app (ASGI, or a WSGI Flask app) is imported from its fixture (the fixture folder first on sys.path, the working directory
set to it while importing so `.env` files are read; `CORS_ORIGINS=https://app.example.com` for
single-file fixtures only), bound to a free port on 127.0.0.1, and
announced as `READY NAME PORT`; `READY ALL` follows once every server listens. One Python start
for all apps keeps the suite fast; each app still runs in its own real uvicorn server.
"""

import asyncio
import importlib
import os
import socket
import sys

import uvicorn


def load(folder, module, attr):
    saved_cwd, saved_path = os.getcwd(), list(sys.path)
    top = module.split(".")[0]
    for name in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
        del sys.modules[name]
    os.chdir(folder)
    sys.path.insert(0, folder)
    # Single-file fixtures that read CORS_ORIGINS get the frontend's origin; package fixtures read
    # their own `.env`, which a process environment variable would override.
    if module == "app.main":
        os.environ.pop("CORS_ORIGINS", None)
    else:
        os.environ["CORS_ORIGINS"] = "https://app.example.com"
    try:
        loaded = importlib.import_module(module)
        if not hasattr(loaded, attr) and hasattr(loaded, "MIDDLEWARE"):
            return django_app(loaded)
        return getattr(loaded, attr)
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        for name in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
            del sys.modules[name]


def django_app(settings_module):
    """A Django settings fixture as the ASGI app a deployment runs (no system checks, as under
    uvicorn or gunicorn): its settings, this suite's catch-all URLconf. One per process."""
    import django
    from django.conf import settings
    from django.core.asgi import get_asgi_application

    values = {k: getattr(settings_module, k) for k in dir(settings_module) if k.isupper()}
    values.update(
        ROOT_URLCONF="django_urls",
        ALLOWED_HOSTS=["*"],
        SECRET_KEY="ground-truth",
        DEBUG=False,
    )
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    settings.configure(**values)
    django.setup()
    return get_asgi_application()


async def main(specs):
    servers = []
    for spec in specs:
        name, rest = spec.split("=", 1)
        folder, module, attr = rest.rsplit(":", 2)
        try:
            app = load(folder, module, attr)
        except Exception as e:  # reported, the other apps still run
            print(f"FAILED {name} {type(e).__name__}: {e}", flush=True)
            continue
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        # A Flask app is WSGI: uvicorn's WSGI adapter passes its status and headers through as
        # gunicorn would.
        interface = "wsgi" if hasattr(app, "wsgi_app") else "auto"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False, interface=interface)
        server = uvicorn.Server(config)
        servers.append((name, sock, server))
    tasks = [asyncio.create_task(server.serve(sockets=[sock])) for _, sock, server in servers]
    while not all(server.started for _, _, server in servers):
        await asyncio.sleep(0.05)
    for name, sock, _ in servers:
        print(f"READY {name} {sock.getsockname()[1]}", flush=True)
    print("READY ALL", flush=True)
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
