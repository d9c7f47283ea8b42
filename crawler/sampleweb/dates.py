"""The sample web's frozen clock and the way each outlet prints a date.

Every relative date on the sample web ("Сегодня, 09:05", "17:11, Вчера",
"2 часа назад") is literal text computed from :data:`SAMPLE_NOW` in the
outlet's own time zone, so a crawler run with its clock frozen at that moment
must read them back to the true publication moments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

#: The moment the whole sample web "is at": 11:30 in Almaty/Kostanay, 10:30 in Baku.
SAMPLE_NOW = datetime(2025, 11, 25, 6, 30, tzinfo=UTC)

RU_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
               "сентября", "октября", "ноября", "декабря")
RU_NOMINATIVE = ("Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
                 "Сентябрь", "Октябрь", "Ноябрь", "Декабрь")
KK_NOMINATIVE = ("Қаңтар", "Ақпан", "Наурыз", "Сәуір", "Мамыр", "Маусым", "Шілде", "Тамыз",
                 "Қыркүйек", "Қазан", "Қараша", "Желтоқсан")
RFC822_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RFC822_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                 "Dec")


def zone(name: str) -> tzinfo:
    """The IANA zone from the bundled ``tzdata`` package (never the OS copy: Kazakhstan
    moved from UTC+6 to UTC+5 on 2024-03-01 and old OS tables do not know it)."""
    from pipelines.dates import zone as bundled_zone

    return bundled_zone(name)


def local_now(tz: str) -> datetime:
    return SAMPLE_NOW.astimezone(zone(tz))


def day_offset(moment: datetime) -> int:
    """0 for the sample web's "today" in ``moment``'s zone, 1 for yesterday, ..."""
    now = SAMPLE_NOW.astimezone(moment.tzinfo)
    return (now.date() - moment.date()).days


def iso_utc(moment: datetime) -> str:
    """DESIGN's UTC form: ``2025-11-24T07:18:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(moment: datetime) -> str:
    """ISO 8601 with the local offset, as in JSON-LD and ``article:published_time``."""
    return moment.isoformat(timespec="seconds")


def rfc822(moment: datetime) -> str:
    """RSS ``pubDate``: ``Mon, 24 Nov 2025 11:18:00 +0400``."""
    return (f"{RFC822_DAYS[moment.weekday()]}, {moment.day:02d} {RFC822_MONTHS[moment.month - 1]} "
            f"{moment:%Y %H:%M:%S %z}")


def published_at(moment: datetime, precision: str) -> str:
    """The expected ``published_at``: UTC instant, or the local calendar day."""
    if precision == "day":
        return moment.date().isoformat()
    return iso_utc(moment)


def hours_ago_ru(moment: datetime) -> str | None:
    """'2 часа назад' while the moment is less than 12 hours old, else None."""
    hours = int((SAMPLE_NOW - moment.astimezone(UTC)) / timedelta(hours=1))
    if hours < 1 or hours >= 12:
        return None
    word = "час" if hours % 10 == 1 and hours != 11 else (
        "часа" if hours % 10 in (2, 3, 4) and hours not in (12, 13, 14) else "часов")
    return f"{hours} {word} назад"


# --- the printed forms, one per outlet ---------------------------------------------------

def agency_numeric(moment: datetime) -> str:
    """AZERTAC style: ``24.11.2025 [11:18]``."""
    return f"{moment:%d.%m.%Y} [{moment:%H:%M}]"


def day_numeric(moment: datetime | date) -> str:
    """Government sites and newspapers: ``20.11.2025``."""
    return f"{moment:%d.%m.%Y}"


def portal_relative(moment: datetime) -> str:
    """Tengrinews style: ``Сегодня, 09:05`` / ``Вчера, 09:40`` / ``11 августа 2023, 21:03``."""
    offset = day_offset(moment)
    if offset == 0:
        return f"Сегодня, {moment:%H:%M}"
    if offset == 1:
        return f"Вчера, {moment:%H:%M}"
    return f"{moment.day} {RU_GENITIVE[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def agency_nominative(moment: datetime, language: str = "ru") -> str:
    """Kazinform style with a nominative month: ``15:00, 20 Ноябрь 2025``."""
    months = KK_NOMINATIVE if language == "kk" else RU_NOMINATIVE
    return f"{moment:%H:%M}, {moment.day} {months[moment.month - 1]} {moment.year}"


def regional_relative(moment: datetime) -> str:
    """7152.kz style: ``17:11, Вчера`` / ``08:20, Сегодня`` / ``09:12, 21.11.2025``."""
    offset = day_offset(moment)
    if offset == 0:
        return f"{moment:%H:%M}, Сегодня"
    if offset == 1:
        return f"{moment:%H:%M}, Вчера"
    return f"{moment:%H:%M}, {moment:%d.%m.%Y}"


def tv_numeric(moment: datetime) -> str:
    """Regional TV: ``11.08.2023 20:30``."""
    return f"{moment:%d.%m.%Y} {moment:%H:%M}"
