"""Phone-first staff pages, in headless Chromium at a desk (1280 px) and on a phone (390 px),
for a restaurant and a salon with a realistic day of bookings and conversations.

Every staff page (home, day, week, printable list, conversation, try, the bookings list,
a booking's page and a new booking's) must, at both widths:

- never scroll sideways (the document is no wider than the window);
- never break a word inside itself to wrap it onto the next line;
- at 390 px, offer every link, button and field as a target of at least 44 px
  (Apple's and Google's minimum for a finger), except links inside running text;
- load nothing from another host.

The clock is the next Saturday at 11:00 in Rome (ticking), so both businesses are open
and "today" has lunch bookings ahead whatever day the tests run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from backoffice.tests.test_browser import (
    SATURDAY,
    _assert_no_sideways_scrolling,
    _assert_stays_local,
    _click,
    _css,
    _log_in,
    _screenshot,
    _wait,
    browser,  # noqa: F401 - the headless Chromium fixture
)
from bookings.models import Appointment, Resource, Service
from bookings.tests.factories import AppointmentFactory
from conversations.models import Conversation, Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from operators.demo import demo_tenants_seed
from tenants.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)

ROME = ZoneInfo("Europe/Rome")
WIDTHS = (1280, 390)
PHONE = 390
# The smallest target a finger hits reliably (Apple HIG 44 pt, WCAG 2.5.5 44 CSS px).
TAP_TARGET_PX = 44
LOGINS = {"restaurant": ("trattoria", "trattoria-demo"), "salon": ("salone", "salone-demo")}
PAGES = ("home", "day", "week", "print", "conversation", "try", "bookings", "booking", "new_booking")

# What the page shows is measured in the page itself, with the layout the browser computed.
#
# A word broken inside: each run of text between two break opportunities (spaces, and
# the hyphens, dashes and slashes after which browsers may wrap) is put in a Range, and the
# Range's client rects are read: a run laid out on one line gives one rect (or several on
# the same line, e.g. across a font fallback); a run the browser split, because of
# `overflow-wrap: anywhere`, `word-break: break-all`, hyphenation or a box narrower than
# the word, gives a rect below another one. This looks at the result, not at the CSS that
# allows it: a cell may say `overflow-wrap: anywhere` as a last resort as long as no word
# actually needs it. Text cut short with an ellipsis stays on its line and is not a break.
#
# A tap target: every visible link, button, field and select, by its border box. Links
# inside running text (an inline link in a block that also holds text of its own, as in a
# sentence or the breadcrumbs) are exempt, as WCAG 2.5.8 exempts them: their size is the
# line's. A target without text (an icon, a checkbox) must also be 44 px wide.
LAYOUT_CHECK_JS = r"""
var minimum = arguments[0];
function shown(element) {
  var style = getComputedStyle(element);
  if (style.visibility === "hidden" || style.display === "none") return false;
  var box = element.getBoundingClientRect();
  if (box.width <= 1 || box.height <= 1) return false;  // nothing, or text for screen readers only
  // Placed off the page on purpose (the skip link until it has the focus).
  if (box.right + window.scrollX <= 0 || box.bottom + window.scrollY <= 0) return false;
  return true;
}
function describe(element) {
  var id = element.id ? "#" + element.id : "";
  var classes = element.classList.length ? "." + Array.prototype.join.call(element.classList, ".") : "";
  var text = (element.innerText || element.value || element.getAttribute("aria-label") || "").trim().slice(0, 40);
  return element.tagName.toLowerCase() + id + classes + " '" + text + "'";
}
var skipped = "script, style, noscript, template, textarea, select, option";
var broken = [];
var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (var node = walker.nextNode(); node; node = walker.nextNode()) {
  var parent = node.parentElement;
  if (!parent || parent.closest(skipped) || !shown(parent)) continue;
  var runs = /[^\s\-\u2010\u2013\u2014\/]+[\-\u2010\u2013\u2014\/]*/g, run;
  while ((run = runs.exec(node.data)) !== null) {
    if (run[0].length < 2) continue;
    var range = document.createRange();
    range.setStart(node, run.index);
    range.setEnd(node, run.index + run[0].length);
    var rects = Array.prototype.filter.call(range.getClientRects(), function (r) { return r.width > 0; });
    var split = rects.some(function (later, j) {
      return rects.slice(0, j).some(function (earlier) { return later.top >= earlier.bottom - 1; });
    });
    if (split) broken.push(run[0] + " in " + describe(parent));
  }
}
function inRunningText(element) {
  if (element.tagName !== "A" || getComputedStyle(element).display !== "inline") return false;
  var block = element.parentElement;
  while (block && getComputedStyle(block).display.indexOf("inline") === 0) block = block.parentElement;
  if (!block) return false;
  var own = document.createTreeWalker(block, NodeFilter.SHOW_TEXT), text = "";
  for (var n = own.nextNode(); n; n = own.nextNode()) {
    if (!n.parentElement.closest("a, button, label, select, script, style") && shown(n.parentElement)) text += n.data;
  }
  return /[\p{L}\p{N}\u203a]/u.test(text);
}
var small = [];
if (minimum) {
  var targets = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=combobox]");
  Array.prototype.forEach.call(targets, function (element) {
    if (!shown(element) || inRunningText(element)) return;
    var box = element.getBoundingClientRect();
    var text = (element.innerText || element.value || "").trim();
    var textless = element.type === "checkbox" || element.type === "radio" || Array.from(text).length <= 2;
    if (box.height < minimum - 0.5 || (textless && box.width < minimum - 0.5)) {
      small.push(describe(element) + " " + Math.round(box.width) + "x" + Math.round(box.height));
    }
  });
}
return {broken: broken, small: small};
"""


def _next_saturday_at_11() -> datetime:
    today = timezone.now().astimezone(ROME).date()
    saturday = today + timedelta(days=(SATURDAY - today.weekday()) % 7 or 7)
    return datetime(saturday.year, saturday.month, saturday.day, 11, 0, tzinfo=ROME)


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _book(tenant: Tenant, resource: Resource, start: datetime, minutes: int, *, name: str, phone: str = "",
          **fields) -> Appointment:
    customer = CustomerFactory(tenant=tenant, display_name=name, phone=phone) if name else None
    end = start + timedelta(minutes=minutes)
    return cast(Appointment, AppointmentFactory(tenant=tenant, resource=resource, customer=customer,
                                                starts_at=start, ends_at=end, blocks_until=end, **fields))


def _restaurant_day(tenant: Tenant, today: datetime) -> Appointment:
    tables = {table.name: table for table in Resource.objects.filter(tenant=tenant)}
    first = _book(tenant, tables["Tavolo 1"], _at(today, 12, 30), 90, name="Giovanni Bellavista-Castiglioni",
                  phone="393471234567", party_size=2, notes="Allergia: arachidi e frutta a guscio",
                  channel=Appointment.Channel.WHATSAPP)
    _book(tenant, tables["Tavolo 3"], _at(today, 13, 0), 90, name="Famiglia Esposito", phone="393331234567",
          party_size=4, notes="Seggiolone per il bambino; una persona celiaca (senza glutine)")
    _book(tenant, tables["Tavolo 5"], _at(today, 20, 0), 120, name="Compleanno Marchetti", phone="447911123456",
          party_size=6, notes="Torta portata dal cliente, candeline alle 22", channel=Appointment.Channel.INSTAGRAM)
    _book(tenant, tables["Tavolo 2"], _at(today, 20, 30), 90, name="", party_size=2, walk_in=True,
          notes="Rossi · vegetariani", channel=Appointment.Channel.ADMIN)
    _book(tenant, tables["Tavolo 4"], _at(today, 21, 0), 90, name="Anna Cancellata", phone="393401112233",
          party_size=3, status=Appointment.Status.CANCELLED)
    for offset, (table, name, party) in enumerate([("Tavolo 4", "Lucia Ferraresi", 4), ("Tavolo 2", "Paolo Neri", 2),
                                                    ("Tavolo 5", "Gruppo aziendale Innovazione", 6)], start=1):
        _book(tenant, tables[table], _at(today + timedelta(days=offset), 20, 0), 90, name=name,
              phone=f"39347555{offset:04d}", party_size=party)
    return first


def _salon_day(tenant: Tenant, today: datetime) -> Appointment:
    staff = {member.name: member for member in Resource.objects.filter(tenant=tenant)}
    services = {service.name_it: service for service in Service.objects.filter(tenant=tenant)}
    first = _book(tenant, staff["Giulia"], _at(today, 11, 30), 90, name="Francesca Mastrangelo",
                  phone="393471234567", service=services["Colore"], notes="Allergica alla parafenilendiammina")
    _book(tenant, staff["Marco"], _at(today, 12, 0), 20, name="Luca Bianchi", phone="393331234567",
          service=services["Barba"], channel=Appointment.Channel.WHATSAPP)
    _book(tenant, staff["Giulia"], _at(today, 15, 0), 45, name="Chiara Santangelo", phone="393401234567",
          service=services["Taglio donna"], notes="Porta una foto del taglio", channel=Appointment.Channel.INSTAGRAM)
    _book(tenant, staff["Marco"], _at(today, 16, 0), 30, name="Pietro Annullato", phone="393409998877",
          service=services["Taglio uomo"], status=Appointment.Status.CANCELLED)
    _book(tenant, staff["Marco"], _at(today - timedelta(days=3), 10, 0), 30, name="Davide Russo",
          phone="393405556677", service=services["Taglio uomo"])
    return first


def _conversations(tenant: Tenant, today: datetime) -> Conversation:
    lucia = ConversationFactory(customer=CustomerFactory(tenant=tenant, display_name="Lucia Ferraresi",
                                                         phone="393478889900"),
                                status=Conversation.Status.HUMAN, handoff_reason=Conversation.HandoffReason.REQUESTED,
                                last_inbound_at=today - timedelta(minutes=20))
    MessageFactory(conversation=lucia, text="Buongiorno! Avete posto stasera per quattro persone? Una di noi è "
                                            "intollerante al lattosio, è un problema?")
    MessageFactory(conversation=lucia, direction=Message.Direction.OUTBOUND, processing_status="",
                   delivery_status=Message.Delivery.READ, text="Certo! A che ora preferite venire?")
    MessageFactory(conversation=lucia, text="Vorrei parlare con una persona, grazie")
    MessageFactory(conversation=lucia, direction=Message.Direction.OUTBOUND, processing_status="",
                   delivery_status=Message.Delivery.FAILED, error_code=131047,
                   error_title="Re-engagement message", text="Ti passo subito un collega.")
    return cast(Conversation, lucia)


@pytest.fixture
def business(request: pytest.FixtureRequest, transactional_db):
    """The demo business of the test's kind, its day of bookings and a conversation, on a Saturday at 11:00."""
    kind = request.param
    now = _next_saturday_at_11()
    with time_machine.travel(now, tick=True):
        demo_tenants_seed()
        username, slug = LOGINS[kind]
        tenant = Tenant.objects.get(slug=slug)
        booking = (_restaurant_day if kind == "restaurant" else _salon_day)(tenant, now)
        conversation = _conversations(tenant, now)
        yield {"tenant": tenant, "username": username, "booking": booking, "conversation": conversation,
               "day": now.date().isoformat()}


def _path(page: str, business: dict) -> str:
    day = business["day"]
    return {
        "home": "/admin/",
        "day": f"/admin/day/?date={day}",
        "week": f"/admin/week/?date={day}",
        "print": f"/admin/day/print/?date={day}",
        "conversation": f"/admin/chat/{business['conversation'].pk}/",
        "try": "/admin/try/",
        "bookings": "/admin/bookings/appointment/",
        "booking": f"/admin/bookings/appointment/{business['booking'].pk}/change/",
        "new_booking": "/admin/bookings/appointment/add/",
    }[page]


def _loaded(driver) -> None:
    _wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


@pytest.mark.parametrize("business", ["restaurant", "salon"], indirect=True)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES)
def test_every_staff_page_fits_a_phone_and_a_desk(browser, live_server, business, width, page):  # noqa: F811
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, business["username"])
    browser.get(f"{live_server.url}{_path(page, business)}")
    _loaded(browser)
    if page == "try":
        # A conversation under way: the customer's message and the assistant's buttons.
        _css(browser, "#lyo-chat-text").send_keys("vorrei prenotare")
        _click(browser, "#lyo-chat-send")
        _css(browser, "button.lyo-option")
        _loaded(browser)
    assert "Server Error" not in browser.title
    _assert_stays_local(browser, live_server)
    _assert_no_sideways_scrolling(browser)
    kind = business["tenant"].kind
    _screenshot(browser, f"phone-first-{page}-{kind}-{width}")
    found = browser.execute_script(LAYOUT_CHECK_JS, TAP_TARGET_PX if width == PHONE else 0)
    assert found == {"broken": [], "small": []}, "\n".join(
        ["words broken across lines:", *found["broken"], f"tap targets under {TAP_TARGET_PX} px:", *found["small"]]
    )


# Each case of the check, laid out by the browser: what it must report and what it must let be.
CHECK_CASES_HTML = """
<div id="lyo-case-broken" style="width: 60px; overflow-wrap: anywhere">Parafenilendiammina</div>
<div id="lyo-case-ellipsis" style="width: 60px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis">
  Bellavista-Castiglioni</div>
<div id="lyo-case-hyphen" style="width: 90px">Bellavista-Castiglioni</div>
<p id="lyo-case-sentence" style="width: 300px">Una frase con <a href="#x" id="lyo-case-inline">un link</a> dentro.</p>
<a href="#y" id="lyo-case-short" style="display: inline-block; height: 20px">Piccolo</a>
<button type="button" id="lyo-case-icon" style="width: 30px; height: 44px">✕</button>
<button type="button" id="lyo-case-big" style="width: 120px; height: 44px">Grande</button>
"""


def test_the_layout_check_sees_broken_words_and_small_targets(browser, live_server):  # noqa: F811
    browser.set_window_size(PHONE, 900)
    browser.get(f"{live_server.url}/admin/login/")
    _loaded(browser)
    browser.execute_script(
        "var box = document.createElement('div'); box.innerHTML = arguments[0]; document.body.prepend(box);",
        CHECK_CASES_HTML,
    )
    found = browser.execute_script(LAYOUT_CHECK_JS, TAP_TARGET_PX)
    cases = {"broken": [line for line in found["broken"] if "lyo-case" in line],
             "small": [line.split(" ")[0] for line in found["small"] if "lyo-case" in line]}
    # Broken inside: only the word squeezed into 60 px; cut short with an ellipsis or wrapped
    # after its hyphen is not.
    assert cases["broken"] == ["Parafenilendiammina in div#lyo-case-broken 'Parafenilendiammina'"]
    hyphen, ellipsis = browser.execute_script(
        "return ['lyo-case-hyphen', 'lyo-case-ellipsis'].map(function (id) {"
        " return document.getElementById(id).getBoundingClientRect().height; });"
    )
    assert hyphen > 1.5 * ellipsis  # the name did wrap, on two lines
    # Too small: the 20 px link and the 30 px wide icon; the link in a sentence is the line's size.
    assert cases["small"] == ["a#lyo-case-short", "button#lyo-case-icon"]
