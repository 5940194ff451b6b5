"""Chatwoot for the outbox and the hand-off: the channel's one adapter (``conversations.channels.ChannelAdapter``).

Registered by ``ChatwootConfig.ready``. A reply travels: the outbox calls ``send``, the
shared delivery (``outbound_message_deliver``) holds the row, ``render`` finds the
tenant's connection and turns the reply into Chatwoot messages, and ``post`` adds each
to the customer's Chatwoot conversation as the agent bot (``chatwoot.services.outbound``).
Chatwoot also shows who answers (open / pending): ``handoff_mirror`` keeps it in step.
"""

from celery import current_app

from chatwoot.client import ChatwootError
from chatwoot.services.outbound import ChatwootThread, chatwoot_body_post, chatwoot_reply_render, chatwoot_token_flag
from conversations.channels import RefusalKind, RenderedReply
from conversations.models import Message
from conversations.replies import Reply
from conversations.services.broker import broker_publish
from conversations.services.delivery import outbound_message_deliver, outbound_send_task_enqueue
from conversations.services.outbound import SendResult
from customers.models import Channel

# Defined in chatwoot/tasks.py, which calls this adapter: published by its name.
STATUS_SYNC_TASK = "chatwoot.conversation_status_sync"


class ChatwootAdapter:
    channel = Channel.CHATWOOT
    # Defined in chatwoot/tasks.py, which calls this adapter: published by its name.
    send_task = "chatwoot.message_send"

    def render(self, message: Message, reply: Reply) -> RenderedReply[ChatwootThread]:
        return chatwoot_reply_render(message, reply)

    def post(self, rendered: RenderedReply[ChatwootThread], body: dict) -> str | None:
        return chatwoot_body_post(rendered.destination, body)

    def send(self, message_id: int, *, loaded: Message | None = None) -> SendResult:
        """Post one queued Chatwoot outbound message and record Chatwoot's message id or the error."""
        return outbound_message_deliver(adapter=self, message_id=message_id, loaded=loaded)

    def refusal(self, error: Exception) -> RefusalKind | None:
        return error.kind if isinstance(error, ChatwootError) else None

    def token_refused(self, rendered: RenderedReply[ChatwootThread]) -> None:
        chatwoot_token_flag(rendered.destination.connection)

    def enqueue(self, message_id: int, countdown: float | None = None) -> object:
        return outbound_send_task_enqueue(self.send_task, message_id, countdown)

    def handoff_mirror(self, conversation_id: int) -> None:
        """Set Chatwoot's status from a task (``chatwoot_conversation_status_sync``), which reads Lyo's
        current one; not here, in the commit hook of whoever changed it."""
        task = current_app.tasks[STATUS_SYNC_TASK]
        broker_publish(lambda: task.delay(conversation_id), what=f"hand-off of conversation {conversation_id}")
