from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    name = "whatsapp"
    verbose_name = "WhatsApp"

    def ready(self) -> None:
        # The outbox is channel-neutral: tell it how WhatsApp rows are delivered.
        from conversations.services.outbound import OutboundSender, outbound_sender_register
        from customers.models import Channel
        from whatsapp.services.outbound import whatsapp_outbound_send
        from whatsapp.tasks import whatsapp_message_send_task

        outbound_sender_register(
            Channel.WHATSAPP,
            OutboundSender(
                enqueue=lambda message_id, countdown: whatsapp_message_send_task.apply_async(
                    (message_id,), countdown=countdown  # type: ignore[arg-type]  # None: no delay (the stubs say float)
                ),
                send_now=lambda message_id: whatsapp_outbound_send(message_id=message_id),
                send_loaded=lambda message: whatsapp_outbound_send(message_id=message.pk, loaded=message),
                task=whatsapp_message_send_task.name,
            ),
        )
