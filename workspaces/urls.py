"""Site-level pages. Names stay un-namespaced: settings.LOGIN_URL and LOGIN_REDIRECT_URL refer to them."""

from django.contrib.auth import views as auth_views
from django.urls import path

from workspaces import views, views_language
from workspaces.login_throttle import ThrottledAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True,
                                                authentication_form=ThrottledAuthenticationForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/language/", views_language.language_page, name="language"),
]
