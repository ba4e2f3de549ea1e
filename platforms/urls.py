from django.urls import path

from platforms import views, views_connect

app_name = "platforms"
urlpatterns = [
    path("", views.channel_list, name="list"),
    path("connect/<str:platform>/", views.channel_connect, name="connect"),
    path("connect/<str:platform>/form/", views_connect.channel_connect_form, name="connect_form"),
    path("<int:channel_id>/refresh/", views_connect.channel_refresh, name="refresh"),
    path("callback/<str:platform>/", views.channel_callback, name="callback"),
    path("pick/<str:pick_id>/", views.channel_pick_pages, name="pick"),
    path("<int:channel_id>/disconnect/", views.channel_disconnect, name="disconnect"),
    path("notices/<int:notice_id>/dismiss/", views.notice_dismiss, name="notice_dismiss"),
]
