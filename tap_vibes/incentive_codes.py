"""The ``incentive_codes_file`` setting: a CSV of incentive codes whose issuances and
redemptions to read (Vibes lists no codes: a company knows them from the files it imported).

Read exactly as ``person_ids_file`` is (a BOM, CRLF, blank lines, quoted or padded values;
errors name the file and the line): the header names ``incentive_code`` or ``code``.
"""

from __future__ import annotations

from tap_vibes.person_ids import PersonIdsFile

CODE_COLUMNS = ("incentive_code", "code")


class IncentiveCodesFile(PersonIdsFile):
    setting = "incentive_codes_file"
    columns = CODE_COLUMNS
