from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    name = "whatsapp"
    verbose_name = "WhatsApp"

    def ready(self) -> None:
        # The outbox is channel-neutral: it sends WhatsApp rows through this adapter. The
        # adapter publishes its send task by name, so the task must be registered in every
        # process that publishes it, the web server included.
        import whatsapp.tasks  # noqa: F401
        from conversations.channels import channel_adapter_register
        from whatsapp.adapter import WhatsAppAdapter

        channel_adapter_register(WhatsAppAdapter())
