"""The v1 REST API and its OpenAPI schema."""
from __future__ import annotations

from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api.analytics import views as analytics
from api.auth import TokenView
from api.consistency import CourseConsistencyView
from api.converters import ObjectIdConverter
from api.integrations import views as integrations
from api.leaderboard import views as leaderboard
from api.learning import corrections, enrollments
from api.learning import views as learning
from api.progress import views as progress

register_converter(ObjectIdConverter, "objectid")

COURSE = "v1/courses/<objectid:course_id>/"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("v1/auth/token/", TokenView.as_view(), name="auth-token"),
    path("v1/users/", learning.UserCreateView.as_view(), name="user-create"),
    path("v1/courses/", learning.CourseListView.as_view(), name="course-list"),
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
    path("v1/users/<str:user_id>/", corrections.UserDetailView.as_view(), name="user-detail"),
    path(COURSE + "overrides/", corrections.CourseOverridesView.as_view(), name="course-overrides"),
    path(COURSE + "overrides/remove/", corrections.CourseOverrideRemoveView.as_view(),
         name="course-overrides-remove"),
    path(COURSE + "overrides/changes/", corrections.CourseOverrideChangesView.as_view(),
         name="course-overrides-changes"),
    path(COURSE + "learners/<str:user_id>/reset/", corrections.LearnerResetView.as_view(),
         name="learner-reset"),
    path(COURSE + "resets/", corrections.CourseResetsView.as_view(), name="course-resets"),
    path("v1/me/courses/", enrollments.MyCoursesView.as_view(), name="me-courses"),
    path(COURSE + "enrollments/", enrollments.CourseEnrollmentsView.as_view(),
         name="course-enrollments"),
    path(COURSE + "gradebook.csv", enrollments.GradebookView.as_view(), name="course-gradebook"),
    path(COURSE + "seasons/", leaderboard.SeasonsView.as_view(), name="leaderboard-seasons"),
    path(COURSE + "groups/", leaderboard.GroupsView.as_view(), name="leaderboard-groups"),
    path(COURSE + "groups/<objectid:group_id>/", leaderboard.GroupView.as_view(),
         name="leaderboard-group"),
    path(COURSE + "groups/<objectid:group_id>/members/", leaderboard.GroupMembersView.as_view(),
         name="leaderboard-group-members"),
    path(COURSE + "groups/<objectid:group_id>/members/remove/",
         leaderboard.GroupMembersRemoveView.as_view(), name="leaderboard-group-members-remove"),
    path(COURSE + "leaderboard/global-weight/", leaderboard.GlobalWeightView.as_view(),
         name="leaderboard-global-weight"),
    path("v1/leaderboard/", leaderboard.GlobalLeaderboardView.as_view(), name="leaderboard-global"),
    path("v1/leaderboard/me/", leaderboard.GlobalLeaderboardMeView.as_view(),
         name="leaderboard-global-me"),
    path("v1/leaderboard/visibility/", leaderboard.VisibilityView.as_view(),
         name="leaderboard-visibility"),
    path("v1/leaderboard/hidden-learners/", leaderboard.HiddenLearnersView.as_view(),
         name="leaderboard-hidden-learners"),
    path("v1/leaderboard/hidden-learners/<str:user_id>/", leaderboard.HiddenLearnerView.as_view(),
         name="leaderboard-hidden-learner"),
    path("v1/analytics/active-learners/", analytics.ActiveLearnersView.as_view(),
         name="analytics-active-learners"),
    path("v1/analytics/attempts-per-day/", analytics.AttemptsPerDayView.as_view(),
         name="analytics-attempts-per-day"),
    path("v1/analytics/courses/<objectid:course_id>/funnel/", analytics.CourseFunnelView.as_view(),
         name="analytics-course-funnel"),
    path("v1/analytics/courses/<objectid:course_id>/completion-time/",
         analytics.CompletionTimeView.as_view(), name="analytics-completion-time"),
    path(COURSE + "consistency/", CourseConsistencyView.as_view(), name="course-consistency"),
    path("v1/webhooks/", integrations.WebhookListView.as_view(), name="webhook-list"),
    path("v1/webhooks/<str:endpoint_id>/", integrations.WebhookDetailView.as_view(),
         name="webhook-detail"),
    path("v1/webhooks/<str:endpoint_id>/rotate-secret/",
         integrations.WebhookSecretRotateView.as_view(), name="webhook-rotate-secret"),
    path("v1/webhooks/<str:endpoint_id>/deliveries/", integrations.WebhookDeliveriesView.as_view(),
         name="webhook-deliveries"),
    path("v1/xapi/statements/", integrations.XapiStatementsView.as_view(), name="xapi-statements"),
    path("v1/webhook-deliveries/<str:delivery_id>/redeliver/",
         integrations.DeliveryRedeliverView.as_view(), name="webhook-redeliver"),
]
