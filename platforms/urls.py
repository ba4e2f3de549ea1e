from django.urls import path

from platforms import views

app_name = "platforms"
urlpatterns = [
    path("", views.channel_list, name="list"),
    path("connect/<str:platform>/", views.channel_connect, name="connect"),
    path("callback/<str:platform>/", views.channel_callback, name="callback"),
    path("pick/<str:pick_id>/", views.channel_pick_pages, name="pick"),
    path("<int:channel_id>/disconnect/", views.channel_disconnect, name="disconnect"),
    path("notices/<int:notice_id>/dismiss/", views.notice_dismiss, name="notice_dismiss"),
]
