from django.utils import timezone


def today(request) -> dict:
    """Today's date in WITA, for expiry and due-date warnings in templates."""
    return {"today": timezone.localdate()}
