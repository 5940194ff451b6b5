"""WhatsApp for the outbox: the channel's one adapter (``conversations.channels.ChannelAdapter``).

Registered by ``WhatsappConfig.ready``. A reply travels: the outbox calls ``send``, the
shared delivery (``outbound_message_deliver``) holds the row, ``render`` turns it into
Cloud API bodies (or the template it carries, outside the 24-hour window) and ``post``
sends each from the tenant's own number (``whatsapp.services.outbound``).
"""

from conversations.channels import RefusalKind, RenderedReply
from conversations.models import Message
from conversations.replies import Reply
from conversations.services.delivery import outbound_message_deliver, outbound_send_task_enqueue
from conversations.services.outbound import SendResult
from customers.models import Channel
from meta.graph import GraphError
from tenants.models import Tenant
from whatsapp.services.outbound import whatsapp_body_post, whatsapp_reply_render, whatsapp_token_flag


class WhatsAppAdapter:
    channel = Channel.WHATSAPP
    # Defined in whatsapp/tasks.py, which calls this adapter: published by its name.
    send_task = "whatsapp.message_send"

    def render(self, message: Message, reply: Reply) -> RenderedReply[Tenant]:
        return whatsapp_reply_render(message, reply)

    def post(self, rendered: RenderedReply[Tenant], body: dict) -> str | None:
        return whatsapp_body_post(rendered.destination, body)

    def send(self, message_id: int, *, loaded: Message | None = None) -> SendResult:
        """Send one queued WhatsApp outbound message and record the wamid or the error."""
        return outbound_message_deliver(adapter=self, message_id=message_id, loaded=loaded)

    def refusal(self, error: Exception) -> RefusalKind | None:
        return error.kind if isinstance(error, GraphError) else None

    def token_refused(self, rendered: RenderedReply[Tenant]) -> None:
        whatsapp_token_flag(rendered.destination)

    def enqueue(self, message_id: int, countdown: float | None = None) -> object:
        return outbound_send_task_enqueue(self.send_task, message_id, countdown)

    def handoff_mirror(self, conversation_id: int) -> None:
        """WhatsApp shows no hand-off status of its own: the admin's is the only one."""
