"""English keeps SMO's ISO-style, 24-hour dates ("2026-05-04 09:30") instead of Django's US default
("05/04/2026 9:30 a.m."): the interface is international English, and a schedule reads best without a.m./p.m.
"""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
