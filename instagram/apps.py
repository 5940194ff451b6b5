from django.apps import AppConfig


class InstagramConfig(AppConfig):
    name = "instagram"
    verbose_name = "Instagram"

    def ready(self) -> None:
        # The outbox is channel-neutral: it sends Instagram rows through this adapter. The
        # adapter publishes its send task by name, so the task must be registered in every
        # process that publishes it, the web server included.
        import instagram.tasks  # noqa: F401
        from conversations.channels import channel_adapter_register
        from instagram.adapter import InstagramAdapter

        channel_adapter_register(InstagramAdapter())
