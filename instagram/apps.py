from django.apps import AppConfig


class InstagramConfig(AppConfig):
    name = "instagram"
    verbose_name = "Instagram"

    def ready(self) -> None:
        # The outbox is channel-neutral: tell it how Instagram rows are delivered.
        from conversations.services.outbound import OutboundSender, outbound_sender_register
        from customers.models import Channel
        from instagram.services.outbound import instagram_outbound_send
        from instagram.tasks import instagram_message_send_task

        outbound_sender_register(
            Channel.INSTAGRAM,
            OutboundSender(
                enqueue=lambda message_id, countdown: instagram_message_send_task.apply_async(
                    (message_id,), countdown=countdown  # type: ignore[arg-type]  # None: no delay (the stubs say float)
                ),
                send_now=lambda message_id: instagram_outbound_send(message_id=message_id),
                send_loaded=lambda message: instagram_outbound_send(message_id=message.pk, loaded=message),
                task=instagram_message_send_task.name,
            ),
        )
