"""SVG figures of a course: stored per course, checked at import, served as inert images.

A lesson shows a figure with Markdown, `![alt text](figures/name.svg)`. The browser resolves
that against the lesson's URL, so `figure_view` answers at `<lesson url>figures/<name>.svg`.
The SVG is only ever loaded through `<img>` (scripts in an image never run) and is served with
`nosniff` and a CSP that forbids scripts and every fetch, should someone open it directly.
Import rejects what could act on its own anyway: scripts, foreignObject, event attributes,
external references, entity declarations.

Hooks elsewhere: `courses.models` imports `Figure`; `exercises.course_files` reads them with
its own link checks and `svg_problems`, calls `import_figures` while importing and `figure_files`
while exporting; `courses.urls` routes `figure_view`; `courses.admin` calls `register_admin`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - entities are refused before parsing
from typing import Any

from django import forms
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

FIGURE_NAME_RE = re.compile(r"^[a-z0-9][-a-z0-9]*\.svg$")
MAX_FIGURE_BYTES = 200_000
SVG_NS = "{http://www.w3.org/2000/svg}"
FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed", "style", "image"}
HREF_ATTRIBUTES = {"href", "{http://www.w3.org/1999/xlink}href"}
SERVE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
    ),
    "Cache-Control": "public, max-age=300",
}


class Figure(models.Model):
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="figures")
    name = models.CharField(max_length=100, help_text="File name, e.g. bptt-flow.svg.")
    svg = models.TextField(help_text="The SVG text; checked at import, served as an image.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "courses"
        ordering = ["course", "name"]
        constraints = [
            models.UniqueConstraint(fields=["course", "name"], name="figure_name_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.name


def svg_problems(text: str) -> list[str]:
    """Return why `text` is not an acceptable figure (an empty list if it is)."""
    if len(text.encode("utf-8")) > MAX_FIGURE_BYTES:
        return [f"larger than {MAX_FIGURE_BYTES // 1000} kB"]
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.I):
        return ["a DOCTYPE or ENTITY declaration is not allowed"]
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD can reach the parser (checked above)
    except ET.ParseError as exc:
        return [f"not well-formed XML ({exc})"]
    if root.tag != f"{SVG_NS}svg":
        return ["the root element must be <svg> in the SVG namespace"]
    problems = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag.lower() in FORBIDDEN_ELEMENTS:
            problems.append(f"<{tag}> is not allowed")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local.lower().startswith("on"):
                problems.append(f"event attribute {local!r} on <{tag}> is not allowed")
            if name in HREF_ATTRIBUTES and not value.startswith("#"):
                problems.append(f"<{tag}> links outside the figure ({value!r})")
            if re.search(r"url\(\s*['\"]?(?!#)", value) or "javascript:" in value.lower():
                problems.append(f"attribute {local!r} on <{tag}> refers outside the figure")
    return sorted(set(problems))


def import_figures(course: Any, figures: dict[str, str], summary: Any) -> None:
    """Upsert the course's figures by name and remove those no longer in the folder."""
    existing = {figure.name: figure for figure in Figure.objects.filter(course=course)}
    for name, svg in figures.items():
        figure = existing.pop(name, None)
        if figure is None:
            Figure.objects.create(course=course, name=name, svg=svg)
            summary.count(summary.created, "figures")
        elif figure.svg != svg:
            Figure.objects.filter(pk=figure.pk).update(svg=svg)
            summary.count(summary.updated, "figures")
    for figure in existing.values():
        figure.delete()
        summary.count(summary.removed, "figures")


def figure_files(course: Any) -> dict[str, str]:
    """Return the course's figures as {relative path: text} for export."""
    return {f"figures/{f.name}": f.svg for f in Figure.objects.filter(course=course)}


def figure_view(
    request: HttpRequest, course_slug: str, lesson_slug: str, name: str
) -> HttpResponse:
    """Serve one figure of a lesson's course, to whoever may read the lesson."""
    from .selectors import get_lesson

    lesson = get_lesson(request.user, course_slug, lesson_slug)
    figure = Figure.objects.filter(course=lesson.course, name=name).first()
    if figure is None:
        raise Http404("No such figure.")
    response = HttpResponse(figure.svg, content_type="image/svg+xml; charset=utf-8")
    for header, value in SERVE_HEADERS.items():
        response[header] = value
    return response


class FigureForm(forms.ModelForm):
    class Meta:
        model = Figure
        fields = ["course", "name", "svg"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if not FIGURE_NAME_RE.match(name):
            raise forms.ValidationError("Use lowercase letters, digits and -, ending in .svg.")
        return name

    def clean_svg(self) -> str:
        svg = self.cleaned_data["svg"]
        problems = svg_problems(svg)
        if problems:
            raise forms.ValidationError(problems)
        return svg


def register_admin(site: Any, base: type) -> None:
    """Let staff edit figures in the admin (`site` is an AdminSite), with the import's checks;
    `base` is the ModelAdmin that scopes them to the courses one teaches."""

    from django.contrib.admin import ModelAdmin

    class FigureAdmin(base):
        form = FigureForm
        list_display = ["name", "course", "updated_at"]
        list_filter = ["course"]

        # Figures are for whoever holds the figure permissions (the Instructors group does
        # not): teaching a course is not enough to see its figures here, unlike other content.
        def has_module_permission(self, request: Any) -> bool:
            return ModelAdmin.has_module_permission(
                self, request
            ) and super().has_module_permission(request)

        def has_view_permission(self, request: Any, obj: Any = None) -> bool:
            return ModelAdmin.has_view_permission(
                self, request, obj
            ) and super().has_view_permission(request, obj)

    site.register(Figure, FigureAdmin)
