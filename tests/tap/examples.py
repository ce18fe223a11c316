"""Records shaped like Vibes' own examples (FACTS §2, §8), both forms of each contradiction."""

from __future__ import annotations

from typing import Any

PERSON = {
    "person_id": "987654",
    "person_key": "21w2e27r-aaaa",
    "external_person_id": "542342",
    "timezone": "US/Central",
    "timezone_source": "api",
    "mobile_phone": {"mdn": "+12995551234", "carrier_code": "104"},
    "custom_fields": {
        "first_name": "Bob",
        "birthdate": "1990-12-01T00:00:00z",
        "nickname": None,
        "gender": {"id": None, "name": "Male", "option_key": "male", "active": True},
        "locations": [],
        "hobbies": [{"id": 1, "name": "Golf"}, {"id": 2, "name": "Chess"}],
    },
    "created_at": "2013-06-11T20:54:08Z",
    "updated_at": "2017-04-24T14:33:21Z",
    "url": "/companies/:company_key/mobiledb/persons/wd1377r4",
}
PERSON_V2_PHONE = {
    **PERSON,
    "person_key": "k2",
    "person_id": 987655,
    "mobile_phone": {"mdn": "+442071234567", "carrier_id": 7, "device_uid": "abc"},
    "updated_at": "2017-04-24T14:33:21+0000",
}
BROADCAST_TOP_LEVEL = {
    "broadcast_id": "1",
    "status": "sent",
    "name": "First alert message",
    "send_scheduled_date": "2017-04-04T16:05:00Z",
    "created_by": "user@company.com",
    "created_by_application": None,
    "targeting": {
        "message_template": "Hi",
        "short_url_base": "http://vbs.cm/",
        "shorten_urls": True,
        "channel": "sms",
        "source_short_code": None,
        "source_lists": ["123"],
        "filters": [],
    },
    "delivery": {
        "send_start_date": "2017-04-04T16:06:16Z",
        "enqueue_completed_date": "2017-04-04T16:06:16Z",
        "recipient_count": 1,
    },
    "url": "/companies/:company_key/mobiledb/broadcasts/1",
    "created_at": "2017-04-04T16:06:10Z",
    "updated_at": "2019-05-12T05:09:48Z",
}
BROADCAST_OAS_NESTED = {
    "broadcast_id": 2,
    "status": "scheduled",
    "name": "Nested",
    "send_scheduled_date": "2017-02-16T17:30Z",
    "send_schedule": {"method": "by_time_zone", "send_date": "2017-02-16", "send_time": "17:30"},
    "targeting": {
        "message_template": "Hi {{ first_name }}",
        "channel": "SMS",
        "source_short_code": {"short_code": "12345", "country_code": "1", "source_type": "SC"},
        "source_lists": ["123", 456],
        "filters": [{"name": "n", "selector": "=", "value": ["a"]}],
        "delivery": {"send_start_date": None, "recipient_count": 0},
        "url": "/companies/:company_key/mobiledb/broadcasts/2",
        "created_at": "2017-02-01T10:00Z",
        "updated_at": "2017-02-01T10:05:00+0000",
    },
}
BROADCAST_SHORT_CODE_TEXT = {**BROADCAST_TOP_LEVEL, "broadcast_id": "3"}
BROADCAST_SHORT_CODE_TEXT["targeting"] = {
    **BROADCAST_TOP_LEVEL["targeting"],  # type: ignore[dict-item]
    "source_short_code": "12345",
}
ACQUISITION = {
    "acquisition_id": "abc123",
    "description": "Spring",
    "campaign_type": {"code": "ACQUISITION"},
    "status": "active",
    "start_date": "2017-01-15T14:30Z",
    "end_date": None,
    "created_date": "2017-01-15T14:30Z",
    "updated_date": "2017-01-16T09:00Z",
    "acquisition_campaign": {"keywords": ["JOIN"]},
    "sourcecode": "65301",
    "url": "/companies/ck/campaigns/acquisition/abc123",
}
WALLET_CAMPAIGN = {
    "wallet_id": "tok1",
    "name": "Loyalty",
    "type": "Loyalty",
    "smartlink_url": "https://x",
    "url": "/companies/ck/campaigns/wallet/tok1",
    "redirect_link": None,
    "expiration_date": "2030-01-01T00:00:00.000Z",
    "ignore_unsecure_params": False,
    "security_configuration": {"public_key": "[REDACTED]", "jwt_algorithm": "RS256"},
    "created_at": "2018-05-07T15:27:33.664Z",
    "updated_at": "2018-05-08T15:27:33.664Z",
}
WALLET_ITEM = {
    "wallet_id": "tok1",
    "wallet_item_id": "494dd709",
    "group_code": "g",
    "campaign_ref": {"id": "tok1", "type": "wallet", "url": "/x"},
    "active": True,
    "tokens": {"loyalty_balance": "952", "first_name": "Bob"},
    "locations": [{"latitude": 43.6867, "longitude": -85.0102, "relevant_text": "Hi"}],
    "provider": "passbook",
    "passbook": {"notification": "Your updated balance = 952!"},
    "google_wallet": None,
    "created_at": "2018-05-07T15:27:33.664Z",
    "updated_at": "2018-05-07T15:27:33.664Z",
    "url": "/companies/ck/campaigns/wallet/tok1/items/494dd709",
}
WALLET_MESSAGE = {
    "wallet_id": "tok1",
    "wallet_message_id": "m1",
    "message": {"template": "Hello", "header": "Hi"},
    "campaign_ref": {"id": "tok1", "type": "wallet", "url": "/x"},
    "filters": [
        {"name": "provider", "selector": "=", "value": "google"},
        {"name": "first_class_field", "field_name": "tier", "selector": "any", "value": ["a"]},
        {"name": "expiration_date", "selector": "between", "value": ["2018-01-01", "2018-02-01"]},
    ],
    "created_at": "2018-05-07T15:27:33.664Z",
    "updated_at": "2018-05-07T15:27:33.664Z",
    "url": "/x",
}
SUBSCRIBER = {
    "person_key": "ABC123",
    "subscription_list_id": "1234",
    "active": False,
    "person": {"id": "ABC123", "url": "/companies/:ck/mobiledb/persons/ABC123"},
    "subscription_list": {"id": "1234", "url": "/companies/:ck/mobiledb/subscription_lists/1234"},
    "opt_in_date": "2018-01-15T15:34:52Z",
    "opt_out_date": "2018-07-09T23:55:00+0000",
    "opt_out_reason": "user_opt_out",
    "url": "/companies/:ck/mobiledb/persons/ABC123/subscriptions/1234",
}
SUBSCRIPTION_LIST = {
    "id": "1234",
    "name": "Main",
    "url": "/companies/ck/mobiledb/subscription_lists/1234",
    "subscribers_url": "/companies/ck/mobiledb/subscription_lists/1234/subscribers",
    "acquisition_campaigns_url": (
        "/companies/ck/mobiledb/subscription_lists/1234/acquisition_campaigns"
    ),
}

EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "persons": [PERSON, PERSON_V2_PHONE],
    "broadcasts": [BROADCAST_TOP_LEVEL, BROADCAST_OAS_NESTED, BROADCAST_SHORT_CODE_TEXT],
    "acquisition_campaigns": [ACQUISITION],
    "wallet_campaigns": [WALLET_CAMPAIGN],
    "wallet_items": [WALLET_ITEM],
    "wallet_messages": [WALLET_MESSAGE],
    "subscribers": [SUBSCRIBER],
    "subscription_lists": [SUBSCRIPTION_LIST],
}
