"""Inbox pages, relative to /w/<slug>/inbox/."""

from django.urls import path

from inbox import views, views_actions, views_replies, views_saved

app_name = "inbox"
urlpatterns: list = [
    path("", views.page, name="page"),
    path("list/", views.conversation_list, name="list"),
    path("bulk/", views_actions.bulk, name="bulk"),
    path("c/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("c/<int:conversation_id>/thread/", views.conversation_thread, name="thread"),
    path("c/<int:conversation_id>/presence/", views.presence_ping, name="presence"),
    path("c/<int:conversation_id>/assign/", views_actions.assign, name="assign"),
    path("c/<int:conversation_id>/status/", views_actions.status, name="status"),
    path("c/<int:conversation_id>/tags/", views_actions.tags, name="tags"),
    path("c/<int:conversation_id>/notes/", views_actions.note_add, name="note_add"),
    path("c/<int:conversation_id>/saved-replies/<int:saved_reply_id>/", views_actions.saved_reply_text,
         name="saved_reply_text"),
    # The REPLIES helper's view (inbox/views_replies.py): sends a reply through the publish queue.
    path("c/<int:conversation_id>/reply/", views_replies.reply_send, name="reply_send"),
    path("c/<int:conversation_id>/replies/", views_replies.replies_list, name="replies"),
    path("c/<int:conversation_id>/replies/<int:reply_id>/retry/", views_replies.reply_retry, name="reply_retry"),
    path("c/<int:conversation_id>/replies/<int:reply_id>/mark-sent/", views_replies.reply_mark_sent,
         name="reply_mark_sent"),
    path("saved-replies/", views_saved.saved_replies, name="saved_replies"),
    path("saved-replies/new/", views_saved.saved_reply_create, name="saved_reply_create"),
    path("saved-replies/<int:saved_reply_id>/", views_saved.saved_reply_update, name="saved_reply_update"),
    path("saved-replies/<int:saved_reply_id>/delete/", views_saved.saved_reply_delete, name="saved_reply_delete"),
]

# The SENTIMENT helper's pages: sync health (admins) and acting on "needs attention".
from inbox import views_attention, views_health  # noqa: E402

urlpatterns += [
    path("health/", views_health.health, name="health"),
    path("attention/<int:conversation_id>/clear/", views_attention.attention_clear, name="attention_clear"),
    path("attention/alerts/<int:alert_id>/dismiss/", views_attention.alert_dismiss, name="alert_dismiss"),
]
