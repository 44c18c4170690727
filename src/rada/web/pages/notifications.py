"""The signed-in person's notifications: the list (newest first, in pages), the header's
unread count (a fragment htmx fetches again every 45 seconds), following a notice (by POST,
which marks it read; a GET of the same address only goes there), and marking all of them
read.

Only the person's own notices are ever shown or marked: another's notice, named by its id,
is 404 (as an unknown one), so nobody learns whether it exists.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from rada.councils.model import MAX_ID, Person
from rada.services import notices as service
from rada.web.api.deps import api_context
from rada.web.i18n import chosen_language
from rada.web.notice_words import NoticeView, notice_view
from rada.web.page_kit import address_state, redirect, verified_form
from rada.web.templating import gettext_for, render
from rada.web.times import reader_zone
from rada.web.viewer import signed_in

__all__ = ["POLL_SECONDS", "router"]

router = APIRouter(include_in_schema=False)

#: How often the header's unread count is fetched again.
POLL_SECONDS = 45


def _sign_in_first(request: Request) -> RedirectResponse:
    path = str(request.app.url_path_for("sign_in"))
    target = quote(request.url.path, safe="/")
    return RedirectResponse(f"{path}?next={target}", status_code=303)


def _views(
    request: Request, person: Person, before: int | None
) -> tuple[list[NoticeView], int, str | None]:
    """A page of the reader's notices as shown, how many are unread, and why no mail reaches
    them if none does (:func:`~rada.web.page_kit.address_state`)."""
    _ = gettext_for(request)
    zone, language = reader_zone(request), chosen_language(request)
    with api_context(request).uow() as uow:
        found = service.list_notices(uow, person.id, before=before, limit=service.PAGE + 1)
        unread = service.unread_count(uow, person.id)
        address = address_state(uow.settings.get(person.id))
        names: dict[int, str] = {}
        for notice in found:
            if notice.council_id is not None and notice.council_id not in names:
                council = uow.councils.get(notice.council_id)
                names[notice.council_id] = council.name if council else ""
    views = [
        notice_view(
            n,
            council=names.get(n.council_id or 0, ""),
            _=_,
            zone=zone,
            language=language,
            proposal_path=lambda p: str(request.url_for("proposal", proposal_id=str(p)).path),
            invitations_path=str(request.url_for("my_councils").path),
        )
        for n in found
    ]
    return views, unread, address


@router.get("/notifications", name="notifications")
def notifications(
    request: Request, before: int | None = Query(default=None, ge=1, le=MAX_ID)
) -> Response:
    """The reader's notices, newest first, a page at a time (``before``: the id after which
    the page goes on); unread ones marked."""
    person = signed_in(request)
    if person is None:
        return _sign_in_first(request)
    views, unread, address = _views(request, person, before)
    more = len(views) > service.PAGE
    views = views[: service.PAGE]
    return render(
        request,
        "notifications/index.html",
        section="notifications",
        viewer=person,
        views=views,
        unread=unread,
        address_state=address,
        email=person.email,
        before=before,
        older=views[-1].notice.id if more and views else None,
    )


@router.get("/notifications/count", name="notification_count")
def notification_count(request: Request) -> HTMLResponse:
    """The header's count of unread notices, as the fragment that replaces it."""
    person = signed_in(request)
    unread = None
    if person is not None:
        with api_context(request).uow() as uow:
            unread = service.unread_count(uow, person.id)
    response = render(request, "notifications/_count.html", viewer=person, unread=unread)
    response.headers["Cache-Control"] = "no-store"
    return response


def _own_notice(request: Request, person: Person, notice_id: int) -> NoticeView:
    """The reader's notice ``notice_id`` as shown (404 if it is not theirs, or unknown)."""
    _ = gettext_for(request)
    with api_context(request).uow() as uow:
        # The newest notice with an id below notice_id + 1 is the one, if it is the reader's.
        found = service.list_notices(uow, person.id, before=notice_id + 1, limit=1)
    if not found or found[0].id != notice_id:
        raise HTTPException(404, _("You have no such notification."))
    return notice_view(
        found[0], council="", _=_, zone=reader_zone(request), language="en",
        proposal_path=lambda p: str(request.url_for("proposal", proposal_id=str(p)).path),
        invitations_path=str(request.url_for("my_councils").path),
    )  # fmt: skip


def _go_to(request: Request, view: NoticeView) -> Response:
    target = view.target or str(request.url_for("notifications").path)
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.get("/notifications/{notice_id}", name="notification")
def follow(request: Request, notice_id: int = Path(ge=1, le=MAX_ID)) -> Response:
    """Go where one's notice leads (the notifications page, for one that leads nowhere).

    A GET changes nothing (a link checker or a prefetching browser must not mark notices
    read); following a notice from the list POSTs (below), which marks it read.
    """
    person = signed_in(request)
    if person is None:
        return _sign_in_first(request)
    return _go_to(request, _own_notice(request, person, notice_id))


@router.post("/notifications/read", name="notifications_read")
async def mark_all_read(request: Request) -> Response:
    """Mark every one of the reader's notices read."""
    await verified_form(request)
    person = signed_in(request)
    if person is None:
        return _sign_in_first(request)
    api = api_context(request)

    def mark() -> None:
        with api.uow() as uow:
            service.mark_read(uow, person.id, now=api.now())
            uow.commit()

    await run_in_threadpool(mark)
    return redirect(request, "notifications")


# After /notifications/read, which the pattern below would otherwise take.
@router.post("/notifications/{notice_id}", name="notification_read")
async def follow_and_mark_read(
    request: Request, notice_id: int = Path(ge=1, le=MAX_ID)
) -> Response:
    """Mark one's notice read and go where it leads (by HX-Redirect for htmx, else 303)."""
    await verified_form(request)
    person = signed_in(request)
    if person is None:
        return _sign_in_first(request)
    view = await run_in_threadpool(_own_notice, request, person, notice_id)
    api = api_context(request)

    def mark() -> None:
        with api.uow() as uow:
            service.mark_read(uow, person.id, now=api.now(), ids=[notice_id])
            uow.commit()

    await run_in_threadpool(mark)
    return _go_to(request, view)
