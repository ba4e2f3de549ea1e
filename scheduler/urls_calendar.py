"""Calendar URLs, relative to /w/<slug>/ (the project's urlconf includes this module there)."""

from django.urls import path

from scheduler import views_calendar

app_name = "calendar"
urlpatterns = [
    path("calendar/", views_calendar.calendar_page, name="page"),
    path("calendar/feed/", views_calendar.calendar_feed, name="feed"),
    path("calendar/deliveries/<int:delivery_id>/move/", views_calendar.delivery_move, name="move"),
    path("calendar/undo/", views_calendar.reschedule_undo, name="undo"),
]
