from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        # The inbound service publishes its task by name (the two modules do not import
        # each other), so the task must be registered in every process that publishes it,
        # the web server included: Celery's autodiscovery only runs in a worker.
        import conversations.tasks  # noqa: F401
        from conversations.assistant_trial import TrialChannelAdapter
        from conversations.channels import channel_adapter_register

        channel_adapter_register(TrialChannelAdapter())
        from conversations.assistant.payment import payment_receivers_connect

        payment_receivers_connect()
