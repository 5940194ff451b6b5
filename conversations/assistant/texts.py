"""Every sentence the assistant says, in Italian and English, in one catalog.

``say(key, language, **values)`` picks the text and fills ``{placeholders}``. A test
checks that every key has both languages and the same placeholders in each.
"""

from collections.abc import Mapping

LANGUAGES = ("it", "en")

CATALOG: Mapping[str, Mapping[str, str]] = {
    # --- greeting and menu -------------------------------------------------------
    "greeting": {
        "it": "Ciao{name}! Sono l'assistente di {tenant}. Posso prenotare, spostare o disdire "
        "e rispondere su orari e indirizzo.",
        "en": "Hi{name}! I'm {tenant}'s assistant. I can book, move or cancel, "
        "and answer about opening hours and our address.",
    },
    "menu_prompt": {"it": "Come posso aiutarti?", "en": "How can I help you?"},
    "menu_button": {"it": "Scegli", "en": "Choose"},
    "menu_book_table": {"it": "Prenota un tavolo", "en": "Book a table"},
    "menu_book_service": {"it": "Prenota", "en": "Book"},
    "menu_my_bookings": {"it": "Le mie prenotazioni", "en": "My bookings"},
    "menu_cancel": {"it": "Disdici", "en": "Cancel a booking"},
    "menu_reschedule": {"it": "Sposta", "en": "Move a booking"},
    "menu_hours": {"it": "Orari", "en": "Opening hours"},
    "menu_services": {"it": "Servizi e prezzi", "en": "Services and prices"},
    "menu_address": {"it": "Dove siamo", "en": "Where we are"},
    "menu_human": {"it": "Parla con noi", "en": "Talk to a person"},
    "reset": {"it": "Ok, ricominciamo.", "en": "OK, let's start over."},
    "expired": {
        "it": "È passato un po' di tempo, quindi ricominciamo da capo.",
        "en": "It's been a while, so let's start again.",
    },
    "not_understood": {
        "it": "Scusa, non ho capito. Puoi scrivere ad esempio \"tavolo per 2 domani alle 20\" oppure \"menu\".",
        "en": "Sorry, I didn't get that. You can write for example \"table for 2 tomorrow at 8pm\" or \"menu\".",
    },
    "not_understood_salon": {
        "it": "Scusa, non ho capito. Puoi scrivere ad esempio \"taglio domani alle 10\" oppure \"menu\".",
        "en": "Sorry, I didn't get that. You can write for example \"haircut tomorrow at 10am\" or \"menu\".",
    },
    "not_understood_menu": {
        "it": "Non sono sicuro di aver capito. Ecco cosa posso fare:",
        "en": "I'm not sure I understood. Here is what I can do:",
    },
    "thanks": {"it": "Grazie a te! A presto.", "en": "Thank you! See you soon."},
    "media": {
        "it": "Grazie! Purtroppo posso leggere solo messaggi di testo. Scrivimi pure cosa ti serve.",
        "en": "Thanks! I can only read text messages, though. Just write what you need.",
    },
    "location": {
        "it": "Grazie per la posizione! Se vuoi prenotare, scrivimi giorno, ora e numero di persone.",
        "en": "Thanks for the location! To book, write the day, time and number of people.",
    },
    # --- hand-off ----------------------------------------------------------------
    "handoff": {
        "it": "Ti metto in contatto con una persona dello staff: ti risponderà qui appena possibile.",
        "en": "I'm passing you to a member of staff: they will answer you here as soon as possible.",
    },
    "handoff_after_failures": {
        "it": "Mi dispiace, non riesco a capire. Ti metto in contatto con una persona dello staff: "
        "ti risponderà qui appena possibile.",
        "en": "I'm sorry, I can't work it out. I'm passing you to a member of staff: "
        "they will answer you here as soon as possible.",
    },
    "handoff_phone": {
        "it": "Se è urgente puoi chiamarci al {phone}.",
        "en": "If it's urgent you can call us on {phone}.",
    },
    # --- information -------------------------------------------------------------
    "hours_title": {"it": "I nostri orari:", "en": "Our opening hours:"},
    "hours_closed": {"it": "chiuso", "en": "closed"},
    "day_hours": {"it": "{date} siamo aperti {hours}.", "en": "On {date} we're open {hours}."},
    "day_hours_closed": {"it": "{date} siamo chiusi.", "en": "On {date} we're closed."},
    "day_hours_closed_reason": {
        "it": "{date} siamo chiusi ({reason}).",
        "en": "On {date} we're closed ({reason}).",
    },
    "hours_closures": {"it": "Chiusure in arrivo:", "en": "Upcoming closures:"},
    "address": {"it": "Ci trovi in {address}.", "en": "You'll find us at {address}."},
    "address_unknown": {
        "it": "L'indirizzo non è ancora configurato.",
        "en": "Our address hasn't been set up yet.",
    },
    "phone": {"it": "Telefono: {phone}", "en": "Phone: {phone}"},
    "services_title": {"it": "I nostri servizi:", "en": "Our services:"},
    "services_none": {
        "it": "Al momento non ci sono servizi prenotabili online.",
        "en": "There are no services to book online at the moment.",
    },
    "restaurant_services": {
        "it": "Siamo un ristorante: posso prenotarti un tavolo. Per il menù e i prezzi chiedi pure allo staff.",
        "en": "We're a restaurant: I can book you a table. For the food menu and prices, just ask our staff.",
    },
    "minutes": {"it": "{minutes} min", "en": "{minutes} min"},
    # --- booking: questions ------------------------------------------------------
    "ask_party_size": {"it": "Per quante persone?", "en": "For how many people?"},
    "party_people": {"it": "{count} persone", "en": "{count} people"},
    "party_one": {"it": "1 persona", "en": "1 person"},
    "party_button": {"it": "Persone", "en": "People"},
    "party_too_large": {
        "it": "Per gruppi di più di {max} persone chiamaci al {phone}, così organizziamo al meglio.",
        "en": "For groups larger than {max} please call us on {phone}, so we can arrange it properly.",
    },
    "party_too_large_no_phone": {
        "it": "Online posso prenotare al massimo per {max} persone. Scrivi \"persona\" per parlare con lo staff.",
        "en": "Online I can book for up to {max} people. Write \"person\" to talk to our staff.",
    },
    "ask_service": {"it": "Quale servizio desideri?", "en": "Which service would you like?"},
    "ask_service_which": {"it": "Quale di questi intendi?", "en": "Which of these do you mean?"},
    "service_button": {"it": "Servizi", "en": "Services"},
    "ask_date": {"it": "Per che giorno?", "en": "For which day?"},
    "date_which": {
        "it": "Il {day} è {weekday}: intendi {first} o {second}?",
        "en": "The {day} is a {weekday}: do you mean {first} or {second}?",
    },
    "date_button": {"it": "Giorni", "en": "Days"},
    "ask_time": {
        "it": "A che ora, {date}? Ecco gli orari liberi:",
        "en": "What time, {date}? These times are free:",
    },
    "time_button": {"it": "Orari", "en": "Times"},
    "ask_staff": {"it": "Hai preferenze per chi ti segue?", "en": "Anyone in particular you'd like?"},
    "staff_any": {"it": "Chiunque", "en": "Anyone"},
    "no_days_free": {
        "it": "Mi dispiace, non ho disponibilità nei prossimi giorni.",
        "en": "Sorry, I have no availability in the coming days.",
    },
    "day_full": {
        "it": "Mi dispiace, {date} non ho più posto.",
        "en": "Sorry, {date} is fully booked.",
    },
    "day_closed": {
        "it": "Mi dispiace, {date} siamo chiusi.",
        "en": "Sorry, we're closed {date}.",
    },
    "day_closed_reason": {
        "it": "Mi dispiace, {date} siamo chiusi ({reason}).",
        "en": "Sorry, we're closed {date} ({reason}).",
    },
    "time_closed": {
        "it": "Mi dispiace, alle {time} siamo chiusi: {date} siamo aperti {hours}.",
        "en": "Sorry, we're closed at {time}: {date} we're open {hours}.",
    },
    "time_ends_after_closing": {
        "it": "Mi dispiace, alle {time} non si finisce prima della chiusura: {date} siamo aperti {hours}.",
        "en": "Sorry, at {time} it would not finish before we close: {date} we're open {hours}.",
    },
    "and": {"it": "e", "en": "and"},
    "staff_not_doing_one": {
        "it": "{staff} non si occupa di {service}: per questo c'è {others}.",
        "en": "{staff} doesn't do {service}; {others} does.",
    },
    "staff_not_doing_many": {
        "it": "{staff} non si occupa di {service}: per questo ci sono {others}.",
        "en": "{staff} doesn't do {service}; {others} do.",
    },
    "day_too_far": {
        "it": "Si può prenotare al massimo {days} giorni in anticipo.",
        "en": "Bookings open at most {days} days ahead.",
    },
    "day_past": {
        "it": "Quella data è già passata.",
        "en": "That date has already passed.",
    },
    "slot_taken": {
        "it": "Mi dispiace, {when} non è disponibile.",
        "en": "Sorry, {when} isn't available.",
    },
    "slot_too_soon": {
        "it": "Mi dispiace, serve un preavviso di almeno {notice}.",
        "en": "Sorry, bookings need at least {notice} notice.",
    },
    "alternatives": {"it": "Posso proporti:", "en": "I can offer:"},
    "alternatives_other_days": {"it": "Nei prossimi giorni:", "en": "On the next days:"},
    "period_nothing": {
        "it": "In quella fascia non ho posto, ma {date} ho questi orari:",
        "en": "Nothing free at that time of day, but {date} I have:",
    },
    # --- booking: confirmation ---------------------------------------------------
    "confirm_table": {
        "it": "Riepilogo: tavolo per {party} {when}. Confermo?",
        "en": "Summary: table for {party} {when}. Shall I book it?",
    },
    "confirm_service": {
        "it": "Riepilogo: {service} {when}{staff}. Confermo?",
        "en": "Summary: {service} {when}{staff}. Shall I book it?",
    },
    "with_staff": {"it": " con {staff}", "en": " with {staff}"},
    "button_yes_book": {"it": "Sì, prenota", "en": "Yes, book it"},
    "button_other_time": {"it": "Altro orario", "en": "Another time"},
    "button_cancel_flow": {"it": "Annulla", "en": "Cancel"},
    "booked_table": {
        "it": "Fatto! Tavolo per {party} prenotato {when}. Codice prenotazione: {reference}.",
        "en": "Done! Table for {party} booked {when}. Booking code: {reference}.",
    },
    "booked_service": {
        "it": "Fatto! Prenotazione confermata: {service} {when}{staff}. Codice prenotazione: {reference}.",
        "en": "Done! {service} booked {when}{staff}. Booking code: {reference}.",
    },
    "how_to_cancel": {
        "it": "Per disdire o spostare scrivi \"disdici\" o \"sposta\" qui, quando vuoi.",
        "en": "To cancel or move it, just write \"cancel\" or \"move\" here at any time.",
    },
    "booking_dropped": {
        "it": "Va bene, non ho prenotato nulla.",
        "en": "All right, I haven't booked anything.",
    },
    "booking_failed": {
        "it": "Mi dispiace, non sono riuscito a prenotare. Riprova o scrivi \"persona\" per parlare con noi.",
        "en": "Sorry, I couldn't make the booking. Try again or write \"person\" to talk to us.",
    },
    # The business's limits per customer (bookings.services): as many as it allows online.
    "booking_limit_active": {
        "it": "Mi dispiace, hai già {count} prenotazioni in programma: è il massimo che posso gestire online.",
        "en": "Sorry, you already have {count} upcoming bookings: that's as many as I can make online.",
    },
    "booking_limit_active_one": {
        "it": "Mi dispiace, hai già una prenotazione in programma: è il massimo che posso gestire online.",
        "en": "Sorry, you already have an upcoming booking: that's as many as I can make online.",
    },
    "booking_limit_day_many": {
        "it": "Mi dispiace, per {date} hai già {count} prenotazioni: online non posso aggiungerne altre "
        "per quel giorno.",
        "en": "Sorry, you already have {count} bookings for {date}: I can't add another one for that day online.",
    },
    "booking_limit_day": {
        "it": "Mi dispiace, hai già una prenotazione per {date}: online non posso aggiungerne altre per quel giorno.",
        "en": "Sorry, you already have a booking for {date}: I can't add another one for that day online.",
    },
    "booking_limit_phone": {
        "it": "Per un'altra prenotazione chiamaci al {phone}.",
        "en": "For another booking, please call us on {phone}.",
    },
    "booking_limit_no_phone": {
        "it": "Per un'altra prenotazione contattaci direttamente.",
        "en": "For another booking, please contact us directly.",
    },
    "confirm_yes_no": {
        "it": "Rispondi sì o no, per favore.",
        "en": "Please answer yes or no.",
    },
    # --- my bookings, cancel, reschedule -----------------------------------------
    "no_bookings": {
        "it": "Non hai prenotazioni in programma.",
        "en": "You have no upcoming bookings.",
    },
    "your_bookings": {"it": "Le tue prossime prenotazioni:", "en": "Your upcoming bookings:"},
    "bookings_button": {"it": "Prenotazioni", "en": "Bookings"},
    "which_to_cancel": {"it": "Quale prenotazione vuoi disdire?", "en": "Which booking would you like to cancel?"},
    "which_to_move": {"it": "Quale prenotazione vuoi spostare?", "en": "Which booking would you like to move?"},
    "confirm_cancel": {
        "it": "Vuoi disdire la prenotazione {summary}?",
        "en": "Do you want to cancel the booking {summary}?",
    },
    "button_yes_cancel": {"it": "Sì, disdici", "en": "Yes, cancel"},
    "button_keep": {"it": "No, tienila", "en": "No, keep it"},
    "cancelled": {
        "it": "Fatto, la prenotazione {reference} è disdetta. Speriamo di vederti presto!",
        "en": "Done, booking {reference} is cancelled. We hope to see you soon!",
    },
    "kept": {"it": "Va bene, la prenotazione resta valida.", "en": "All right, your booking stays as it is."},
    "too_late": {
        "it": "Mancano meno di {hours} ore: non posso più modificarla da qui. Chiamaci al {phone}.",
        "en": "It's less than {hours} hours away, so I can't change it here any more. Please call us on {phone}.",
    },
    "too_late_no_phone": {
        "it": "Mancano meno di {hours} ore: non posso più modificarla da qui. Scrivi \"persona\" per parlare con noi.",
        "en": "It's less than {hours} hours away, so I can't change it here any more. "
        "Write \"person\" to talk to us.",
    },
    "booking_not_found": {
        "it": "Non trovo una prenotazione attiva con il codice {reference}.",
        "en": "I can't find an active booking with code {reference}.",
    },
    "move_intro": {"it": "Spostiamo {summary}.", "en": "Let's move {summary}."},
    "confirm_move": {
        "it": "Sposto {summary} a {when}. Confermo?",
        "en": "Move {summary} to {when}. Shall I?",
    },
    "button_yes_move": {"it": "Sì, sposta", "en": "Yes, move it"},
    "moved": {
        "it": "Fatto! La prenotazione {reference} ora è {when}.",
        "en": "Done! Booking {reference} is now {when}.",
    },
    "move_dropped": {
        "it": "Va bene, la prenotazione resta com'era.",
        "en": "All right, your booking stays as it was.",
    },
    # --- reminders and messages about changes made by staff ---------------------
    # Sent by ``reminders``, not as answers: inside WhatsApp's 24-hour window as they
    # are, outside it as the tenant's approved template (see reminders/models.py).
    "reminder": {
        "it": "Ciao{name}, ti ricordiamo la prenotazione da {tenant}: {what}, {when} (codice {reference}).{deposit} "
        "Confermi?",
        "en": "Hi{name}, a reminder of your booking at {tenant}: {what}, {when} (code {reference}).{deposit} "
        "Will you be there?",
    },
    # Double confirmation (``reminders.reconfirm``): added to the reminder, and the release.
    "reconfirm_ask": {
        "it": "Per favore conferma entro {deadline} con il pulsante qui sotto: senza conferma la prenotazione "
        "potrebbe essere liberata.",
        "en": "Please confirm by {deadline} with the button below: without it the booking may be released.",
    },
    "reconfirm_released": {
        "it": "Ciao{name}, non avendo ricevuto la tua conferma, {tenant} ha liberato la prenotazione {reference} "
        "({when}). Se vuoi ancora venire, scrivimi e cerchiamo un posto.",
        "en": "Hi{name}, as we did not hear back from you, {tenant} has released booking {reference} ({when}). "
        "If you'd still like to come, write to me and we'll look for a place.",
    },
    "reminder_button_confirm": {"it": "Confermo", "en": "Confirm"},
    "reminder_button_cancel": {"it": "Annulla", "en": "Cancel"},
    "reminder_confirmed": {
        "it": "Grazie per la conferma! Ti aspettiamo {when}.",
        "en": "Thanks for confirming! See you {when}.",
    },
    "staff_booked": {
        "it": "Ciao{name}, {tenant} ha registrato la tua prenotazione: {what}, {when}. Codice: {reference}.{deposit}",
        "en": "Hi{name}, {tenant} has booked you in: {what}, {when}. Booking code: {reference}.{deposit}",
    },
    "staff_moved": {
        "it": "Ciao{name}, {tenant} ha modificato la tua prenotazione {reference}: ora è {what}, {when}.{deposit}",
        "en": "Hi{name}, {tenant} has changed your booking {reference}: it is now {what}, {when}.{deposit}",
    },
    "staff_cancelled": {
        "it": "Ciao{name}, {tenant} ha disdetto la tua prenotazione {reference} ({what}, {when}).{deposit} "
        "Per prenotare di nuovo scrivici qui.",
        "en": "Hi{name}, {tenant} has cancelled your booking {reference} ({what}, {when}).{deposit} "
        "To book again, just write to us here.",
    },
    "review_request": {
        "it": "Ciao{name}, grazie per essere stato da {tenant}! Se ti va, lasciaci una recensione: {link}",
        "en": "Hi{name}, thank you for visiting {tenant}! If you like, leave us a review: {link}",
    },
    "rebook_nudge": {
        "it": "Ciao{name}, è passato un po' dall'ultima volta da {tenant} ({what}). "
        "Vuoi prenotare di nuovo? Tocca qui sotto, o scrivici quando ti va bene.",
        "en": "Hi{name}, it's been a while since your last visit to {tenant} ({what}). "
        "Would you like to book again? Tap below, or just tell us here when suits you.",
    },
    "rebook_button": {"it": "Prenota di nuovo", "en": "Book the same again"},
    "no_show_follow_up": {
        "it": "Ciao{name}, ci sei mancato oggi da {tenant}. Vuoi che troviamo un altro momento?",
        "en": "Hi{name}, we missed you today at {tenant}. Shall we find another time?",
    },
    # A freed slot held for a waitlisted customer (``reminders.waitlist_offers``).
    "waitlist_offer_table": {
        "it": "Ciao{name}, si è liberato un tavolo per {count} {when}. Lo prendo per te? "
        "Te lo tengo per {minutes} minuti.",
        "en": "Hi{name}, a table for {count} has freed up {when}. Shall I take it for you? "
        "I'll keep it for you for {minutes} minutes.",
    },
    "waitlist_offer_service": {
        "it": "Ciao{name}, si è liberato un posto per {what} {when}. Lo prendo per te? "
        "Te lo tengo per {minutes} minuti.",
        "en": "Hi{name}, a slot for {what} has freed up {when}. Shall I take it for you? "
        "I'll keep it for you for {minutes} minutes.",
    },
    # --- the waitlist in the chat (``conversations.assistant.waitlist``) --------------
    "waitlist_join_option": {"it": "Avvisami se si libera", "en": "Tell me if it frees up"},
    "waitlist_join_button": {"it": "Sì, avvisami", "en": "Yes, let me know"},
    "waitlist_join_ask": {
        "it": "Vuoi che ti avvisi qui se si libera un posto a quell'ora?",
        "en": "Shall I tell you here if a place frees up at that time?",
    },
    "waitlist_not_joined": {
        "it": "Va bene. Scrivimi quando vuoi per prenotare.",
        "en": "All right. Write to me any time to book.",
    },
    "waitlist_request": {
        "it": "{what}, {date} tra le {start} e le {end}",
        "en": "{what}, {date} between {start} and {end}",
    },
    "waitlist_joined": {
        "it": "Fatto! Sei in lista d'attesa: {request}. Se si libera un posto ti scrivo qui e te lo tengo "
        "per {minutes} minuti.",
        "en": "Done! You're on the waitlist: {request}. If a place frees up I'll write to you here and keep "
        "it for you for {minutes} minutes.",
    },
    "waitlist_join_past": {
        "it": "Mi dispiace, quell'orario è già passato.",
        "en": "Sorry, that time has already passed.",
    },
    "waitlist_booked": {
        "it": "Perfetto, è tuo! {what}, {when}. Codice prenotazione: {reference}.",
        "en": "Great, it's yours! {what}, {when}. Booking code: {reference}.",
    },
    "waitlist_already_booked": {
        "it": "Questo posto è già tuo: codice prenotazione {reference}.",
        "en": "This place is already yours: booking code {reference}.",
    },
    "waitlist_taken": {
        "it": "Mi dispiace, il posto {when} non è più tenuto per te.",
        "en": "Sorry, the place {when} is no longer kept for you.",
    },
    "waitlist_declined": {
        "it": "Va bene, lo lascio a qualcun altro. Scrivimi quando vuoi per prenotare.",
        "en": "All right, I'll let someone else have it. Write to me any time to book.",
    },
    "waitlist_offer_closed": {
        "it": "Ok, quel posto non è più tenuto per te.",
        "en": "OK, that place is no longer kept for you.",
    },
    "waitlist_offer_unknown": {
        "it": "Non trovo questa proposta. Scrivimi giorno e ora per prenotare.",
        "en": "I can't find this offer. Tell me a day and time to book.",
    },
    "waitlist_waiting": {"it": "Sei in lista d'attesa per:", "en": "You're on the waitlist for:"},
    "waitlist_withdraw_button": {"it": "Esci dalla lista", "en": "Leave the waitlist"},
    "waitlist_withdraw_which": {
        "it": "Tocca una richiesta per uscire dalla lista.",
        "en": "Tap a request to leave the waitlist.",
    },
    "waitlist_withdrawn": {
        "it": "Fatto, non sei più in lista d'attesa per {request}.",
        "en": "Done, you're no longer on the waitlist for {request}.",
    },
    "waitlist_not_waiting": {
        "it": "Questa richiesta non è più in lista d'attesa.",
        "en": "This request is no longer on the waitlist.",
    },
    "waitlist_button_confirm": {"it": "Confermo", "en": "Confirm"},
    "waitlist_button_decline": {"it": "No grazie", "en": "No thanks"},
    "opted_out": {
        "it": "Va bene, non ti scriveremo più per primi: niente promemoria né altri messaggi. "
        "Le conferme delle tue prenotazioni arriveranno comunque. Per prenotare scrivici quando vuoi.",
        "en": "All right, we won't write to you first any more: no reminders or other messages. "
        "Confirmations of your bookings still come. To book, write to us any time.",
    },
    # A template parameter may not be empty (Meta refuses the message): the name when unknown.
    "customer_name_unknown": {"it": "cliente", "en": "there"},
    # --- deposits and card guarantees (conversations.assistant.payment) ----------
    "payment_quote_deposit": {
        "it": "Per questa prenotazione chiediamo un acconto di {amount}, da pagare con un link entro "
        "{minutes} minuti. Se disdici almeno {hours} ore prima ti viene restituito; dopo, o se non vieni, "
        "resta a noi.",
        "en": "This booking needs a deposit of {amount}, paid by a link within {minutes} minutes. "
        "Cancel at least {hours} hours before and it is refunded; later, or if you don't come, it is kept.",
    },
    "payment_quote_guarantee": {
        "it": "Per questa prenotazione chiediamo una carta a garanzia, da lasciare con un link entro "
        "{minutes} minuti: non addebitiamo nulla, ma se non vieni o disdici meno di {hours} ore prima "
        "possiamo addebitare fino a {amount}.",
        "en": "This booking needs a card as a guarantee, left by a link within {minutes} minutes: nothing is "
        "charged, but if you don't come or cancel less than {hours} hours before we may charge up to {amount}.",
    },
    "payment_link_deposit": {
        "it": "Ti tengo il posto fino alle {deadline}. Paga l'acconto di {amount} qui: {link} "
        "Appena arriva il pagamento la prenotazione {reference} è confermata.",
        "en": "I'm holding it for you until {deadline}. Pay the {amount} deposit here: {link} "
        "As soon as the payment arrives, booking {reference} is confirmed.",
    },
    "payment_link_guarantee": {
        "it": "Ti tengo il posto fino alle {deadline}. Lascia la carta a garanzia (fino a {amount}) qui: "
        "{link} Appena è registrata la prenotazione {reference} è confermata.",
        "en": "I'm holding it for you until {deadline}. Leave your card as a guarantee (up to {amount}) here: "
        "{link} As soon as it is saved, booking {reference} is confirmed.",
    },
    "payment_confirmed": {
        "it": "Pagamento ricevuto, grazie! Prenotazione {reference} confermata: {what}, {when}.",
        "en": "Payment received, thank you! Booking {reference} is confirmed: {what}, {when}.",
    },
    "payment_expired": {
        "it": "Il tempo per pagare è scaduto, quindi il posto ({what}, {when}) non è più tenuto. "
        "Se vuoi riprovare scrivici qui.",
        "en": "The time to pay has run out, so the place ({what}, {when}) is no longer held. "
        "To try again, just write to us here.",
    },
    "payment_refunded_late": {
        "it": "Il pagamento di {amount} è arrivato dopo la scadenza e il posto ({what}, {when}) non era più "
        "tenuto: te lo stiamo restituendo per intero. Se vuoi riprovare scrivici qui.",
        "en": "Your payment of {amount} came after the deadline and the place ({what}, {when}) was no longer "
        "held: we are refunding it in full. To try again, just write to us here.",
    },
    "payment_unavailable": {
        "it": "Mi dispiace, ora non riesco a preparare il link di pagamento. Riprova tra poco o scrivi "
        "\"persona\" per parlare con noi.",
        "en": "Sorry, I can't make the payment link right now. Try again shortly or write \"person\" "
        "to talk to us.",
    },
    "payment_what_table": {"it": "tavolo per {party}", "en": "table for {party}"},
    # --- big parties waiting for staff approval (``bookings.approvals``) -------------
    "approval_requested": {
        "it": "Grazie! Per un tavolo per {party} {when} serve la conferma del locale. {kept}"
        "Ti scrivo qui appena rispondono. Codice richiesta: {reference}.",
        "en": "Thank you! A table for {party} {when} needs the restaurant's approval. {kept}"
        "I'll write to you here as soon as they answer. Request code: {reference}.",
    },
    "approval_kept": {
        "it": "Intanto te lo tengo fino alle {until}. ",
        "en": "Meanwhile I'm keeping it for you until {until}. ",
    },
    "approval_kept_day": {
        "it": "Intanto te lo tengo fino a {day} alle {until}. ",
        "en": "Meanwhile I'm keeping it for you until {until} on {day}. ",
    },
    "approval_approved": {
        "it": "Buone notizie{name}: {tenant} ha confermato il tuo tavolo per {party} {when}. "
        "Codice prenotazione: {reference}.",
        "en": "Good news{name}: {tenant} has confirmed your table for {party} {when}. Booking code: {reference}.",
    },
    "approval_declined": {
        "it": "Ciao{name}, mi dispiace: {tenant} non può accogliere il tavolo per {party} {when}. "
        "Se vuoi, scrivimi per un altro giorno o orario.",
        "en": "Hi{name}, we're sorry: {tenant} cannot take the table for {party} {when}. "
        "If you like, write to me for another day or time.",
    },
    "approval_lapsed": {
        "it": "Ciao{name}, mi dispiace: {tenant} non è riuscito a confermare in tempo il tavolo per {party} "
        "{when}, quindi non è prenotato. Scrivimi se vuoi provare un altro orario.",
        "en": "Hi{name}, we're sorry: {tenant} could not confirm the table for {party} {when} in time, so it "
        "is not booked. Write to me if you'd like to try another time.",
    },
    # The deposit, in a reminder and in the news of what staff changed (``reminders.services``);
    # each starts with a space, put after the sentence before it.
    "deposit_paid": {"it": " Caparra di {amount} versata.", "en": " Deposit of {amount} paid."},
    "deposit_refunded": {
        "it": " La caparra di {amount} ti viene restituita per intero.",
        "en": " Your deposit of {amount} is being refunded in full.",
    },
    "deposit_kept": {
        "it": " La caparra di {amount} è trattenuta, come dalle condizioni della prenotazione.",
        "en": " The deposit of {amount} is kept, as the booking's terms say.",
    },
    # --- date and time words -----------------------------------------------------
    "when": {"it": "{date} alle {time}", "en": "{date} at {time}"},
    "today": {"it": "oggi", "en": "today"},
    "tomorrow": {"it": "domani", "en": "tomorrow"},
    "hours_notice": {"it": "{hours} ore", "en": "{hours} hours"},
    "minutes_notice": {"it": "{minutes} minuti", "en": "{minutes} minutes"},
}


def say(key: str, language: str, **values: object) -> str:
    texts = CATALOG[key]
    text = texts.get(language) or texts["it"]
    return text.format(**values) if values else text
