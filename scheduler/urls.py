from django.urls import path

from scheduler import views_pages

app_name = "scheduler"
urlpatterns = [
    path("deliveries/", views_pages.deliveries, name="deliveries"),
]
