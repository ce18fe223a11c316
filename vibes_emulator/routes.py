"""Every Vibes route the emulator serves, on one screen (FACTS §7).

Each path is registered with and without a trailing slash: Vibes' own spec and client use
both forms (FACTS §1.9). External-id routes come before ``{person_key}`` routes so the word
"external" is never taken for a person key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from vibes_emulator.handlers import (
    callbacks,
    campaigns,
    event_campaigns,
    incentives,
    lists,
    persons,
    push_devices,
    wallet,
)
from vibes_emulator.handlers import wallet_locations as locations
from vibes_emulator.request_validation import request_bodies

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

C = "/companies/{company_key}"
PERSONS = C + "/mobiledb/persons"
EXTERNAL = PERSONS + "/external/{external_person_id}"
PERSON = PERSONS + "/{person_key}"
LISTS = C + "/mobiledb/subscription_lists"
LIST = LISTS + "/{subscription_list_id}"
ACQ = C + "/campaigns/acquisition"
BROADCASTS = C + "/mobiledb/broadcasts"
WALLET = C + "/campaigns/wallet"
CAMPAIGN = WALLET + "/{wallet_id}"
CALLBACKS = C + "/config/callbacks"
LOCATIONS = CAMPAIGN + "/locations"
# The spec names the campaign {token} on these paths and {wallet_id} on the others; both
# are the same SmartLink token, so one variable name routes them all (FACTS §2.6, §2.9).
DESIGNS = {
    kind: locations.design_handlers(kind)
    for kind in ("wallet_template", "passbook_template", "location_selector")
}
EVENT_CAMPAIGNS = C + "/mobiledb/event_triggered_messages"
EVENT_CAMPAIGN = EVENT_CAMPAIGNS + "/{event_triggered_message_id}"
# Push device routes outside /companies: the credentials name the company (routing.py).
DEVICE = "/mobile_apps/{app_id}/devices/{vibes_device_id}"
POOLS = C + "/incentives/pools"
CODE = C + "/incentives/codes/{code}"

ROUTES: list[tuple[str, str, Handler]] = [
    # persons
    ("GET", PERSONS, persons.find_person),
    ("POST", PERSONS, persons.create_person),
    ("GET", EXTERNAL, persons.get_person_external),
    ("PUT", EXTERNAL, persons.upsert_person_external),
    ("GET", EXTERNAL + "/subscriptions", persons.person_subscriptions),
    ("GET", EXTERNAL + "/subscriptions/{subscription_list_id}", persons.person_subscription),
    ("DELETE", EXTERNAL + "/subscriptions/{subscription_list_id}", persons.unsubscribe),
    ("GET", EXTERNAL + "/push_devices", push_devices.person_push_devices),
    ("GET", PERSON, persons.get_person),
    ("PUT", PERSON, persons.update_person),
    ("GET", PERSON + "/subscriptions", persons.person_subscriptions),
    ("GET", PERSON + "/subscriptions/{subscription_list_id}", persons.person_subscription),
    ("DELETE", PERSON + "/subscriptions/{subscription_list_id}", persons.unsubscribe),
    ("GET", PERSON + "/push_devices", push_devices.person_push_devices),
    # subscription lists
    ("GET", LISTS, lists.list_subscription_lists),
    ("GET", LIST, lists.get_subscription_list),
    ("GET", LIST + "/subscribers", lists.list_subscriber),
    ("GET", LIST + "/acquisition_campaigns", lists.list_acquisition_campaigns),
    # acquisition campaigns and participants
    ("GET", ACQ, campaigns.list_acquisitions),
    ("GET", ACQ + "/{acquisition_id}", campaigns.get_acquisition),
    ("GET", ACQ + "/{acquisition_id}/participants", campaigns.search_participants),
    ("POST", ACQ + "/{acquisition_id}/participants", campaigns.add_participant),
    # broadcasts
    ("GET", BROADCASTS, campaigns.list_broadcasts),
    ("POST", BROADCASTS, campaigns.create_broadcast),
    ("GET", BROADCASTS + "/{broadcast_id}", campaigns.get_broadcast),
    ("PUT", BROADCASTS + "/{broadcast_id}", campaigns.update_broadcast),
    ("DELETE", BROADCASTS + "/{broadcast_id}", campaigns.cancel_broadcast),
    # wallet
    ("GET", WALLET, wallet.list_campaigns),
    ("POST", WALLET, wallet.create_campaign),
    ("GET", CAMPAIGN, wallet.get_campaign),
    ("PUT", CAMPAIGN, wallet.update_campaign),
    ("GET", CAMPAIGN + "/items", wallet.list_items),
    ("GET", CAMPAIGN + "/items/{wallet_item_id}", wallet.get_item),
    ("PUT", CAMPAIGN + "/items/{wallet_item_id}", wallet.update_item),
    ("GET", CAMPAIGN + "/messages", wallet.list_messages),
    ("POST", CAMPAIGN + "/messages", wallet.create_message),
    ("GET", CAMPAIGN + "/messages/{wallet_message_id}", wallet.get_message),
    *(
        (method, f"{CAMPAIGN}/{kind}", handler)
        for kind, handlers in DESIGNS.items()
        for method, handler in handlers.items()
        if kind == "location_selector" or method != "DELETE"
    ),
    ("GET", LOCATIONS, locations.list_locations),
    ("POST", LOCATIONS + "/bulk", locations.bulk_add_locations),
    # delete_all before {location_id}, so the word is never taken for an id.
    ("DELETE", LOCATIONS + "/delete_all", locations.delete_all_locations),
    ("DELETE", LOCATIONS + "/{location_id}", locations.delete_location),
    ("GET", C + "/sourcecodes", locations.list_source_codes),
    # callbacks and events
    ("GET", CALLBACKS, callbacks.list_callbacks),
    ("POST", CALLBACKS, callbacks.create_callback),
    ("GET", CALLBACKS + "/{callback_id}", callbacks.get_callback),
    ("PUT", CALLBACKS + "/{callback_id}", callbacks.update_callback),
    ("DELETE", CALLBACKS + "/{callback_id}", callbacks.delete_callback),
    ("POST", C + "/config/callback_events/test", callbacks.test_callback),
    ("POST", C + "/events", callbacks.post_event),
    # event-triggered campaigns
    ("GET", EVENT_CAMPAIGNS, event_campaigns.list_event_campaigns),
    ("POST", EVENT_CAMPAIGNS, event_campaigns.create_event_campaign),
    ("GET", EVENT_CAMPAIGN, event_campaigns.get_event_campaign),
    ("PUT", EVENT_CAMPAIGN, event_campaigns.update_event_campaign),
    ("DELETE", EVENT_CAMPAIGN, event_campaigns.cancel_event_campaign),
    # push devices
    ("GET", DEVICE, push_devices.get_device),
    ("POST", DEVICE + "/assign", push_devices.assign_device),
    # incentives
    ("GET", POOLS, incentives.list_pools),
    ("POST", POOLS, incentives.create_pool),
    ("GET", POOLS + "/{incentive_pool_id}", incentives.get_pool),
    ("PUT", POOLS + "/{incentive_pool_id}", incentives.update_pool),
    ("POST", POOLS + "/{issuance_pool_id}/issuances", incentives.issue_code),
    ("GET", CODE, incentives.get_code),
    ("GET", CODE + "/issuances", incentives.list_issuances),
    ("GET", CODE + "/redemptions", incentives.list_redemptions),
    ("POST", CODE + "/redemptions", incentives.redeem_code),
]


def add_vibes_routes(app: web.Application) -> None:
    """Register every Vibes route, in both trailing-slash forms, each behind its operation's
    request-body check (``request_validation``)."""
    bodies = request_bodies()
    for method, path, handler in ROUTES:
        checked = bodies.guard(method, path, handler)
        for form in (path, path + "/"):
            app.router.add_route(method, form, checked)
            if method == "GET":
                # HEAD answers what GET would, without the body (RFC 9110 §9.3.2).
                app.router.add_route("HEAD", form, checked)
