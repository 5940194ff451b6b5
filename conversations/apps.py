from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        from conversations.assistant_trial import TEST_CHANNEL_SENDER
        from conversations.models import Channel
        from conversations.services.outbound import outbound_sender_register

        outbound_sender_register(Channel.TEST, TEST_CHANNEL_SENDER)
