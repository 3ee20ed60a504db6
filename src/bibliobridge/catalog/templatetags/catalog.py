from django import template

from bibliobridge.catalog.messages import problem_message as message

register = template.Library()


@register.filter
def problem_message(item) -> str:
    """A reader's problem (an ImportProblem, or a run's error) in the active language."""
    if hasattr(item, "error_code"):
        return message(item.error_code, item.error_params)
    return message(item.code, item.params)
