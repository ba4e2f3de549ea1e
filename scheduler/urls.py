from django.urls import path

from scheduler import views_pages, views_posts

app_name = "scheduler"
urlpatterns = [
    path("deliveries/", views_pages.deliveries, name="deliveries"),
    path("posts/<int:post_id>/", views_posts.post_detail, name="post"),
    path("posts/<int:post_id>/retry-failed/", views_posts.post_retry_failed, name="post_retry_failed"),
    path("posts/<int:post_id>/deliveries/<int:delivery_id>/cancel/", views_posts.delivery_cancel,
         name="delivery_cancel"),
    path("posts/<int:post_id>/deliveries/<int:delivery_id>/mark-published/", views_posts.delivery_mark_published,
         name="delivery_mark_published"),
]
