"""``POST /api/test-message``: talk to a tenant's assistant over HTTP (README, "HTTP endpoints")."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.assistant_trial import assistant_trial_turn
from tenants.models import Tenant
from tenants.scoping import tenant_scope_enter
from tenants.selectors import tenants_for_user

# Generous: a 10,000-character message still gets a polite answer, not a 400.
TEST_MESSAGE_CHARS_MAX = 20_000


class StaffOrDebug(BasePermission):
    """Staff of a tenant (or a superuser); anyone while ``DEBUG`` is on (``make run``)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if settings.DEBUG:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class TestMessageInput(serializers.Serializer):
    tenant = serializers.SlugField(max_length=60)
    text = serializers.CharField(
        max_length=TEST_MESSAGE_CHARS_MAX, required=False, allow_blank=False, trim_whitespace=False
    )
    choice = serializers.CharField(max_length=200, required=False, allow_blank=False)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        fields["from"] = serializers.CharField(max_length=64, required=False, default="api-test")
        return fields

    def validate(self, data: dict) -> dict:
        if ("text" in data) == ("choice" in data):
            raise serializers.ValidationError("Send exactly one of 'text' (typed) or 'choice' (a tapped option id).")
        return data


_OPTIONS = inline_serializer(
    "ReplyOption",
    {"id": serializers.CharField(), "title": serializers.CharField(), "description": serializers.CharField()},
    many=True,
)
_REPLIES = inline_serializer(
    "Reply",
    {
        "type": serializers.ChoiceField(choices=["text", "buttons", "list"]),
        "text": serializers.CharField(),
        "options": _OPTIONS,
        "button_label": serializers.CharField(),
    },
    many=True,
)


class TestMessageApi(APIView):
    permission_classes = [StaffOrDebug]

    @extend_schema(
        request=TestMessageInput,
        responses={200: inline_serializer("TestMessageReplies", {"replies": _REPLIES})},
        summary="Send a test message to a tenant's assistant and get its replies",
    )
    def post(self, request: Request) -> Response:
        serializer = TestMessageInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tenants = Tenant.objects.all() if settings.DEBUG else tenants_for_user(request.user)
        # Missing and someone else's tenant answer alike.
        tenant = tenants.filter(slug=data["tenant"]).first()
        if tenant is None:
            return Response({"detail": "No such tenant."}, status=status.HTTP_404_NOT_FOUND)
        tenant_scope_enter(tenant)
        replies = assistant_trial_turn(
            tenant=tenant, sender_id=data["from"], text=data.get("text", ""), choice_id=data.get("choice", "")
        )
        return Response({"replies": [reply.as_dict() for reply in replies]})
