from conversations.replies import Option, Reply, ReplyType, reply_limit_violations, text_reply


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


def test_a_reply_within_every_limit_has_no_violations():
    reply = Reply(
        ReplyType.LIST, "x" * 1024, tuple(Option(f"o{i}", "t" * 24, "d" * 72) for i in range(10)),
        button_label="b" * 20,
    )
    assert reply_limit_violations(reply) == []
    assert reply_limit_violations(Reply(ReplyType.BUTTONS, "Ok?", (Option("y", "y" * 20), Option("n", "No")))) == []
    assert reply_limit_violations(text_reply("t" * 4096)) == []


def test_each_broken_limit_is_reported():
    four_buttons = Reply(ReplyType.BUTTONS, "Scegli", tuple(Option(f"b{i}", f"B{i}") for i in range(4)))
    assert reply_limit_violations(four_buttons) == ["4 options (1 to 3)"]
    long_title = Reply(ReplyType.BUTTONS, "Scegli", (Option("b", "t" * 21),))
    assert reply_limit_violations(long_title) == [f"option title {'t' * 21!r} (1 to 20 characters)"]
    eleven_rows = Reply(
        ReplyType.LIST, "Scegli", tuple(Option(f"r{i}", f"R{i}") for i in range(11)), button_label="Apri"
    )
    assert reply_limit_violations(eleven_rows) == ["11 options (1 to 10)"]
    long_description = Reply(ReplyType.LIST, "Scegli", (Option("r", "R", "d" * 73),), button_label="Apri")
    assert reply_limit_violations(long_description) == [f"option description {'d' * 73!r}"]
    assert reply_limit_violations(text_reply("   ")) == ["empty text"]
    assert reply_limit_violations(text_reply("t" * 4097)) == ["text of 4097 characters (max 4096)"]
    assert reply_limit_violations(Reply(ReplyType.BUTTONS, "b" * 1025, (Option("y", "Sì"),))) == [
        "text of 1025 characters (max 1024)"
    ]
    assert reply_limit_violations(Reply(ReplyType.LIST, "Scegli", (Option("r", "R"),))) == [
        "list button label '' (1 to 20 characters)"
    ]
    assert reply_limit_violations(Reply(ReplyType.BUTTONS, "Scegli", (Option("a", "A"), Option("a", "B")))) == [
        "duplicate option ids"
    ]
