"""Replies rendered as WhatsApp bodies always fit Meta's limits."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.replies import Option, Reply, ReplyType, text_length, text_reply, text_shorten, text_split
from whatsapp.rendering import (
    Recipient,
    reply_render,
    template_body,
)

TO = Recipient(phone="393471234567", user_id="IT.1")


def options(n: int, title: str = "Opzione") -> tuple[Option, ...]:
    return tuple(Option(f"opt:{i}", f"{title} {i}") for i in range(1, n + 1))


def test_text_reply_is_one_text_message_to_the_phone_number():
    (body,) = reply_render(text_reply("Ciao!"), recipient=TO)
    assert body == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "393471234567",
        "type": "text", "text": {"body": "Ciao!", "preview_url": False},
    }


def test_customer_without_phone_is_addressed_by_recipient_id():
    (body,) = reply_render(text_reply("Hi"), recipient=Recipient(user_id="IT.5550001112223334"))
    assert body["recipient"] == "IT.5550001112223334"
    assert "to" not in body


def test_long_text_is_split_at_paragraphs_and_nothing_is_lost():
    paragraphs = [f"Paragrafo {i}: " + "parola " * 150 for i in range(5)]  # about 1060 characters each
    text = "\n\n".join(p.strip() for p in paragraphs)
    bodies = reply_render(text_reply(text), recipient=TO)
    assert len(bodies) == 2  # three paragraphs fit in 4096, the other two follow
    assert all(text_length(b["text"]["body"]) <= 4096 for b in bodies)
    assert "".join(b["text"]["body"] for b in bodies).replace("\n", "").replace(" ", "") == text.replace(
        "\n", ""
    ).replace(" ", "")
    assert bodies[1]["text"]["body"].startswith("Paragrafo 3:")


def test_three_buttons_with_long_titles_are_shortened_to_20():
    reply = Reply(ReplyType.BUTTONS, "Confermi?", options(3, "Un titolo davvero troppo lungo"))
    (body,) = reply_render(reply, recipient=TO)
    buttons = body["interactive"]["action"]["buttons"]
    assert body["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in buttons] == ["opt:1", "opt:2", "opt:3"]
    assert all(len(b["reply"]["title"]) <= 20 for b in buttons)
    assert buttons[0]["reply"]["title"].endswith("…")


def test_button_titles_that_collide_after_shortening_are_made_unique():
    titles = (Option("a", "Prenotazione per stasera"), Option("b", "Prenotazione per stanotte"))
    reply = Reply(ReplyType.BUTTONS, "?", titles)
    (body,) = reply_render(reply, recipient=TO)
    titles = [b["reply"]["title"] for b in body["interactive"]["action"]["buttons"]]
    assert len(set(titles)) == 2
    assert all(len(t) <= 20 for t in titles)


def test_more_than_three_buttons_become_a_list():
    (body,) = reply_render(Reply(ReplyType.BUTTONS, "Quale servizio?", options(4)), recipient=TO, language="it")
    assert body["interactive"]["type"] == "list"
    assert body["interactive"]["action"]["button"] == "Scegli"
    assert len(body["interactive"]["action"]["sections"][0]["rows"]) == 4


def test_list_keeps_ten_rows_and_shortens_title_description_and_label():
    reply = Reply(
        ReplyType.LIST, "Orari liberi",
        tuple(Option(f"slot:{i}", "Sabato 28 novembre alle 20:30", "Tavolo vicino alla finestra " * 5)
              for i in range(12)),
        button_label="Vedi tutti gli orari disponibili",
    )
    (body,) = reply_render(reply, recipient=TO)
    action = body["interactive"]["action"]
    rows = action["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [f"slot:{i}" for i in range(10)]
    assert all(len(r["title"]) <= 24 and len(r["description"]) <= 72 for r in rows)
    assert len(action["button"]) <= 20


def test_button_body_longer_than_1024_goes_first_as_text():
    text = "Riepilogo. " * 200
    bodies = reply_render(Reply(ReplyType.BUTTONS, text, options(2)), recipient=TO)
    assert [b["type"] for b in bodies] == ["text", "interactive"]
    assert len(bodies[-1]["interactive"]["body"]["text"]) <= 1024


def test_options_reply_without_options_is_sent_as_text():
    (body,) = reply_render(Reply(ReplyType.LIST, "Nessun orario libero"), recipient=TO)
    assert body["type"] == "text"


def test_empty_interactive_body_gets_a_prompt_in_the_customer_language():
    (body,) = reply_render(Reply(ReplyType.BUTTONS, "", options(2)), recipient=TO, language="en")
    assert body["interactive"]["body"]["text"] == "Choose an option:"


def test_empty_text_reply_renders_nothing():
    assert reply_render(text_reply("   "), recipient=TO) == []


def test_template_body_carries_name_language_and_parameters():
    body = template_body(TO, "booking_reminder", "it", ["Giulia", "20:00"])
    assert body["template"] == {
        "name": "booking_reminder",
        "language": {"code": "it"},
        "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "Giulia"}, {"type": "text", "text": "20:00"}
        ]}],
    }


def test_emoji_count_double_as_meta_counts_them():
    assert text_length("👍") == 2
    assert text_length(text_shorten("👍" * 30, 20)) <= 20


@pytest.mark.parametrize("limit", [20, 24, 72, 1024])
@given(text=st.text(min_size=0, max_size=2500))
def test_shortened_and_split_text_always_fits(limit, text):
    assert text_length(text_shorten(text, limit)) <= limit
    assert all(0 < text_length(piece) <= limit for piece in text_split(text, limit))


@given(
    reply_type=st.sampled_from(list(ReplyType)),
    text=st.text(max_size=3000),
    titles=st.lists(st.text(max_size=40), max_size=14),
)
def test_any_reply_renders_within_every_limit(reply_type, text, titles):
    reply = Reply(reply_type, text, tuple(Option(f"id{i}", t, t) for i, t in enumerate(titles)), button_label=text[:30])
    for body in reply_render(reply, recipient=TO):
        if body["type"] == "text":
            assert 0 < text_length(body["text"]["body"]) <= 4096
            continue
        interactive = body["interactive"]
        assert 0 < text_length(interactive["body"]["text"]) <= (1024 if interactive["type"] == "button" else 4096)
        if interactive["type"] == "button":
            buttons = interactive["action"]["buttons"]
            assert 1 <= len(buttons) <= 3
            assert len({b["reply"]["title"] for b in buttons}) == len(buttons)
            assert all(0 < text_length(b["reply"]["title"]) <= 20 for b in buttons)
        else:
            rows = interactive["action"]["sections"][0]["rows"]
            assert 1 <= len(rows) <= 10
            assert len({r["id"] for r in rows}) == len(rows)
            assert all(0 < text_length(r["title"]) <= 24 for r in rows)
            assert all(text_length(r.get("description", "")) <= 72 for r in rows)
            assert 0 < text_length(interactive["action"]["button"]) <= 20
