from django.apps import AppConfig


class ChatwootConfig(AppConfig):
    name = "chatwoot"
    verbose_name = "Chatwoot"

    def ready(self) -> None:
        # The outbox and the hand-off are channel-neutral: they reach Chatwoot through this
        # adapter. It publishes its tasks by name, so they must be registered in every
        # process that publishes them, the web server included.
        import chatwoot.tasks  # noqa: F401
        from chatwoot.adapter import ChatwootAdapter
        from conversations.channels import channel_adapter_register

        channel_adapter_register(ChatwootAdapter())
