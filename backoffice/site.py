"""The admin site: Django's, plus the MongoDB pages listed on its index and sidebar."""
from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.db import DatabaseError
from django.http import HttpResponse
from django.urls import path, reverse

from api.throttles import LoginAddressThrottle, LoginUsernameThrottle

SECTION_LABEL = "lms_data"
SECTION_NAME = "Learning data (MongoDB)"

# (name, object name, list url name, add url name or None, editable)
_ENTRIES = (
    ("Courses", "Course", "lms_course_list", "lms_course_add", True),
    ("Items", "Item", "lms_item_list", None, True),
    ("Enrollments", "Enrollment", "lms_enrollment_list", None, False),
    ("Attempts", "ContentAttempt", "lms_attempt_list", None, False),
    ("Progress", "CourseProgress", "lms_progress_list", None, False),
    ("Activity log", "ActivityLog", "lms_activity_list", None, False),
    ("Mark overrides", "MarkOverride", "lms_override_list", None, False),
    ("Course resets", "CourseReset", "lms_reset_list", None, False),
    ("Archived attempts", "ArchivedAttempt", "lms_archived_attempt_list", None, False),
    ("User erasures", "UserErasure", "lms_erasure_list", None, False),
    ("Webhook endpoints", "WebhookEndpoint", "lms_webhook_list", "lms_webhook_add", True),
    ("Leaderboard archives", "LeaderboardArchive", "lms_leaderboard_archive_list", None, False),
    ("Hidden learners", "LeaderboardVisibility", "lms_hidden_learner_list", None, False),
)


class BadLookupsRefused:
    """A ModelAdmin whose list answers 400 to filters the database cannot run.

    Django's admin accepts any lookup on a model's own fields from the query string
    (`?username__regex=(`, `?id__in=<30 digits>`, `?date_joined__year=99999`) and runs it
    while rendering the list, where a bad pattern or a number out of the database's range is
    a server error."""

    def changelist_view(self, request, extra_context=None):
        try:
            response = super().changelist_view(request, extra_context)
            # The list is queried while the response renders, so render it here.
            return response.render() if hasattr(response, "render") else response
        except (DatabaseError, OverflowError, ValueError) as exc:
            raise DisallowedModelAdminLookup(f"Filter not supported: {exc}") from exc


class LmsAdminSite(AdminSite):
    site_header = "LMS administration"
    site_title = "LMS admin"
    index_title = "Site administration"

    def login(self, request, extra_context=None):
        """Django's login form, with the API's login limits: guesses at one username and from
        one address count together, whichever door they come through."""
        if request.method == "POST":
            for throttle in (LoginUsernameThrottle(), LoginAddressThrottle()):
                if not throttle.allow_request(request, None):
                    wait = throttle.wait()
                    return HttpResponse(f"Too many login attempts; try again in {wait} s.",
                                        status=429, content_type="text/plain",
                                        headers={"Retry-After": str(wait)})
        return super().login(request, extra_context)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register as Django does, each list guarded against filters it cannot run."""
        from django.contrib.admin import ModelAdmin

        base = admin_class or ModelAdmin
        guarded = type(base.__name__, (BadLookupsRefused, base), {"__module__": base.__module__})
        return super().register(model_or_iterable, guarded, **options)

    def get_urls(self):
        from backoffice.views import (
            corrections,
            courses,
            items,
            leaderboards,
            records,
            section,
            webhooks,
        )

        view = self.admin_view
        ours = [
            path("data/", view(section.section_index), name="lms_data_index"),
            path("data/courses/", view(courses.course_list), name="lms_course_list"),
            path("data/courses/add/", view(courses.course_add), name="lms_course_add"),
            path("data/courses/actions/", view(courses.course_actions), name="lms_course_actions"),
            path("data/courses/<str:course_id>/", view(courses.course_change),
                 name="lms_course_change"),
            path("data/courses/<str:course_id>/items/<str:item_id>/", view(items.item_change),
                 name="lms_item_change"),
            path("data/items/", view(items.item_list), name="lms_item_list"),
            path("data/enrollments/", view(records.enrollment_list), name="lms_enrollment_list"),
            path("data/attempts/", view(records.attempt_list), name="lms_attempt_list"),
            path("data/attempts/<str:attempt_id>/", view(records.attempt_detail),
                 name="lms_attempt_detail"),
            path("data/progress/", view(records.progress_list), name="lms_progress_list"),
            path("data/progress/<str:progress_id>/", view(records.progress_detail),
                 name="lms_progress_detail"),
            path("data/activity/", view(records.activity_list), name="lms_activity_list"),
            path("data/activity/<str:event_id>/", view(records.activity_detail),
                 name="lms_activity_detail"),
            path("data/overrides/", view(corrections.override_list), name="lms_override_list"),
            path("data/resets/", view(corrections.reset_list), name="lms_reset_list"),
            path("data/archived-attempts/", view(corrections.archived_attempt_list),
                 name="lms_archived_attempt_list"),
            path("data/erasures/", view(corrections.erasure_list), name="lms_erasure_list"),
            path("data/webhooks/", view(webhooks.webhook_list), name="lms_webhook_list"),
            path("data/webhooks/add/", view(webhooks.webhook_add), name="lms_webhook_add"),
            path("data/webhooks/<str:endpoint_id>/", view(webhooks.webhook_change),
                 name="lms_webhook_change"),
            path("data/webhooks/<str:endpoint_id>/redeliver/", view(webhooks.webhook_redeliver),
                 name="lms_webhook_redeliver"),
            path("data/leaderboard-archives/", view(leaderboards.archive_list),
                 name="lms_leaderboard_archive_list"),
            path("data/hidden-learners/", view(leaderboards.hidden_learner_list),
                 name="lms_hidden_learner_list"),
        ]
        # Ours first: Django's own URLs end with a catch-all.
        return ours + super().get_urls()

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is None and self.has_permission(request):
            apps.append(self.data_section(request))
        return apps

    def data_section(self, request) -> dict:
        """The MongoDB pages as one more "application" on the index and in the sidebar."""
        models = []
        for name, object_name, list_url, add_url, editable in _ENTRIES:
            models.append({
                "name": name, "object_name": object_name,
                "admin_url": reverse(f"admin:{list_url}", current_app=self.name),
                "add_url": reverse(f"admin:{add_url}", current_app=self.name) if add_url else None,
                "view_only": not editable,
                "perms": {"add": bool(add_url), "change": editable, "delete": False, "view": True},
            })
        return {"name": SECTION_NAME, "app_label": SECTION_LABEL,
                "app_url": reverse("admin:lms_data_index", current_app=self.name),
                "has_module_perms": True, "models": models}
