from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "workspaces"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from workspaces.middleware import remember_on_login

        # Not business logic: it only fills the language middleware's session entry at sign-in.
        user_logged_in.connect(remember_on_login, dispatch_uid="workspaces.remember_language_on_login")
