"""Instagram for the outbox: the channel's one adapter (``conversations.channels.ChannelAdapter``).

Registered by ``InstagramConfig.ready``. A reply travels: the outbox calls ``send``, the
shared delivery (``outbound_message_deliver``) holds the row, ``render`` turns it into
direct-message bodies (none outside the 24-hour window: Instagram has no templates) and
``post`` sends each with the tenant's own token (``instagram.services.outbound``).
"""

from conversations.channels import RefusalKind, RenderedReply
from conversations.models import Message
from conversations.replies import Reply
from conversations.services.delivery import outbound_message_deliver, outbound_send_task_enqueue
from conversations.services.outbound import SendResult
from customers.models import Channel
from instagram.services.outbound import instagram_body_post, instagram_reply_render, instagram_token_flag
from meta.graph import GraphError
from tenants.models import Tenant


class InstagramAdapter:
    channel = Channel.INSTAGRAM
    # Defined in instagram/tasks.py, which calls this adapter: published by its name.
    send_task = "instagram.message_send"

    def render(self, message: Message, reply: Reply) -> RenderedReply[Tenant]:
        return instagram_reply_render(message, reply)

    def post(self, rendered: RenderedReply[Tenant], body: dict) -> str | None:
        return instagram_body_post(rendered.destination, body)

    def send(self, message_id: int, *, loaded: Message | None = None) -> SendResult:
        """Send one queued Instagram outbound message and record the mid or the error."""
        return outbound_message_deliver(adapter=self, message_id=message_id, loaded=loaded)

    def refusal(self, error: Exception) -> RefusalKind | None:
        return error.kind if isinstance(error, GraphError) else None

    def token_refused(self, rendered: RenderedReply[Tenant]) -> None:
        instagram_token_flag(rendered.destination)

    def enqueue(self, message_id: int, countdown: float | None = None) -> object:
        return outbound_send_task_enqueue(self.send_task, message_id, countdown)

    def handoff_mirror(self, conversation_id: int) -> None:
        """Instagram shows no hand-off status of its own: the admin's is the only one."""
