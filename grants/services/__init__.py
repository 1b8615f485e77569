"""Every change of a grant goes through these functions.

Each is atomic, locks the rows it decides on, and leaves a `GrantEvent`;
status changes all pass through `transition_grant`. Callers (views, admin,
commands, imports) map `GrantError` to a message and `NotAllowed` to 403.
"""

from .duties import *  # noqa: F403
from .errors import *  # noqa: F403
from .history import *  # noqa: F403
from .lpj import *  # noqa: F403
from .payments import *  # noqa: F403
from .programs import *  # noqa: F403
from .workflow import *  # noqa: F403
