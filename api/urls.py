"""The public API, mounted by the project at /api/v1/ (path("api/v1/", include("api.urls")))."""

from django.urls import path

from api import (
    views,
    views_approvals,
    views_deliveries,
    views_inbox,
    views_media,
    views_pages,
    views_posts,
    views_queue,
)
from api.schema import SchemaView

app_name = "api"
urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", views_pages.docs, name="docs"),
    path("tokens/", views_pages.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views_pages.token_revoke_view, name="token_revoke"),
    path("channels/", views.ChannelList.as_view(), name="channels"),
    path("channels/<int:pk>/", views.ChannelDetail.as_view(), name="channel"),
    path("campaigns/", views.CampaignList.as_view(), name="campaigns"),
    path("campaigns/<int:pk>/", views.CampaignDetail.as_view(), name="campaign"),
    path("posts/", views_posts.PostList.as_view(), name="posts"),
    path("posts/<int:pk>/", views_posts.PostDetail.as_view(), name="post"),
    path("posts/<int:pk>/schedule/", views_posts.PostSchedule.as_view(), name="post_schedule"),
    path("posts/<int:pk>/publish-now/", views_posts.PostPublishNow.as_view(), name="post_publish_now"),
    path("posts/<int:pk>/retry-failed/", views_posts.PostRetryFailed.as_view(), name="post_retry_failed"),
    path("posts/<int:pk>/queue/", views_queue.PostQueue.as_view(), name="post_queue"),
    path("posts/<int:pk>/approval/", views_approvals.PostApproval.as_view(), name="post_approval"),
    path("posts/<int:pk>/approval/decide/", views_approvals.PostApprovalDecide.as_view(), name="post_approval_decide"),
    path("deliveries/", views_deliveries.DeliveryList.as_view(), name="deliveries"),
    path("deliveries/<int:pk>/", views_deliveries.DeliveryDetail.as_view(), name="delivery"),
    path("deliveries/<int:pk>/cancel/", views_deliveries.DeliveryCancel.as_view(), name="delivery_cancel"),
    path("media/", views_media.MediaList.as_view(), name="media"),
    path("media/<int:pk>/", views_media.MediaDetail.as_view(), name="media_asset"),
    path("inbox/", views_inbox.InboxList.as_view(), name="inbox"),
    path("inbox/<int:pk>/", views_inbox.InboxDetail.as_view(), name="inbox_conversation"),
    path("inbox/<int:pk>/assign/", views_inbox.InboxAssign.as_view(), name="inbox_assign"),
    path("inbox/<int:pk>/status/", views_inbox.InboxStatus.as_view(), name="inbox_status"),
    path("inbox/<int:pk>/tags/", views_inbox.InboxTags.as_view(), name="inbox_tags"),
    path("inbox/<int:pk>/reply/", views_inbox.InboxReply.as_view(), name="inbox_reply"),
]
