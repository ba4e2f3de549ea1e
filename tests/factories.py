"""factory_boy factories for the core models. Related objects stay inside one workspace by default.

    DeliveryFactory()                       # post, channel and workspace created and consistent
    DeliveryFactory(post=post, channel=ch)  # workspace follows the post
    ChannelFactory(workspace=ws, platform="x", health="needs_reconnect")
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from platforms.models import Channel, Health
from scheduler.models import Attempt, AttemptOutcome, Campaign, Delivery, DeliveryState, Post, Variant
from workspaces.models import Member, Role, Workspace

PASSWORD = "correct horse battery staple"  # every factory user's password, for client.login()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password(PASSWORD)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"workspace-{n}")
    time_zone = "UTC"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MARKETER


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    workspace = factory.SubFactory(WorkspaceFactory)
    platform = "x"
    external_id = factory.Sequence(lambda n: f"acct-{n}")
    display_name = factory.Sequence(lambda n: f"Account {n}")
    handle = factory.Sequence(lambda n: f"account{n}")
    credentials = factory.LazyFunction(lambda: {"access_token": "test-access-token", "refresh_token": "test-refresh"})
    health = Health.OK


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    workspace = factory.SubFactory(WorkspaceFactory)
    text = factory.Sequence(lambda n: f"Hello from post number {n}")


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    post = factory.SubFactory(PostFactory)
    channel = factory.SubFactory(ChannelFactory, workspace=factory.SelfAttribute("..post.workspace"))


class DeliveryFactory(factory.django.DjangoModelFactory):
    """A scheduled delivery, due one minute ago unless told otherwise."""

    class Meta:
        model = Delivery

    post = factory.SubFactory(PostFactory)
    workspace = factory.SelfAttribute("post.workspace")
    channel = factory.SubFactory(ChannelFactory, workspace=factory.SelfAttribute("..post.workspace"))
    state = DeliveryState.SCHEDULED
    due_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
    scheduled_for = factory.SelfAttribute("due_at")


class AttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attempt

    delivery = factory.SubFactory(DeliveryFactory)
    token = factory.LazyFunction(uuid.uuid4)
    started_at = factory.LazyFunction(timezone.now)
    outcome = AttemptOutcome.IN_PROGRESS


def client_for(workspace: Workspace, role: str, **user: object) -> Client:
    """A test client signed in as a new member of `workspace` with `role`."""
    client = Client()
    client.force_login(MemberFactory(workspace=workspace, role=role, **user).user)
    return client
