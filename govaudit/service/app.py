"""The ASGI application of `govaudit serve`: the API under /api/v1 and the dashboard under /."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def create_app(db_url: str, *, out_dir: str | Path = "out", secure_cookies: bool = True,
               login_limit: tuple[int, float] = (5, 300.0)) -> FastAPI:
    """The service over one database. `out_dir` is where `govaudit audit/demo` wrote its reports (evidence
    and XLSX downloads when a run's own evidence folder moved); `login_limit` = (failures, seconds)."""
    from govaudit.service import api, dashboard

    app = FastAPI(title="govaudit", version="1", openapi_url="/openapi.json", docs_url="/api/docs",
                  redoc_url=None, description="政府网站检查结果：网站、检查、问题清单、评估（docs/service.md）")
    out = Path(out_dir)
    api_router = api.router(db_url, out)
    app.include_router(api_router)
    app.include_router(dashboard.router(db_url, out, secure_cookies=secure_cookies, login_limit=login_limit,
                                        actions=api_router))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def _headers(request, call_next):  # noqa: ANN001, ANN202
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith(("/api/docs",)):
            response.headers.setdefault("Content-Security-Policy",
                                        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                        "script-src 'self'; object-src 'none'; frame-ancestors 'none'")
        return response

    return app
