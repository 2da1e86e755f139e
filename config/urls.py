"""URL root: admin, health, OpenAPI and the v1 API."""
from __future__ import annotations

from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from analytics import views as analytics_pages
from analytics.api import views as analytics
from config.health import healthz, readyz
from config.health import metrics as prometheus_metrics
from leaderboard.api import views as leaderboard
from learning.api import views as learning
from progress.api import views as progress

COURSE = "api/v1/courses/<str:course_id>/"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", prometheus_metrics, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/auth/token/", obtain_auth_token, name="auth-token"),
    path("api/v1/users/", learning.UserCreateView.as_view(), name="user-create"),
    path("api/v1/courses/", learning.CourseListView.as_view(), name="course-list"),
    path(COURSE, learning.CourseDetailView.as_view(), name="course-detail"),
    path(COURSE + "enroll/", learning.EnrollView.as_view(), name="course-enroll"),
    path(COURSE + "attempts/", learning.AttemptCreateView.as_view(), name="course-attempts"),
    path(COURSE + "progress/", progress.ProgressView.as_view(), name="course-progress"),
    path(COURSE + "progress/learners/", progress.CourseProgressListView.as_view(),
         name="course-progress-learners"),
    path(COURSE + "progress/summary/", progress.CourseProgressSummaryView.as_view(),
         name="course-progress-summary"),
    path(COURSE + "leaderboard/", leaderboard.LeaderboardView.as_view(), name="leaderboard"),
    path(COURSE + "leaderboard/me/", leaderboard.LeaderboardMeView.as_view(), name="leaderboard-me"),
    path(COURSE + "leaderboard/rebuild/", leaderboard.LeaderboardRebuildView.as_view(),
         name="leaderboard-rebuild"),
    path(COURSE + "leaderboard/users/<str:user_id>/", leaderboard.LeaderboardUserView.as_view(),
         name="leaderboard-user"),
    path(COURSE + "leaderboard/config/", leaderboard.LeaderboardConfigView.as_view(),
         name="leaderboard-config"),
    path("api/v1/analytics/active-learners/", analytics.ActiveLearnersView.as_view(),
         name="analytics-active-learners"),
    path("api/v1/analytics/attempts-per-day/", analytics.AttemptsPerDayView.as_view(),
         name="analytics-attempts-per-day"),
    path("api/v1/analytics/courses/<str:course_id>/funnel/", analytics.CourseFunnelView.as_view(),
         name="analytics-course-funnel"),
    path("api/v1/analytics/courses/<str:course_id>/completion-time/",
         analytics.CompletionTimeView.as_view(), name="analytics-completion-time"),
    path("analytics/dashboard/", analytics_pages.dashboard, name="analytics-dashboard"),
]

# JSON errors under /api/ when DEBUG is off (config/api_errors.py covers DEBUG on too).
handler404 = "config.api_errors.handler404"
handler500 = "config.api_errors.handler500"
