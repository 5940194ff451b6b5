from django.apps import AppConfig


class ChatwootConfig(AppConfig):
    name = "chatwoot"
    verbose_name = "Chatwoot"

    def ready(self) -> None:
        # The outbox and the hand-off are channel-neutral: tell them how Chatwoot does both.
        from chatwoot.services.outbound import chatwoot_outbound_send
        from chatwoot.tasks import chatwoot_conversation_status_sync_task, chatwoot_message_send_task
        from conversations.services.handoff import handoff_mirror_register
        from conversations.services.outbound import OutboundSender, outbound_sender_register
        from customers.models import Channel

        outbound_sender_register(
            Channel.CHATWOOT,
            OutboundSender(
                enqueue=lambda message_id, countdown: chatwoot_message_send_task.apply_async(
                    (message_id,), countdown=countdown  # type: ignore[arg-type]  # None: no delay (the stubs say float)
                ),
                send_now=lambda message_id: chatwoot_outbound_send(message_id=message_id),
                send_loaded=lambda message: chatwoot_outbound_send(message_id=message.pk, loaded=message),
                task=chatwoot_message_send_task.name,
            ),
        )
        handoff_mirror_register(
            Channel.CHATWOOT, lambda conversation_id: chatwoot_conversation_status_sync_task.delay(conversation_id)
        )
