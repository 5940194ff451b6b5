from conversations.replies import Option, Reply, ReplyType, text_reply


def test_reply_round_trips_through_its_json_shape():
    reply = Reply(
        ReplyType.LIST, "Scegli un orario", (Option("slot:1", "20:00", "Tavolo 3"), Option("slot:2", "20:30")),
        button_label="Orari",
    )
    assert reply.as_dict() == {
        "type": "list",
        "text": "Scegli un orario",
        "options": [{"id": "slot:1", "title": "20:00", "description": "Tavolo 3"}, {"id": "slot:2", "title": "20:30"}],
        "button_label": "Orari",
    }
    assert Reply.from_dict(reply.as_dict()) == reply


def test_text_reply_has_no_options():
    assert text_reply("Ciao!").as_dict() == {"type": "text", "text": "Ciao!"}
