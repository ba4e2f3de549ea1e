"""Media library pages. Uploads answer JSON to the page's XHR (for the progress bar) and redirect otherwise;
files are served only to members, through the workspace-scoped views here."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from media import services
from media.models import MediaAsset
from media.selectors import asset_for_workspace, assets_for_workspace, picker_entry
from platforms.media_urls import MediaPathError, media_file
from scheduler.views_pages import workspace_zone
from workspaces.access import workspace_view
from workspaces.models import Role

WRITERS = (Role.ADMIN, Role.MARKETER, Role.COMMUNITY_MANAGER)
PAGE_LIMIT = 200
PICKER_LIMIT = 100


def _asset_or_404(request: HttpRequest, asset_id: int) -> MediaAsset:
    asset = asset_for_workspace(request.workspace, asset_id)
    if asset is None:
        raise Http404("No such media file.")
    return asset


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _context(request: HttpRequest, **extra: object) -> dict[str, object]:
    return {"zone": workspace_zone(request.workspace), "can_edit": request.member.role in WRITERS, **extra}


def _back(request: HttpRequest) -> HttpResponse:
    return redirect("media:library", slug=request.workspace.slug)


@require_safe
@workspace_view()
def library(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    assets = list(assets_for_workspace(request.workspace, query)[:PAGE_LIMIT])
    context = _context(request, assets=assets, query=query, limits={
        "image": services.max_image_bytes(), "video": services.max_video_bytes()})
    template = "media/_grid.html" if request.htmx else "media/library.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@workspace_view(*WRITERS)
def upload(request: HttpRequest) -> HttpResponse:
    upload_file = request.FILES.get("file")
    try:
        if upload_file is None:
            raise services.UploadRejected(_("Choose a file to upload."))
        asset = services.asset_upload(request.workspace, upload_file, uploaded_by=request.user)
    except services.UploadRejected as exc:
        if _wants_json(request):
            return JsonResponse({"error": exc.message}, status=400)
        messages.error(request, exc.message)
        return _back(request)
    if _wants_json(request):
        card = render_to_string("media/_asset.html", _context(request, asset=asset), request=request)
        return JsonResponse({"asset": picker_entry(asset, request.workspace.slug), "html": card}, status=201)
    messages.success(request, _("Uploaded %(name)s.") % {"name": asset.original_name})
    return _back(request)


@require_POST
@workspace_view(*WRITERS)
def alt_text(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = _asset_or_404(request, asset_id)
    error = ""
    try:
        services.asset_set_alt_text(asset, request.POST.get("alt_text", ""), actor=request.user)
    except services.UploadRejected as exc:
        error = exc.message
    if request.htmx:
        context = _context(request, asset=asset, error=error, saved=not error)
        return render(request, "media/_asset.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Alt text saved."))
    return _back(request)


@require_POST
@workspace_view(*WRITERS)
def delete(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = _asset_or_404(request, asset_id)
    try:
        services.asset_delete(asset, actor=request.user)
    except services.AssetInUse as exc:
        messages.error(request, exc.message)
        return _back(request)
    messages.success(request, _("Deleted %(name)s.") % {"name": asset.original_name})
    return _back(request)


@require_safe
@workspace_view()
def picker(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    kind = request.GET.get("kind", "")
    assets = assets_for_workspace(request.workspace, query)
    if kind in ("image", "video"):
        assets = assets.filter(mime_type__startswith=f"{kind}/")
    items = [picker_entry(asset, request.workspace.slug) for asset in assets[:PICKER_LIMIT]]
    return JsonResponse({"items": items})


def _serve(relative: str, content_type: str, name: str) -> FileResponse:
    try:
        path = media_file(relative)
    except MediaPathError:
        raise Http404("No such media file.") from None
    if not path.is_file():
        raise Http404("No such media file.")
    response = FileResponse(path.open("rb"), content_type=content_type, filename=name)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_safe
@workspace_view()
def asset_file(request: HttpRequest, asset_id: int) -> FileResponse:
    asset = _asset_or_404(request, asset_id)
    return _serve(asset.path, asset.mime_type, asset.original_name)


@require_safe
@workspace_view()
def thumbnail(request: HttpRequest, asset_id: int) -> FileResponse:
    asset = _asset_or_404(request, asset_id)
    if not asset.thumbnail:
        raise Http404("This file has no thumbnail.")
    return _serve(asset.thumbnail, "image/jpeg", "thumbnail.jpg")
