"""Reading what a workspace page shows, for the view tests."""

import html
import re


def page(response) -> str:
    """The page's text with HTML entities resolved."""
    return html.unescape(response.content.decode())


def field_error(response, field: str) -> list[str]:
    """The error messages shown under one form field."""
    return [
        html.unescape(message)
        for message in re.findall(
            rf'<p class="error" id="id_{field}_error">(.*?)</p>',
            response.content.decode(),
        )
    ]


def messages_shown(response) -> list[str]:
    """The flash messages at the top of the page."""
    return [
        html.unescape(message)
        for message in re.findall(
            r'<li class="message [a-z ]*" role="status">(.*?)</li>',
            response.content.decode(),
        )
    ]


def form_errors(response) -> list[str]:
    """The messages of the form-wide error box."""
    block = re.search(
        r'<div class="form-errors" role="alert">(.*?)</div>',
        response.content.decode(),
        re.S,
    )
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", block.group(1))]
