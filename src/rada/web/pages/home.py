"""The front page: what Rada is and where to go."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rada.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", name="home")
def home(request: Request) -> HTMLResponse:
    """The front page."""
    return render(request, "home.html")
