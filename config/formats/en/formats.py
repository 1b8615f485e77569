# English keeps the office's day-first dates and formats; only the words change.
from config.formats.id.formats import *  # noqa: F403
