"""Posting queue pages, relative to /w/<slug>/queues/."""

from django.urls import path

from scheduler import views_queues

app_name = "queues"
urlpatterns = [
    path("", views_queues.page, name="page"),
    path("<int:channel_id>/slots/", views_queues.slots_add, name="slots_add"),
    path("<int:channel_id>/slots/<int:slot_id>/remove/", views_queues.slot_remove, name="slot_remove"),
    path("<int:channel_id>/time-zone/", views_queues.time_zone, name="time_zone"),
    path("<int:channel_id>/pause/", views_queues.pause, name="pause"),
    path("<int:channel_id>/resume/", views_queues.resume, name="resume"),
    path("<int:channel_id>/reorder/", views_queues.reorder, name="reorder"),
    path("<int:channel_id>/posts/<int:delivery_id>/move/", views_queues.move, name="move"),
    path("<int:channel_id>/posts/<int:delivery_id>/share-next/", views_queues.share_next, name="share_next"),
]
